#pragma once
// STAND-IN (lead): replaced by the `identity` branch's header at merge.
#include <optional>
#include <string>

#include "core/time.hpp"

namespace gatehouse::approval {
class token_store;
}
namespace gatehouse::apps {
struct http_token {
  std::string person, app;
  time_point expires;
};
std::optional<http_token> verify_http_token(approval::token_store& tokens,
                                            const std::string& bearer, time_point now);
}  // namespace gatehouse::apps
