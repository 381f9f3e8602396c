#pragma once
// Audit events of the SSH front end (SPEC "Audit": auth.success, auth.failure,
// session.start, session.end, exec.command, hostkey.mismatch, ...). The front end reports
// them through an injected sink so that the daemon can route them to the audit log; the
// default sink writes one log line per event.
#include <boost/json/object.hpp>

#include <functional>
#include <string_view>

namespace gatehouse::proxy::ssh {

using event_sink = std::function<void(std::string_view event, boost::json::object fields)>;

// Logs "event NAME {json}" at info level (warnings for failures and mismatches).
event_sink log_event_sink();

}  // namespace gatehouse::proxy::ssh
