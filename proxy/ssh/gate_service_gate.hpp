#pragma once
// The daemon's gate for the SSH front end: translates gate.hpp's questions to
// policy::gate_service and its answers back (decisions, requests, grants), and serves the
// person's own view and commands (`ssh alice@gate request root@web01 --reason ...`) through
// gate_service::access(), calling changed() after every mutation so that held connections
// and timers learn of it at once.
//
// Ownership: refers to the daemon's gate_service, which must outlive it. io_context thread.
#include "policy/async/gate_service.hpp"
#include "proxy/ssh/gate.hpp"

namespace gatehouse::proxy::ssh {

class gate_service_gate final : public gate {
 public:
  explicit gate_service_gate(policy::gate_service& service) : service_(service) {}

  gate_decision check(const gate_target& t) override;
  std::variant<request_status, std::string> file_or_reuse(
      const gate_target& t, const std::string& justification) override;
  std::optional<request_status> find_request(std::int64_t id) override;
  watch watch_request(std::int64_t id, std::function<void(const request_status&)> fn) override;
  watch watch_grant(std::int64_t id, std::function<void(const grant_status&)> fn) override;
  std::string own_view(const std::string& person) override;
  command_result run_command(const std::string& person,
                             const std::vector<std::string>& args) override;

 private:
  policy::gate_service& service_;
};

// Translations, exposed for tests.
gate_decision to_gate_decision(const policy::decision& d);
request_status to_request_status(const policy::request& r);
grant_status to_grant_status(const policy::grant& g);

}  // namespace gatehouse::proxy::ssh
