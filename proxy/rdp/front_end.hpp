#pragma once
// The RDP front end of the rdp listener (SPEC "RDP"): adopts accepted sockets, turns away a
// source with too many connections still sending their request, and owns what its
// connections share - the hold context (the gate, the held caps listen.rdp.max_held_per_person
// and max_held_per_source, the paced releases) and the event sink. Its connections join the
// daemon's session registry while they live. Each takes the configuration in force when it
// arrives.
//
// Ownership: connections share `listener_state` with the front end, so they may outlive it
// while their handlers drain; the registry and the gate must outlive both.
// Threads: one front end per io thread (`workers`), each on its own executor with its own
// registry and gate; only `source_limits` is shared between them (thread-safe).
#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <memory>
#include <set>
#include <string>

#include "proxy/rdp/connection.hpp"
#include "proxy/session/front_end.hpp"

namespace gatehouse::proxy::rdp {

class front_end final : public session::front_end {
 public:
  using config_source = std::function<std::shared_ptr<const config::config>()>;

  struct parts {
    session::gate& gate;
    session::registry& sessions;
    session::event_sink events = session::log_event_sink();
    // The audit trail's verdict on new sessions (audit.on_write_failure); unset = allowed.
    std::function<bool()> sessions_allowed;
    // The limits shared with the RDP front ends of the daemon's other io threads; unset = a
    // set of its own.
    std::shared_ptr<source_limits> limits{};
    unsigned worker = 0;  // which of the daemon's io threads runs it (session objects' `worker`)
  };

  front_end(boost::asio::any_io_executor executor, config_source config, parts p,
            front_end_settings settings = {});
  ~front_end() override;
  front_end(const front_end&) = delete;
  front_end& operator=(const front_end&) = delete;

  std::string_view listener() const override { return "rdp"; }
  void accept(int fd, const std::string& peer) override;

  std::size_t connection_count() const { return mine_.size(); }
  session::hold_context& holds() { return *shared_->holds; }
  const std::shared_ptr<source_limits>& limits() const { return shared_->limits; }

 private:
  boost::asio::any_io_executor executor_;
  config_source config_;
  session::registry& sessions_;
  std::shared_ptr<listener_state> shared_;
  std::set<std::string> mine_;  // ids of this front end's live connections (shut at the end)
  std::uint64_t counter_ = 0;
  std::string id_prefix_;
  // Connections that finish after the front end is destroyed find this expired.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace gatehouse::proxy::rdp
