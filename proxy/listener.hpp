#pragma once
// A bound TCP listening socket and its accept loop. Binding happens at startup so that
// "address in use" is a clear, fatal startup error; accepting starts once the daemon runs.
// Runs on the daemon's io_context; not thread-safe (owned by the daemon).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <memory>
#include <string>
#include <variant>

#include "config/config.hpp"

namespace gatehouse::proxy {

class tcp_listener {
 public:
  using handler = std::function<void(boost::asio::ip::tcp::socket)>;

  // Returns the listener, or a one-line error ("ssh listener 0.0.0.0:2222: Address already in
  // use").
  static std::variant<std::unique_ptr<tcp_listener>, std::string> bind(
      boost::asio::any_io_executor executor, const config::endpoint& where, std::string name);

  void start(handler on_accept);
  void stop();
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  const std::string& name() const { return name_; }

 private:
  tcp_listener(boost::asio::ip::tcp::acceptor acceptor, std::string name);
  void accept_next();

  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_;  // pause after a failed accept (EMFILE): no busy loop
  std::string name_;
  handler on_accept_;
};

}  // namespace gatehouse::proxy
