#pragma once
// gate: everything a front end asks of the policy, in the front ends' own words and for every
// protocol (the target carries it). The daemon's implementation (service_gate.hpp) forwards to
// policy::gate_service; tests script one. Keeping the calls behind this interface keeps the
// session code free of the policy's storage types and lets every hold scenario run without a
// store.
//
// Contract: everything runs on the io_context thread. Every answer arrives through its
// callback, never inside the call that asked (an implementation may compute at once and post
// the answer, or ask its store on another thread and post back): a caller must expect other
// events in between, and must make its callback safe to run after it has gone (a weak_ptr).
// A watch callback runs at most once, and at once (posted) when the request has already left
// `pending` / the grant has already ended.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "config/config.hpp"
#include "core/cancel_handle.hpp"
#include "core/time.hpp"
#include "policy/decision.hpp"

namespace gatehouse::proxy::session {

struct target {
  std::string person;
  std::string server;
  std::string account;  // empty where the protocol has none (rdp)
  config::protocol protocol = config::protocol::ssh;
};

enum class verdict { allow, approval_needed, justification_needed, deny };

struct decision {
  session::verdict verdict = verdict::deny;
  // The policy's proof of access: set exactly when `verdict` is allow. Opening an upstream
  // requires it; its grant() and until() are the grant that allows the connection, if any.
  std::optional<policy::authorization> authorization;
  policy::deny_reason deny = policy::deny_reason::no_rule;  // for a denial
  std::string text;  // for a denial: the sentence for the person
  std::string rule;
  std::chrono::seconds hold_timeout{600};
  bool allow_port_forwarding = false;
  // The check could not reach the access store (policy/store_reachability.hpp); only ever set
  // with approval_needed or justification_needed. A new login is then refused
  // (store_unreachable); a held one re-checks once the store is back.
  bool store_unreachable = false;
};

// The policy's own states (pending, approved, denied, expired, cancelled) and their labels.
using policy::request_state;

// An access request as a held connection shows it.
struct request_status {
  std::int64_t id = 0;
  request_state state = request_state::pending;
  std::vector<std::string> waiting_for;  // undecided approvers of the current level
  std::string decided_by;                // who denied (or approved) it
  std::string comment;                   // their comment
};

// A grant that has ended or been revoked.
struct grant_status {
  std::int64_t id = 0;
  bool revoked = false;
  std::string revoked_by;
  time_point at;  // when it ended or was revoked
};

// Ends a watch when destroyed or reset (a client that leaves cancels its wait).
using watch = cancel_handle;

// A request filed or found, or why none could be filed (a sentence; exactly
// policy::store_unreachable_text when the store could not be reached).
using filing = std::variant<request_status, std::string>;

class gate {
 public:
  virtual ~gate() = default;

  virtual void check(const target& t, std::function<void(decision)> done) = 0;
  // Files an access request (or finds the one filed ahead).
  virtual void file_or_reuse(const target& t, const std::string& justification,
                             std::function<void(filing)> done) = 0;
  // The request as it stands now (for status lines as levels are decided); nullopt if unknown.
  virtual void find_request(std::int64_t id,
                            std::function<void(std::optional<request_status>)> done) = 0;
  [[nodiscard]] virtual watch watch_request(std::int64_t id,
                                            std::function<void(const request_status&)> fn) = 0;
  [[nodiscard]] virtual watch watch_grant(std::int64_t id,
                                          std::function<void(const grant_status&)> fn) = 0;
};

}  // namespace gatehouse::proxy::session
