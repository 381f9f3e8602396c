#include "proxy/listener.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <spdlog/spdlog.h>

namespace gatehouse::proxy {

namespace asio = boost::asio;
using asio::ip::tcp;

std::variant<std::unique_ptr<tcp_listener>, std::string> tcp_listener::bind(
    asio::any_io_executor executor, const config::endpoint& where, std::string name) {
  auto fail = [&](const std::string& what) -> std::string {
    return name + " listener " + where.host + ":" + std::to_string(where.port) + ": " + what;
  };
  boost::system::error_code ec;
  tcp::resolver resolver(executor);
  auto results = resolver.resolve(where.host, std::to_string(where.port),
                                  tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec) return fail(ec.message());
  if (results.empty()) return fail("no address");
  tcp::endpoint ep = results.begin()->endpoint();
  tcp::acceptor acceptor(executor);
  if (acceptor.open(ep.protocol(), ec); ec) return fail(ec.message());
  acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (acceptor.bind(ep, ec); ec) return fail(ec.message());
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) return fail(ec.message());
  return std::unique_ptr<tcp_listener>(new tcp_listener(std::move(acceptor), std::move(name)));
}

tcp_listener::tcp_listener(tcp::acceptor acceptor, std::string name)
    : acceptor_(std::move(acceptor)), retry_(acceptor_.get_executor()), name_(std::move(name)) {}

void tcp_listener::start(handler on_accept) {
  on_accept_ = std::move(on_accept);
  accept_next();
}

void tcp_listener::accept_next() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // EMFILE and friends: the pending connection stays in the backlog, so accepting again
      // at once would spin. Pause, then keep accepting; the listener must never die.
      spdlog::warn("{} listener: accept failed: {} (retrying in 100 ms)", name_, ec.message());
      retry_.expires_after(std::chrono::milliseconds(100));
      retry_.async_wait([this](boost::system::error_code wec) {
        if (!wec && acceptor_.is_open()) accept_next();
      });
      return;
    }
    on_accept_(std::move(socket));
    accept_next();
  });
}

void tcp_listener::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  retry_.cancel();
}

tcp::endpoint tcp_listener::local_endpoint() const {
  boost::system::error_code ignored;
  return acceptor_.local_endpoint(ignored);
}

}  // namespace gatehouse::proxy
