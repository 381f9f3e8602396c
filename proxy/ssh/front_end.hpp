#pragma once
// The SSH front end of one listener: adopts accepted sockets, keeps the registry of live
// connections (for `gatehouse sessions` / `kill`), and owns what they share - the libssh
// server context with the host keys, the gate, the rate limits and caps.
//
// A source address with too many recent authentication failures, or too many unauthenticated
// connections, is turned away at accept (the socket is closed before any SSH byte).
// Host keys and the listener's limits (listen.ssh.login_grace, max_*) are taken from the
// configuration in force when a connection arrives: a reload that changes them takes effect
// for new connections.
//
// Ownership: the front end owns the registry (shared_ptr per connection); connections share
// `listener_state` with it so that they may outlive it while their handlers drain.
// io_context thread only.
#include <boost/asio/any_io_executor.hpp>
#include <boost/json/array.hpp>
#include <libssh/server.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "proxy/ssh/connection.hpp"
#include "proxy/ssh/events.hpp"
#include "proxy/ssh/gate.hpp"

namespace gatehouse::proxy::ssh {

class front_end {
 public:
  using config_source = std::function<std::shared_ptr<const config::config>()>;

  front_end(boost::asio::any_io_executor executor, config_source config, ssh::gate& gate,
            event_sink events = log_event_sink(), const front_end_settings& settings = {});
  ~front_end();
  front_end(const front_end&) = delete;
  front_end& operator=(const front_end&) = delete;

  // Takes ownership of an accepted socket's fd. `peer` is "ADDRESS:PORT".
  void accept(int fd, const std::string& peer);

  boost::json::array sessions() const;
  bool kill(const std::string& session_id, const std::string& by);
  // Ends every connection with a message (daemon shutdown).
  void stop_all(const std::string& reason = "Gatehouse is shutting down");

  std::size_t connection_count() const { return connections_.size(); }
  std::size_t held_count() const;
  const listener_state& state() const { return *shared_; }

 private:
  ssh_bind bind_for(const config::config& cfg);
  void apply_limits(const config::config& cfg);
  std::string next_id();

  boost::asio::any_io_executor executor_;
  config_source config_;
  std::shared_ptr<listener_state> shared_;
  std::map<std::string, std::shared_ptr<connection>> connections_;
  ssh_bind bind_ = nullptr;
  std::vector<std::string> bind_keys_;
  std::uint64_t counter_ = 0;
  std::string id_prefix_;
};

}  // namespace gatehouse::proxy::ssh
