#pragma once
// Viewing a recording as an access request of its own (SPEC audit.recordings_need_approval):
// an auditor's replay or download of session S's recording needs an approved request for the
// target `recording:S`, decided like any other, never by the person recorded.
//
// Such a request is an ordinary policy::request: requester the auditor, server "recording:S",
// account the person recorded (so the grant names whose recording it opens, and the
// transitions refuse that person as approver or as the one a part is handed to). Its approvers
// and terms come from the rule that lets the recorded person reach the recorded server (its
// levels, resolved for them), else their managers; the recorded person is never among them.
//
// Pure helpers here; access_service files, checks and audits (policy/recording_access.cpp).
#include <optional>
#include <string>
#include <string_view>

#include "policy/request.hpp"

namespace gatehouse::policy {

inline constexpr std::string_view recording_prefix = "recording:";

// The facts of a recorded session as its audit events name them.
struct recorded_session {
  std::string id;       // the session id
  std::string person;   // who was recorded
  std::string server;   // where
  std::string account;  // as whom
};

inline std::string recording_target(std::string_view session_id) {
  return std::string(recording_prefix) + std::string(session_id);
}
inline bool is_recording_request(const request& r) {
  return r.server.starts_with(recording_prefix);
}
// The person whose session `r` asks to see (empty for any other request).
inline std::string recorded_person(const request& r) {
  return is_recording_request(r) ? r.account : std::string();
}

// What an auditor may do with a recording now.
struct recording_access {
  bool allowed = false;            // no approval needed, or a live grant
  std::optional<grant_id> grant;   // the grant that allows it, if one was needed
  std::optional<request> pending;  // their request waiting for a decision, if any
};

}  // namespace gatehouse::policy
