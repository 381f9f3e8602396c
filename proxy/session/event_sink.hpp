#pragma once
// Where the front ends report what happens to connections and sessions (SPEC "Audit":
// auth.success, auth.failure, access.denied, hold.*, session.start, session.end, exec.command,
// hostkey.mismatch, ...). Every front end gets one injected, so that the daemon routes all of
// them to the audit trail (audit_events.hpp) and tests record them; the default sink writes
// one log line per event. Fields are JSON; the front end adds `protocol`.
#include <boost/json/object.hpp>

#include <functional>
#include <string_view>

namespace gatehouse::proxy::session {

using event_sink = std::function<void(std::string_view event, boost::json::object fields)>;

// Logs "event NAME {json}" at info level (warnings for failures and mismatches).
event_sink log_event_sink();

}  // namespace gatehouse::proxy::session
