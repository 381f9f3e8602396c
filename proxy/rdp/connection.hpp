#pragma once
// One RDP client connection through the gate (SPEC "RDP"):
//   reading     the X.224 Connection Request must arrive within 10 s (request_parser);
//   identify    person and server from the routing token (or a trusted mstshash cookie);
//   checking    the hold (proxy/session/hold.hpp) decides: allow or a live grant -> connect;
//   holding     approval needed -> the request ("RDP connection") is filed or the open one
//               reused, and the client simply waits for its Connection Confirm, up to the
//               rule's hold_timeout, within listen.rdp's held caps; a client that gives up
//               (or speaks) while held is seen on its socket and cancels its hold;
//   connecting  to the server with the hold's authorization; the server gets the request
//               without the routing token;
//   relaying    bytes both ways (relay.hpp) until either side closes, the grant ends or is
//               revoked (session/grant_watch; its warnings are logged: RDP has no text
//               channel), or the session is shut.
// Every refusal answers RDP_NEG_FAILURE and closes. Events (auth.success/failure,
// access.denied, hold.*, session.start/end) go to the sink.
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
#include "proxy/rdp/relay.hpp"
#include "proxy/rdp/x224.hpp"
#include "proxy/session/event_sink.hpp"
#include "proxy/session/grant_watch.hpp"
#include "proxy/session/hold.hpp"
#include "proxy/session/registry.hpp"

namespace gatehouse::proxy::rdp {

struct front_end_settings {
  std::chrono::seconds request_timeout{10};      // for the Connection Request
  std::chrono::seconds connect_timeout{10};      // for the TCP connection to the server
  std::size_t relay_buffer = 1024 * 1024;        // per direction, at most
  std::size_t max_unidentified_per_source = 32;  // connections still sending their request
};

// The limits every RDP front end of the daemon shares, whichever io thread (`workers`) serves
// a connection. Thread-safe (counted_slots and hold_caps lock).
struct source_limits {
  explicit source_limits(const front_end_settings& s)
      : unidentified(s.max_unidentified_per_source),
        held(std::make_shared<hold_caps>(config::rdp_listener{}.max_held_per_person,
                                         config::rdp_listener{}.max_held_per_source)) {}
  counted_slots unidentified;       // connections still sending their request, by source
  std::shared_ptr<hold_caps> held;  // held connections per person and per source
};

// What the connections of the listener share with their front end (a connection may outlive
// it while its handlers drain).
struct listener_state {
  listener_state(const front_end_settings& s, std::shared_ptr<session::hold_context> h,
                 session::event_sink e, std::shared_ptr<source_limits> shared_limits)
      : settings(s),
        holds(std::move(h)),
        events(std::move(e)),
        limits(std::move(shared_limits)),
        unidentified(limits->unidentified) {}
  front_end_settings settings;
  std::shared_ptr<session::hold_context> holds;  // the gate, the held caps, paced releases
  session::event_sink events;
  std::shared_ptr<source_limits> limits;
  unsigned worker = 0;          // the daemon's io thread these connections run on (0: the first)
  counted_slots& unidentified;  // connections still sending their request, by source
};

class connection : public std::enable_shared_from_this<connection>,
                   public session::live_session,
                   private session::hold_view {
 public:
  enum class phase { reading, checking, holding, connecting, relaying, finished };

  connection(boost::asio::ip::tcp::socket client, std::shared_ptr<const config::config> cfg,
             std::shared_ptr<listener_state> shared, std::string id, std::string peer);

  // `unidentified`: the place this connection takes until its request is read.
  void start(slot unidentified, std::function<void(const std::string& id)> on_finished);

  // session::live_session
  const std::string& id() const override { return id_; }
  std::optional<boost::json::object> describe() const override;  // SPEC's session object
  bool held() const override { return phase_ == phase::holding; }
  // A client still waiting gets RDP_NEG_FAILURE first.
  void shut(const session::shut_reason& why) override;

  phase current() const { return phase_; }

 private:
  void read_request();
  void on_request();
  void watch_client_during_hold();
  void connect(const policy::authorization& a);
  void on_connected();
  void watch_grant();
  void refuse(failure_code code, const std::string& reason);
  void close(const std::string& reason);
  void event(std::string_view name, boost::json::object fields = {});

  // session::hold_view: RDP shows nothing while held; a refusal is a negotiation failure.
  void hold_event(std::string_view name, boost::json::object fields) override;
  void ask_justification(const session::decision& d) override;
  void holding(const session::request_status& r) override;
  void released(const session::decision& d) override;
  void refused(const session::refusal& r) override;

  boost::asio::ip::tcp::socket client_;
  boost::asio::ip::tcp::socket server_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::steady_timer deadline_;
  std::shared_ptr<const config::config> config_;
  std::shared_ptr<listener_state> shared_;
  std::string id_, peer_, address_, source_;
  std::function<void(const std::string&)> on_finished_;
  slot unidentified_;

  phase phase_ = phase::reading;
  request_parser parser_;
  std::array<char, max_request_size> read_buffer_{};
  char probe_ = 0;
  session::target target_;
  std::string method_;
  std::shared_ptr<session::hold> hold_;
  session::decision decision_;  // once released: with its authorization
  std::int64_t request_id_ = 0;
  session::grant_watch grant_watch_;
  std::shared_ptr<relay> relay_;
  time_point started_;
  std::chrono::steady_clock::time_point relay_since_;
  bool session_started_ = false;
  bool closed_ = false;  // refuse() finishes the phase first, close() follows its write
  std::string close_reason_;
};

std::string_view to_string(connection::phase p);

}  // namespace gatehouse::proxy::rdp
