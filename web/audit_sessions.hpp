#pragma once
// Sessions as the audit log tells them: session.start, session.recording and session.end
// events folded into one row per session. Pure; the pages read the events.
#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gatehouse::web {

struct audit_session {
  std::string id;
  std::string person, account, server, protocol, client;
  std::string started, ended;  // the events' ts; "" when the log read holds no such event
  std::optional<std::int64_t> duration_s, bytes_in, bytes_out;
  std::string end_reason;
  std::vector<std::string> recordings;  // asciicast paths, in the order they were made
};

// One row per session id seen in `events` (oldest first, as audit::find_events gives them),
// newest first.
std::vector<audit_session> sessions_from_events(const std::vector<boost::json::object>& events);

// The file name a recording is served under: its path's last part ("ssh-ab12cd-7.cast",
// "ssh-ab12cd-7.2.cast").
std::string recording_name(const std::string& path);

// Whether `name` is one a session's recording can have: "<session id>[.N].cast" where the
// id is letters, digits and '-' only. Returns the session id, or "" when not.
std::string session_of_recording_name(std::string_view name);

}  // namespace gatehouse::web
