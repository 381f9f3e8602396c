#pragma once
// A grant: the period during which one person may reach one account on one server, created
// when a request is approved. It is a stored record (see store.hpp); it only changes through
// request_transitions (ended when its period runs out, revoked by an approver, the person or
// an admin). States: active -> ended | revoked; both are terminal.
//
// Plain value type; copy freely. Not synchronised.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.hpp"

namespace gatehouse::policy {

using grant_id = std::int64_t;
using request_id = std::int64_t;

enum class grant_state { active, ended, revoked };

std::string_view to_string(grant_state s);  // "active" | "ended" | "revoked"
std::optional<grant_state> parse_grant_state(std::string_view text);

struct grant {
  grant_id id = 0;  // 0 until stored
  request_id request = 0;
  std::string person;
  std::string server;
  std::string account;
  time_point start;
  time_point end;
  grant_state state = grant_state::active;
  std::string revoked_by;               // set when revoked
  std::optional<time_point> closed_at;  // when it ended or was revoked
  std::int64_t version = 0;             // optimistic concurrency; set by the store

  // Active and inside its period: the person may connect now.
  bool live_at(time_point now) const {
    return state == grant_state::active && start <= now && now < end;
  }
};

}  // namespace gatehouse::policy
