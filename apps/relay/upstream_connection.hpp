#pragma once
// Internal to apps/relay: one connection to an app's upstream (TCP, or TLS over it) and the
// pool's state behind upstream_pool. The relay's exchange code is written once as templates
// over the stream type and called through with_stream(). Thread: the io thread.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "apps/relay/upstream_pool.hpp"

namespace gatehouse::apps {

struct upstream_connection {
  explicit upstream_connection(boost::asio::any_io_executor ex) : tcp(std::move(ex)) {}
  boost::beast::tcp_stream tcp;
  std::optional<boost::asio::ssl::stream<boost::beast::tcp_stream&>> tls;  // https upstreams
  boost::beast::flat_buffer buffer;  // bytes read from the upstream past a response's end
  std::chrono::steady_clock::time_point idle_since{};
  bool reused = false;  // came from the pool (it may have gone stale)
};

// Calls f(stream) with the connection's outermost stream (TLS or TCP); both must return the
// same type.
template <class F>
auto with_stream(upstream_connection& c, F&& f) {
  return c.tls ? f(*c.tls) : f(c.tcp);
}

struct connect_failure {
  int status = 502;  // 504 when the upstream did not answer in time
  std::string why;   // one line, for the client and the exchange record
};

struct upstream_pool::state {
  state(boost::asio::any_io_executor ex, upstream_target t, const relay_limits& l);

  boost::asio::any_io_executor executor;
  upstream_target target;
  relay_limits limits;
  std::optional<boost::asio::ssl::context> tls;  // https: trusts only target.ca_file
  std::string tls_problem;                       // why the CA cannot be used ("" when it can)
  std::deque<std::unique_ptr<upstream_connection>> idle;  // most recently used at the back
  std::size_t opened = 0;

  // A fresh connection (resolved, connected and, for https, handshaken and verified) within
  // connect_time.
  boost::asio::awaitable<std::variant<std::unique_ptr<upstream_connection>, connect_failure>>
  connect();
  // The most recently used idle connection that still looks alive (a peek at its socket,
  // skipped when `retry_covers`: the request is retried once on a fresh connection if a stale
  // one fails before answering); null when there is none.
  std::unique_ptr<upstream_connection> take_idle(bool retry_covers = false);
  // After a complete, reusable exchange.
  void give_back(std::unique_ptr<upstream_connection> c);
};

}  // namespace gatehouse::apps
