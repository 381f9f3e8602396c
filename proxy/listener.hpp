#pragma once
// A bound TCP listening socket and its accept loop. Binding happens at startup so that
// "address in use" is a clear, fatal startup error; accepting starts once the daemon runs.
// Each accepted connection is handed on with its peer as Gatehouse writes peers
// ("ADDRESS:PORT", no brackets). When the TCP peer is one of the load balancers the listener
// is told of (listen.*.proxy_protocol_from), the connection's PROXY protocol header is read
// first (proxy/proxy_header_read.hpp: exactly its bytes, within 5 s) and the real client it
// names becomes the peer; a connection from a balancer without a valid header is logged,
// counted and closed. A header from anywhere else is never read: its bytes reach the protocol,
// which fails on them.
// Runs on the daemon's io_context; not thread-safe (owned by the daemon).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>

#include "config/config.hpp"

namespace gatehouse::proxy {

class tcp_listener {
 public:
  using handler = std::function<void(boost::asio::ip::tcp::socket, std::string peer)>;
  // The load balancers in front of this listener.
  struct balancers {
    // Whether a connection from `ip` (the TCP peer's address, textual) comes from a balancer
    // that sends a PROXY header; asked at every accept, so a reload applies at once.
    std::function<bool(const std::string& ip)> include;
    // Told of each balancer's connection closed for want of a valid header (for /metrics).
    std::function<void()> refused;
  };

  // Returns the listener, or a one-line error ("ssh listener 0.0.0.0:2222: Address already in
  // use").
  static std::variant<std::unique_ptr<tcp_listener>, std::string> bind(
      boost::asio::any_io_executor executor, const config::endpoint& where, std::string name);

  void start(handler on_accept, balancers from = {});
  void stop();
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  const std::string& name() const { return state_->name; }
  // Connections from a balancer closed for want of a valid PROXY header, since start.
  std::uint64_t proxy_headers_refused() const { return state_->proxy_headers_refused; }

 private:
  // What the accept loop and the header reads under way share (a read may end after stop()).
  struct shared_state {
    std::string name;
    handler on_accept;
    balancers from;
    bool stopped = false;
    std::size_t headers_pending = 0;
    std::uint64_t proxy_headers_refused = 0;
  };

  tcp_listener(boost::asio::ip::tcp::acceptor acceptor, std::string name);
  void accept_next();
  static void take(const std::shared_ptr<shared_state>& state, boost::asio::ip::tcp::socket socket);

  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_;  // pause after a failed accept (EMFILE): no busy loop
  std::shared_ptr<shared_state> state_;
};

}  // namespace gatehouse::proxy
