#include "policy/store.hpp"

namespace gatehouse::policy {

std::string_view to_string(change_kind k) {
  switch (k) {
    case change_kind::request_filed: return "request_filed";
    case change_kind::request_updated: return "request_updated";
    case change_kind::request_decided: return "request_decided";
    case change_kind::grant_ended: return "grant_ended";
    case change_kind::grant_revoked: return "grant_revoked";
  }
  return "request_updated";
}

std::optional<change_kind> parse_change_kind(std::string_view text) {
  for (auto k :
       {change_kind::request_filed, change_kind::request_updated, change_kind::request_decided,
        change_kind::grant_ended, change_kind::grant_revoked})
    if (to_string(k) == text) return k;
  return std::nullopt;
}

}  // namespace gatehouse::policy
