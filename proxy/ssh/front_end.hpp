#pragma once
// The SSH front end of the ssh listener: adopts accepted sockets and owns what its
// connections share - the libssh server context with the host keys, the rate limits, and the
// hold context (the gate, the held caps listen.ssh.max_held_per_person/_per_source, the
// paced releases). Its connections join the daemon's session registry while they live.
//
// A source address with too many recent authentication failures, or too many unauthenticated
// connections, is turned away at accept (the socket is closed before any SSH byte).
// Host keys and the listener's limits (listen.ssh.login_grace, max_*) are taken from the
// configuration in force when a connection arrives: a reload that changes them takes effect
// for new connections.
//
// Ownership: connections share `listener_state` with the front end so that they may outlive
// it while their handlers drain; the registry and the gate must outlive both.
// Threads: one front end per io thread (`workers`), each on its own executor with its own
// registry and gate; only `source_limits` is shared between them (thread-safe).
#include <boost/asio/any_io_executor.hpp>
#include <libssh/server.h>

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "proxy/session/event_sink.hpp"
#include "proxy/session/front_end.hpp"
#include "proxy/session/gate.hpp"
#include "proxy/session/registry.hpp"
#include "proxy/ssh/connection.hpp"
#include "proxy/ssh/own_commands.hpp"

namespace gatehouse::proxy::ssh {

class front_end final : public session::front_end {
 public:
  using config_source = std::function<std::shared_ptr<const config::config>()>;

  struct parts {
    session::gate& gate;
    ssh::own_commands& own;
    session::registry& sessions;
    session::event_sink events = session::log_event_sink();
    // The audit trail's verdict on new sessions (audit.on_write_failure); unset = allowed.
    std::function<bool()> sessions_allowed{};
    // The gate's user CA in force, for accounts with `auth: certificate`; unset = none.
    std::function<std::shared_ptr<const certs::certificate_authority>()> ca{};
    // The limits shared with the SSH front ends of the daemon's other io threads; unset = a
    // set of its own.
    std::shared_ptr<source_limits> limits{};
    unsigned worker = 0;  // which of the daemon's io threads runs it (session objects' `worker`)
  };

  front_end(boost::asio::any_io_executor executor, config_source config, parts p,
            const front_end_settings& settings = {});
  ~front_end() override;
  front_end(const front_end&) = delete;
  front_end& operator=(const front_end&) = delete;

  std::string_view listener() const override { return "ssh"; }
  void accept(int fd, const std::string& peer) override;

  std::size_t connection_count() const { return mine_.size(); }
  const listener_state& state() const { return *shared_; }
  session::hold_context& holds() { return *shared_->holds; }
  const std::shared_ptr<source_limits>& limits() const { return shared_->limits; }

 private:
  ssh_bind bind_for(const config::config& cfg);
  void apply_limits(const config::config& cfg);
  std::string next_id();

  boost::asio::any_io_executor executor_;
  config_source config_;
  session::registry& sessions_;
  std::shared_ptr<listener_state> shared_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for connections' callbacks
  std::set<std::string> mine_;  // ids of this front end's live connections (shut at the end)
  ssh_bind bind_ = nullptr;
  std::vector<std::string> bind_keys_;
  std::uint64_t counter_ = 0;
  std::string id_prefix_;
};

}  // namespace gatehouse::proxy::ssh
