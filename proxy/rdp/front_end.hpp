#pragma once
// The RDP front end of the rdp listener: adopts accepted sockets and keeps the registry of live
// connections for `gatehouse sessions` / `kill` (SPEC "RDP"). Each connection takes the
// configuration in force when it arrives.
//
// Ownership: the registry holds a shared_ptr per connection; a connection leaves it when it
// finishes. io_context thread only.
#include <boost/asio/any_io_executor.hpp>
#include <boost/json/array.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "proxy/rdp/connection.hpp"

namespace gatehouse::proxy::rdp {

class front_end {
 public:
  using config_source = std::function<std::shared_ptr<const config::config>()>;

  front_end(boost::asio::any_io_executor executor, config_source config, policy::gate_service& gate,
            event_sink events, front_end_settings settings = {});
  ~front_end();
  front_end(const front_end&) = delete;
  front_end& operator=(const front_end&) = delete;

  // Takes ownership of an accepted socket's fd. `peer` is "ADDRESS:PORT".
  void accept(int fd, const std::string& peer);

  boost::json::array sessions() const;  // held and relaying connections
  bool kill(const std::string& session_id, const std::string& by);
  void stop_all(const std::string& reason = "Gatehouse is shutting down");

  std::size_t connection_count() const { return connections_.size(); }

 private:
  boost::asio::any_io_executor executor_;
  config_source config_;
  policy::gate_service& gate_;
  event_sink events_;
  front_end_settings settings_;
  // listen.rdp.max_held_per_person / max_held_per_source, set from the configuration at accept.
  std::shared_ptr<hold_caps> held_;
  std::map<std::string, std::shared_ptr<connection>> connections_;
  std::uint64_t counter_ = 0;
  std::string id_prefix_;
  // Connections that finish after the front end is destroyed find this expired.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace gatehouse::proxy::rdp
