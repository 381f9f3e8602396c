#pragma once
// The gate of the front ends on one of the daemon's further io threads (`workers` > 1;
// docs/architecture.md "Threads"): gate_service and its watchers live on the control thread
// (the daemon's first io thread), the connections on their own. Every question is posted to
// `inner` on `control`; every answer and every watch callback is posted back to `lane`, so a
// connection's callbacks all run on its own thread (gate.hpp's contract holds on each side).
// A watch ended on the lane is ended on control; a callback already on its way back is
// dropped there (the watch is checked on the lane, where it was ended).
//
// Ownership: `inner` (the daemon's service_gate) outlives it; the lane's front ends own it.
// Called on the lane's thread only.
#include <boost/asio/any_io_executor.hpp>

#include "proxy/session/gate.hpp"

namespace gatehouse::proxy::session {

class lane_gate final : public gate {
 public:
  lane_gate(gate& inner, boost::asio::any_io_executor control, boost::asio::any_io_executor lane)
      : inner_(inner), control_(std::move(control)), lane_(std::move(lane)) {}

  void check(const target& t, std::function<void(decision)> done) override;
  void file_or_reuse(const target& t, const std::string& justification,
                     std::function<void(filing)> done) override;
  void find_request(std::int64_t id,
                    std::function<void(std::optional<request_status>)> done) override;
  watch watch_request(std::int64_t id, std::function<void(const request_status&)> fn) override;
  watch watch_grant(std::int64_t id, std::function<void(const grant_status&)> fn) override;

 private:
  gate& inner_;
  boost::asio::any_io_executor control_;
  boost::asio::any_io_executor lane_;
};

}  // namespace gatehouse::proxy::session
