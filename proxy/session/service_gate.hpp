#pragma once
// The daemon's gate (gate.hpp) for every front end: translates its questions to
// policy::gate_service and the answers back (decisions with their authorization, requests,
// grants). Every question goes to the service's *_async calls: the store is read on its
// worker thread and the answer comes back on the io thread, so a slow store never stalls a
// held connection or a relay (gate.hpp's promise: never inside the call).
//
// Ownership: refers to the daemon's gate_service, which must outlive it. io_context thread.
#include "policy/async/gate_service.hpp"
#include "proxy/session/gate.hpp"

namespace gatehouse::proxy::session {

class service_gate final : public gate {
 public:
  explicit service_gate(policy::gate_service& service) : service_(service) {}

  void check(const target& t, std::function<void(decision)> done) override;
  void file_or_reuse(const target& t, const std::string& justification,
                     std::function<void(filing)> done) override;
  void find_request(std::int64_t id,
                    std::function<void(std::optional<request_status>)> done) override;
  watch watch_request(std::int64_t id, std::function<void(const request_status&)> fn) override;
  watch watch_grant(std::int64_t id, std::function<void(const grant_status&)> fn) override;

 private:
  policy::gate_service& service_;
};

// Translations, exposed for tests (and the SSH own commands' request lines).
decision to_decision(const policy::decision& d);
request_status to_request_status(const policy::request& r);
grant_status to_grant_status(const policy::grant& g);
policy::target to_policy_target(const target& t);

}  // namespace gatehouse::proxy::session
