#include "policy/grant.hpp"

namespace gatehouse::policy {

std::string_view to_string(grant_state s) {
  switch (s) {
    case grant_state::active: return "active";
    case grant_state::ended: return "ended";
    case grant_state::revoked: return "revoked";
  }
  return "active";
}

std::optional<grant_state> parse_grant_state(std::string_view text) {
  for (auto s : {grant_state::active, grant_state::ended, grant_state::revoked})
    if (to_string(s) == text) return s;
  return std::nullopt;
}

}  // namespace gatehouse::policy
