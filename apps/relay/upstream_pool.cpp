// upstream_pool and its state (apps/relay/upstream_pool.hpp, upstream_connection.hpp): the TLS
// client context of an https upstream, connecting with a deadline, the idle connections.
#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <openssl/ssl.h>

#include "apps/relay/upstream_connection.hpp"
#include "core/peer_address.hpp"

namespace gatehouse::apps {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

upstream_pool::state::state(asio::any_io_executor ex, upstream_target t, const relay_limits& l)
    : executor(std::move(ex)), target(std::move(t)), limits(l) {
  if (!target.tls) return;
  tls.emplace(ssl::context::tls_client);
  SSL_CTX* native = tls->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  // Idle pooled connections keep no read/write buffers.
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
  boost::system::error_code ec;
  tls->load_verify_file(target.ca_file, ec);
  if (ec) tls_problem = "upstream CA file " + target.ca_file + " cannot be used";
  tls->set_verify_mode(ssl::verify_peer);
}

namespace {
bool timed_out(const boost::system::error_code& ec) { return ec == beast::error::timeout; }

connect_failure failure(const boost::system::error_code& ec, const std::string& what) {
  if (timed_out(ec)) return {504, what + ": the upstream did not answer in time"};
  return {502, what + ": " + ec.message()};
}
}  // namespace

asio::awaitable<std::variant<std::unique_ptr<upstream_connection>, connect_failure>>
upstream_pool::state::connect() {
  using result = std::variant<std::unique_ptr<upstream_connection>, connect_failure>;
  if (!tls_problem.empty()) co_return result{connect_failure{502, tls_problem}};
  auto c = std::make_unique<upstream_connection>(executor);
  tcp::resolver resolver(executor);
  auto [rec, endpoints] = co_await resolver.async_resolve(target.host, target.port,
                                                          asio::as_tuple(asio::use_awaitable));
  if (rec) co_return result{failure(rec, "upstream " + target.authority() + " not resolved")};
  c->tcp.expires_after(limits.connect_time);
  auto [cec, where] = co_await c->tcp.async_connect(endpoints, asio::as_tuple(asio::use_awaitable));
  if (cec) co_return result{failure(cec, "upstream connection failed")};
  c->tcp.socket().set_option(tcp::no_delay(true));
  ++opened;
  if (target.tls) {
    c->tls.emplace(c->tcp, *tls);
    SSL* native = c->tls->native_handle();
    if (!parse_ip(target.host)) SSL_set_tlsext_host_name(native, target.host.c_str());
    c->tls->set_verify_callback(ssl::host_name_verification(target.host));
    auto [hec] = co_await c->tls->async_handshake(ssl::stream_base::client,
                                                  asio::as_tuple(asio::use_awaitable));
    if (hec)
      co_return result{failure(hec,
                               "upstream TLS handshake failed (certificate not "
                               "verified against ca_file, or TLS error)")};
  }
  c->tcp.expires_never();
  co_return result{std::move(c)};
}

namespace {
// An idle connection is alive when it has nothing to read: the upstream sends nothing between
// exchanges but a close (a FIN, a TLS close_notify).
bool looks_alive(upstream_connection& c) {
  char probe;
  auto n = ::recv(c.tcp.socket().native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}
}  // namespace

std::unique_ptr<upstream_connection> upstream_pool::state::take_idle(bool retry_covers) {
  auto now = std::chrono::steady_clock::now();
  while (!idle.empty()) {
    auto c = std::move(idle.back());
    idle.pop_back();
    if (now - c->idle_since < limits.idle_time && (retry_covers || looks_alive(*c))) {
      c->reused = true;
      return c;
    }
  }
  return nullptr;
}

void upstream_pool::state::give_back(std::unique_ptr<upstream_connection> c) {
  if (limits.pool_per_app == 0) return;
  if (idle.size() >= limits.pool_per_app) idle.pop_front();  // the oldest goes
  c->idle_since = std::chrono::steady_clock::now();
  c->tcp.expires_never();
  c->buffer.shrink_to_fit();
  idle.push_back(std::move(c));
}

upstream_pool::upstream_pool(asio::any_io_executor executor, upstream_target target,
                             const relay_limits& limits)
    : state_(std::make_shared<state>(std::move(executor), std::move(target), limits)) {}

upstream_pool::~upstream_pool() { close_idle(); }

void upstream_pool::close_idle() { state_->idle.clear(); }
std::size_t upstream_pool::idle() const { return state_->idle.size(); }
const upstream_target& upstream_pool::target() const { return state_->target; }
std::size_t upstream_pool::opened() const { return state_->opened; }

}  // namespace gatehouse::apps
