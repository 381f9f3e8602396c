#pragma once
// Routes the SSH front end's events (events.hpp) into the policy's audit_sink, so that
// auth.success, session.start/end, exec.command, sftp.*, hostkey.mismatch, ... land in the
// same hash-chained audit log as the request and grant events. Fields become strings (numbers
// in decimal, nested values as JSON); null fields are left out.
#include "policy/audit_sink.hpp"
#include "proxy/ssh/events.hpp"

namespace gatehouse::proxy::ssh {

// `sink` must outlive every front end that uses the returned event_sink.
event_sink audit_event_sink(policy::audit_sink& sink);

}  // namespace gatehouse::proxy::ssh
