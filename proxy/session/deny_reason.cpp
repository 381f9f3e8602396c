#include "proxy/session/deny_reason.hpp"

namespace gatehouse::proxy::session {

std::string_view to_string(front_end_refusal r) {
  switch (r) {
    case front_end_refusal::hold_cap_reached: return "hold_cap_reached";
    case front_end_refusal::hold_timeout: return "hold_timeout";
    case front_end_refusal::request_not_filed: return "request_not_filed";
    case front_end_refusal::request_denied: return "request_denied";
    case front_end_refusal::request_expired: return "request_expired";
    case front_end_refusal::request_cancelled: return "request_cancelled";
    case front_end_refusal::approval_gives_no_access: return "approval_gives_no_access";
    case front_end_refusal::justification_missing: return "justification_missing";
    case front_end_refusal::justification_not_accepted: return "justification_not_accepted";
    case front_end_refusal::audit_unavailable: return "audit_unavailable";
    case front_end_refusal::store_unreachable: return "store_unreachable";
    case front_end_refusal::upstream_failed: return "upstream_failed";
    case front_end_refusal::client_left: return "client_left";
  }
  return "unknown";
}

std::string_view label(const deny_reason& r) {
  return std::visit([](auto reason) { return to_string(reason); }, r);
}

}  // namespace gatehouse::proxy::session
