#pragma once
// gate: everything the SSH front end asks of the policy, in the front end's own words. The
// daemon's implementation (gate_service_gate.cpp) forwards to policy::gate_service; tests use
// a scripted one. Keeping the calls behind this interface keeps the session code free of the
// policy's storage types and lets every hold scenario run without a store.
//
// Contract (as policy::gate_service): everything runs on the io_context thread; callbacks
// never run inside the call that registered them; a watch callback runs at most once, and
// at once (posted) when the request has already left `pending` / the grant already ended.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/cancel_handle.hpp"
#include "core/time.hpp"

namespace gatehouse::proxy::ssh {

struct gate_target {
  std::string person;
  std::string server;
  std::string account;
};

enum class verdict { allow, approval_needed, justification_needed, deny };

struct gate_decision {
  ssh::verdict verdict = verdict::deny;
  std::string deny_code;            // the policy's deny_reason label ("rule_denies", ...)
  std::string text;                 // for a denial: the sentence for the person
  std::int64_t grant = 0;           // the live grant that allows the connection; 0 for `allow`
  std::optional<time_point> until;  // when that grant ends
  std::string rule;
  std::chrono::seconds hold_timeout{600};
  bool allow_port_forwarding = false;
};

enum class request_state { pending, approved, denied, expired, cancelled };

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

struct command_result {
  int exit_code = 0;
  std::string out;  // printed to stdout
  std::string err;  // printed to stderr
};

class gate {
 public:
  virtual ~gate() = default;

  virtual gate_decision check(const gate_target& t) = 0;
  // Files an access request (or finds the one filed ahead); the error is a sentence.
  virtual std::variant<request_status, std::string> file_or_reuse(
      const gate_target& t, const std::string& justification) = 0;
  // The request as it stands now (for status lines as levels are decided); nullopt if unknown.
  virtual std::optional<request_status> find_request(std::int64_t id) = 0;
  [[nodiscard]] virtual watch watch_request(std::int64_t id,
                                            std::function<void(const request_status&)> fn) = 0;
  [[nodiscard]] virtual watch watch_grant(std::int64_t id,
                                          std::function<void(const grant_status&)> fn) = 0;

  // The person's own view (`ssh alice@gate`): their grants and requests, as text.
  virtual std::string own_view(const std::string& person) = 0;
  // `ssh alice@gate request root@web01 --reason R`, `requests`, `cancel N`, `approve N`, ...
  virtual command_result run_command(const std::string& person,
                                     const std::vector<std::string>& args) = 0;
};

}  // namespace gatehouse::proxy::ssh
