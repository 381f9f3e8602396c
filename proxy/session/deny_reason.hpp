#pragma once
// Why a connection is turned away, in one vocabulary for every front end: the policy's
// reasons (policy::deny_reason: unknown_person, rule_denies, no_approver, ...) and the
// refusals of the front ends and the hold (front_end_refusal). Its snake_case label is the
// `reason` field of access.denied (and of hold.end when the hold did not end in approval),
// and the label a metric of refusals uses. Pure.
#include <string_view>
#include <variant>

#include "policy/decision.hpp"

namespace gatehouse::proxy::session {

enum class front_end_refusal {
  hold_cap_reached,            // too many held connections of the person or from the source
  hold_timeout,                // the rule's hold_timeout passed without a decision
  request_not_filed,           // the request could not be filed (the person's limit, the store)
  request_denied,              // an approver denied the request
  request_expired,             // it expired without a decision
  request_cancelled,           // the person (or an administrator) cancelled it
  approval_gives_no_access,    // approved, but the check that followed does not allow
  justification_missing,       // none was given (in time)
  justification_not_accepted,  // given, but the check that followed still asks for one
  audit_unavailable,           // the audit trail cannot record sessions (on_write_failure)
  store_unreachable,           // a new login needs the access store and it cannot be reached
  upstream_failed,             // the server could not be reached or refused the login
  client_left,                 // the client went away before it was let through
};

using deny_reason = std::variant<policy::deny_reason, front_end_refusal>;

std::string_view to_string(front_end_refusal r);  // "hold_cap_reached", ...
std::string_view label(const deny_reason& r);     // the policy's label or the above

}  // namespace gatehouse::proxy::session
