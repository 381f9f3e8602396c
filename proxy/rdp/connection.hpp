#pragma once
// One RDP client connection through the gate (SPEC "RDP"):
//   reading     the X.224 Connection Request must arrive within 10 s (request_parser);
//   identify    person and server from the routing token (or a trusted mstshash cookie);
//   decide      through policy::gate_service: allow or a live grant -> connect; approval
//               needed -> file the request ("RDP connection") or reuse the open one and hold
//               (the client simply waits for its Connection Confirm) up to the rule's
//               hold_timeout, within the listener's hold_caps (listen.rdp.max_held_per_person
//               and max_held_per_source); a refusal answers RDP_NEG_FAILURE and closes;
//   connecting  to the server, which gets the request without the routing token;
//   relaying    bytes both ways (relay.hpp) until either side closes, the grant ends or is
//               revoked, or an administrator kills the session.
// Events (auth.success/failure, access.denied, hold.*, session.start/end) go to the sink.
//
// Ownership: the front end's registry holds a shared_ptr; handlers hold shared_from_this.
// io_context thread only.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "core/counted_slots.hpp"
#include "core/time.hpp"
#include "policy/async/gate_service.hpp"
#include "proxy/rdp/relay.hpp"
#include "proxy/rdp/x224.hpp"

namespace gatehouse::proxy::rdp {

using event_sink = std::function<void(std::string_view event, boost::json::object fields)>;

struct front_end_settings {
  std::chrono::seconds request_timeout{10};      // for the Connection Request
  std::chrono::seconds connect_timeout{10};      // for the TCP connection to the server
  std::size_t relay_buffer = 1024 * 1024;        // per direction, at most
  std::size_t max_unidentified_per_source = 32;  // connections still sending their request
  // False while the audit log can't be written and audit.on_write_failure is `refuse`.
  std::function<bool()> sessions_allowed;
};

class connection : public std::enable_shared_from_this<connection> {
 public:
  enum class phase { reading, holding, connecting, relaying, finished };

  // `held` is the listener's caps on held connections (shared: a connection may outlive its
  // front end).
  connection(boost::asio::ip::tcp::socket client, std::shared_ptr<const config::config> cfg,
             policy::gate_service& gate, event_sink events, const front_end_settings& settings,
             std::shared_ptr<hold_caps> held, std::string id, std::string peer);

  void start(std::function<void(const std::string& id)> on_finished);
  // Ends the connection: a client still waiting gets RDP_NEG_FAILURE first.
  void shut(const std::string& reason);

  phase current() const { return phase_; }
  // The key the client is counted under per source (core/peer_address.hpp).
  const std::string& source() const { return source_; }
  boost::json::object describe() const;  // SPEC's session object

 private:
  void read_request();
  void on_request();
  void decide();
  void hold();
  void on_request_update(const policy::request& r);
  void watch_client_during_hold();
  void connect();
  void on_connected();
  void watch_grant();
  void refuse(failure_code code, const std::string& reason);
  void close(const std::string& reason);
  void event(std::string_view name, boost::json::object fields = {});

  boost::asio::ip::tcp::socket client_;
  boost::asio::ip::tcp::socket server_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::steady_timer deadline_;
  boost::asio::steady_timer grant_timer_;
  std::shared_ptr<const config::config> config_;
  policy::gate_service& gate_;
  event_sink events_;  // a copy: a connection may finish after its front end is gone
  front_end_settings settings_;
  std::shared_ptr<hold_caps> held_;
  held_slots hold_slots_;  // while holding
  std::string id_, peer_, address_, source_;
  std::function<void(const std::string&)> on_finished_;

  phase phase_ = phase::reading;
  request_parser parser_;
  std::array<char, max_request_size> read_buffer_{};
  char probe_ = 0;
  policy::target target_;
  std::string method_;
  policy::rule_terms terms_;
  policy::grant_id grant_ = 0;
  std::optional<time_point> until_;
  policy::request_id request_ = 0;
  policy::subscription request_watch_, grant_watch_;
  std::shared_ptr<relay> relay_;
  time_point started_;
  std::chrono::steady_clock::time_point relay_since_;
  bool session_started_ = false;
  bool closed_ = false;  // refuse() finishes the phase first, close() follows its write
  std::string close_reason_;
};

std::string_view to_string(connection::phase p);

}  // namespace gatehouse::proxy::rdp
