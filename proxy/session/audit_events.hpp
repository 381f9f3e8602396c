#pragma once
// Routes the front ends' events (event_sink.hpp) into the policy's audit_sink, so that
// auth.success, access.denied, hold.*, session.start/end, exec.command, sftp.*,
// hostkey.mismatch, ... of every protocol land in the same hash-chained audit log as the
// request and grant events. Fields become strings (numbers in decimal, nested values as
// JSON); null fields are left out.
#include "policy/audit_sink.hpp"
#include "proxy/session/event_sink.hpp"

namespace gatehouse::proxy::session {

// `sink` must outlive every front end that uses the returned event_sink.
event_sink audit_event_sink(policy::audit_sink& sink);

}  // namespace gatehouse::proxy::session
