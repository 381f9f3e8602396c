#pragma once
// The daemon's gate (gate.hpp) for every front end: translates its questions to
// policy::gate_service and the answers back (decisions with their authorization, requests,
// grants). For now it asks the service at once and posts the answer, as gate.hpp promises;
// once the store works off the io thread, only this file changes.
//
// Ownership: refers to the daemon's gate_service, which must outlive it. io_context thread.
#include <boost/asio/any_io_executor.hpp>

#include "policy/async/gate_service.hpp"
#include "proxy/session/gate.hpp"

namespace gatehouse::proxy::session {

class service_gate final : public gate {
 public:
  service_gate(boost::asio::any_io_executor executor, policy::gate_service& service)
      : executor_(std::move(executor)), service_(service) {}

  void check(const target& t, std::function<void(decision)> done) override;
  void file_or_reuse(const target& t, const std::string& justification,
                     std::function<void(filing)> done) override;
  void find_request(std::int64_t id,
                    std::function<void(std::optional<request_status>)> done) override;
  watch watch_request(std::int64_t id, std::function<void(const request_status&)> fn) override;
  watch watch_grant(std::int64_t id, std::function<void(const grant_status&)> fn) override;

 private:
  boost::asio::any_io_executor executor_;
  policy::gate_service& service_;
};

// Translations, exposed for tests (and the SSH own commands' request lines).
decision to_decision(const policy::decision& d);
request_status to_request_status(const policy::request& r);
grant_status to_grant_status(const policy::grant& g);
policy::target to_policy_target(const target& t);

}  // namespace gatehouse::proxy::session
