#pragma once
// Where the policy core reports what happened, in the vocabulary of SPEC "Audit":
// request.created, request.reviewed, request.approved, request.denied, request.expired,
// request.cancelled, request.comment, request.reassigned, access.emergency, grant.ended,
// grant.revoked. The audit/ module implements the durable hash-chained log behind this
// interface; log_audit_sink only logs (for now and for tools).
//
// access_service records a change's events with record_before_change() inside the store
// transaction, before the commit makes the change visible (store.hpp, before_commit), so that
// a crash between the two never leaves an unaudited change. It is called from whichever
// thread acted: implementations must be thread-safe and must not call back into the service
// or the store.
#include <string>

#include "core/time.hpp"
#include "policy/audit_fields.hpp"

namespace gatehouse::policy {

struct audit_event {
  std::string name;  // "request.approved"
  time_point at;
  // actor, request, requester, server, account, protocol, state, post_approval, grant,
  // window_start, window_end, comment, ... (absent when not relevant)
  audit_fields fields;  // sorted by name
  // Names of fields whose value is JSON text (numbers, arrays, objects) rather than a string;
  // the audit log writes those unquoted.
  audit_names json_fields;
};

class audit_sink {
 public:
  virtual ~audit_sink() = default;
  virtual void record(const audit_event& event) = 0;
  // Records an event ahead of the change it describes. False when the event could not be
  // made durable and the change must not happen (audit.on_write_failure: refuse).
  virtual bool record_before_change(const audit_event& event) {
    record(event);
    return true;
  }
};

// One info line per event via spdlog: "audit request.approved actor=bob request=7 ...".
class log_audit_sink final : public audit_sink {
 public:
  void record(const audit_event& event) override;
  static std::string line(const audit_event& event);  // the line, for other levels
};

}  // namespace gatehouse::policy
