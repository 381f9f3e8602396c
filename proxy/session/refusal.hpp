#pragma once
// A hold's refusal (hold.hpp): why, in the deny_reason vocabulary, with what the front end
// needs to word it for its client. Plain data.
#include <chrono>
#include <optional>
#include <string>

#include "proxy/session/deny_reason.hpp"
#include "proxy/session/gate.hpp"

namespace gatehouse::proxy::session {

struct refusal {
  deny_reason reason;
  std::string text;  // the policy's sentence, the cap's sentence, why filing failed, ...
  std::optional<request_status> request;  // the request it is about, when there is one
  std::chrono::seconds waited{0};          // how long it was held
};

}  // namespace gatehouse::proxy::session
