#pragma once
// Routes the front ends' events (event_sink.hpp) into the policy's audit_sink, so that
// auth.success, access.denied, hold.*, session.start/end, exec.command, sftp.*,
// hostkey.mismatch, ... of every protocol land in the same hash-chained audit log as the
// request and grant events. Fields become strings (numbers in decimal, nested values as
// JSON); null fields are left out. With a tally, every `access.denied` and `upstream.failure`
// is also counted by protocol and reason (refusal_tally.hpp, for /metrics).
#include "policy/audit_sink.hpp"
#include "proxy/session/event_sink.hpp"
#include "proxy/session/refusal_tally.hpp"

namespace gatehouse::proxy::session {

// `sink` (and `refusals`, when given) must outlive every front end that uses the returned
// event_sink.
event_sink audit_event_sink(policy::audit_sink& sink, refusal_tally* refusals = nullptr);

}  // namespace gatehouse::proxy::session
