#include "proxy/listener.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <spdlog/spdlog.h>

#include "proxy/proxy_header_read.hpp"

namespace gatehouse::proxy {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {
// A balancer sends its header at once; a connection that has sent none by then is dropped.
constexpr auto header_timeout = std::chrono::seconds(5);
// Header reads under way per listener; beyond it a balancer's connection is closed at once, so
// a flood of silent connections from a listed network holds a bounded number of descriptors.
constexpr std::size_t most_headers_pending = 1024;

std::string peer_text(const std::string& ip, unsigned short port) {
  return ip + ":" + std::to_string(port);
}
}  // namespace

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
    : acceptor_(std::move(acceptor)),
      retry_(acceptor_.get_executor()),
      state_(std::make_shared<shared_state>()) {
  state_->name = std::move(name);
}

void tcp_listener::start(handler on_accept, balancers from) {
  state_->on_accept = std::move(on_accept);
  state_->from = std::move(from);
  accept_next();
}

void tcp_listener::accept_next() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // EMFILE and friends: the pending connection stays in the backlog, so accepting again
      // at once would spin. Pause, then keep accepting; the listener must never die.
      spdlog::warn("{} listener: accept failed: {} (retrying in 100 ms)", state_->name,
                   ec.message());
      retry_.expires_after(std::chrono::milliseconds(100));
      retry_.async_wait([this](boost::system::error_code wec) {
        if (!wec && acceptor_.is_open()) accept_next();
      });
      return;
    }
    take(state_, std::move(socket));
    accept_next();
  });
}

void tcp_listener::take(const std::shared_ptr<shared_state>& state, tcp::socket socket) {
  boost::system::error_code ec;
  auto remote = socket.remote_endpoint(ec);
  const std::string ip = ec ? "unknown" : remote.address().to_string();
  std::string peer = ec ? ip : peer_text(ip, remote.port());
  if (ec || !state->from.include || !state->from.include(ip))
    return state->on_accept(std::move(socket), std::move(peer));
  auto refuse = [state](tcp::socket& s, const std::string& from, const std::string& why) {
    ++state->proxy_headers_refused;
    if (state->from.refused) state->from.refused();
    spdlog::warn("{} listener: closing {}: {}", state->name, from, why);
    boost::system::error_code ignored;
    s.close(ignored);
  };
  if (state->headers_pending >= most_headers_pending)
    return refuse(socket, peer, "too many PROXY headers being read");
  ++state->headers_pending;
  read_proxy_header(std::move(socket), header_timeout,
                    [state, peer, refuse](tcp::socket s, proxy_header_outcome outcome) {
                      --state->headers_pending;
                      if (state->stopped) return;
                      if (auto* why = std::get_if<std::string>(&outcome))
                        return refuse(s, peer, "no valid PROXY header (" + *why + ")");
                      const auto& h = std::get<proxy_protocol::header>(outcome);
                      // LOCAL, UNSPEC and UNKNOWN name no client: the balancer's own peer stands.
                      std::string real = h.source ? peer_text(h.source->ip, h.source->port) : peer;
                      state->on_accept(std::move(s), std::move(real));
                    });
}

void tcp_listener::stop() {
  state_->stopped = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  retry_.cancel();
}

tcp::endpoint tcp_listener::local_endpoint() const {
  boost::system::error_code ignored;
  return acceptor_.local_endpoint(ignored);
}

}  // namespace gatehouse::proxy
