#pragma once
// HTTPS/1.1 (Beast over OpenSSL) for the web app. Each connection is one coroutine on the
// daemon's io_context. TLS 1.2+ with AEAD ciphers only; every reply carries HSTS, CSP and the
// other protective headers. Limits keep slow or garbage clients from disturbing others: a cap
// on connections, on header and body sizes, and on the time for a handshake or a request.
//
// The headers of a request are read first; a router (when set) then picks its route:
// - answer from a string (the default, and what the pages use): the body is read up to
//   max_body_bytes under the request time, then the handler answers with a web_reply;
// - stream: the route reads the body and writes the reply in pieces (web/http_stream.hpp),
//   under its own body limit and an idle time instead of the request time;
// - take over: the route gets the TLS stream and the parsed request (a WebSocket, a relay) and
//   the connection ends when the route returns; stop() still ends it.
// Only routes that stream or take over include web/http_stream.hpp (Beast, Asio SSL).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "web/http_message.hpp"

namespace gatehouse::web {

class streamed_exchange;  // web/http_stream.hpp
struct taken_connection;  // web/http_stream.hpp

struct server_limits {
  std::size_t max_connections = 512;
  // From one source address: one host cannot take every slot from the approvers.
  std::size_t max_connections_per_source = 64;
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_body_bytes = 64 * 1024;  // of a string route; a streaming route sets its own
  std::chrono::milliseconds handshake_time{10'000};
  std::chrono::milliseconds request_time{15'000};  // from the first byte to the whole request
  // A streaming route's connection ends when no byte moves either way for this long.
  std::chrono::milliseconds stream_idle_time{60'000};
  std::size_t max_requests_per_connection = 100;
};

// What a route does with a request whose headers have been read. Nothing set: answer from a
// string (the server's handler). At most one of `stream` and `take_over`.
struct route {
  std::function<boost::asio::awaitable<void>(streamed_exchange&)> stream{};
  // The body a streaming route accepts; above it the request is refused with 413 (before the
  // route runs when Content-Length says so). Unset: the server's max_body_bytes.
  std::optional<std::uint64_t> max_body_bytes{};
  // The connection is the route's until its awaitable returns; the server sets no timeout on it
  // meanwhile (the route keeps its own, e.g. a WebSocket's), except that stop() cancels it.
  std::function<boost::asio::awaitable<void>(taken_connection&)> take_over{};
};

class https_server {
 public:
  using handler = std::function<web_reply(const web_request&)>;
  // Sees each request with its headers (and an empty body) before the body is read.
  using router = std::function<route(const web_request&)>;

  // Loads the certificate chain and key; a one-line reason when they cannot be used.
  static std::variant<std::unique_ptr<https_server>, std::string> create(
      boost::asio::any_io_executor executor, const std::string& cert_file,
      const std::string& key_file, handler on_request, server_limits limits = {});
  ~https_server();

  // Routes for the requests that stream or take the connection over; without one (or when it
  // returns an empty route) the handler answers.
  void set_router(router choose);
  // Takes an accepted connection (from proxy::tcp_listener).
  void accept(boost::asio::ip::tcp::socket socket, std::string peer);
  void stop();  // ends every connection, taken-over ones included
  const traffic_counters& counters() const;

 private:
  struct state;
  explicit https_server(std::shared_ptr<state> s);
  std::shared_ptr<state> state_;
};

}  // namespace gatehouse::web
