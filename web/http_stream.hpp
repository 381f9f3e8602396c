#pragma once
// The streaming side of https_server (web/https_server.hpp), for the routes that need more than
// a string: a request body read in pieces, a reply written in pieces, or the whole connection
// (a WebSocket, a relay to an upstream). Includes Beast and the TLS stream: include it only in the
// files of such routes.
//
// The server makes these objects in the connection's coroutine and lends them to the route for
// the duration of its call; everything runs on the io thread. Memory stays bounded whatever
// the sizes: read_body() fills the route's buffer, and write() returns only once its piece is
// on the socket, so a slow reader slows the route down instead of filling the server. Each
// read or write must make progress within server_limits::stream_idle_time.
//
// g++ 12: pass these functions named objects, not braced temporaries, inside a co_await
// (`reply_head head; co_await ex.start_reply(head);`): a temporary there is destroyed twice.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "web/http_message.hpp"
#include "web/tls_socket_stream.hpp"

namespace gatehouse::web {

// TLS straight on the socket, no buffers while idle (web/tls_socket_stream.hpp).
using tls_stream = tls_socket_stream;
using request_header = boost::beast::http::request_header<>;
using stream_result = std::pair<boost::system::error_code, std::size_t>;

// The status line and headers of a streamed reply. The protective headers (HSTS, CSP, ...) are
// added as for every reply.
struct reply_head {
  int status = 200;
  std::string content_type = "application/octet-stream";
  std::vector<std::pair<std::string, std::string>> headers{};
  // Known length: exactly this many body bytes follow. Unset: chunked transfer coding (or, to
  // an HTTP/1.0 client, a body that ends with the connection).
  std::optional<std::uint64_t> content_length{};
};

// One request of a streaming route: read its body, write its reply.
class streamed_exchange {
 public:
  struct context {  // the server's, lent for the exchange
    tls_stream& stream;
    boost::beast::flat_buffer& buffer;  // bytes read past the headers
    traffic_counters& counters;
    std::chrono::milliseconds idle_time;
    std::uint64_t max_body_bytes;
    std::string peer;
    bool keep_alive_allowed;  // false once the server is stopping
  };
  streamed_exchange(context c,
                    boost::beast::http::request_parser<boost::beast::http::empty_body>&& head);

  const request_header& request() const { return parser_.get().base(); }
  const std::string& peer() const { return context_.peer; }

  // The next piece of the request body into `into`: the bytes read, 0 once the body has ended
  // (body_done()). An error ends the body: http::error::body_limit over the route's limit (the
  // server answers 413 if the route has not started its reply), beast::error::timeout when
  // the client stalls, or the client gone. Sends "100 Continue" first when the client waits
  // for it.
  boost::asio::awaitable<stream_result> read_body(boost::asio::mutable_buffer into);
  bool body_done() const { return parser_.is_done(); }

  // Sends the status line and headers; then write() the body and finish() it.
  boost::asio::awaitable<boost::system::error_code> start_reply(reply_head head);
  // One piece of the body; returns when the piece has been written to the socket. An empty
  // piece sends nothing. More than a known length allows is an error (nothing is sent).
  boost::asio::awaitable<boost::system::error_code> write(boost::asio::const_buffer piece);
  // Ends the body (the last chunk); with a known length, an error if fewer bytes were written.
  boost::asio::awaitable<boost::system::error_code> finish();
  // A whole small reply at once: start_reply, write, finish.
  boost::asio::awaitable<boost::system::error_code> reply(int status, std::string content_type,
                                                          std::string body);

  bool reply_started() const { return started_; }
  // The reply went out whole and the connection may carry another request.
  bool reusable() const { return finished_ && keep_alive_ && body_done(); }
  boost::system::error_code body_error() const { return body_error_; }
  // A write failed or broke the reply's framing: the connection cannot go on.
  bool failed() const { return failed_; }

 private:
  context context_;
  boost::beast::http::request_parser<boost::beast::http::buffer_body> parser_;
  boost::system::error_code body_error_;
  bool continue_sent_ = false;
  bool started_ = false;
  bool finished_ = false;
  bool failed_ = false;  // a write failed or broke the framing: the connection must end
  bool keep_alive_ = false;
  bool chunked_ = false;
  bool head_only_ = false;                  // a HEAD request: headers, no body
  std::optional<std::uint64_t> remaining_;  // of a known length
};

// A connection a route has taken over: the TLS stream with the request whose headers were just
// read (hand `request` to boost::beast::websocket::stream<tls_stream&>::async_accept). The body,
// if any, has not been read: move `parser` into a request_parser<buffer_body> to read it (as
// streamed_exchange does); `request` refers into the parser and is gone once it is moved. Bytes
// the server had already read past the request's headers are in `read_ahead` (none for a
// WebSocket handshake, whose client waits for the 101).
struct taken_connection {
  tls_stream& stream;
  boost::beast::http::request_parser<boost::beast::http::empty_body>& parser;
  const boost::beast::http::request<boost::beast::http::empty_body>& request;
  boost::beast::flat_buffer& read_ahead;
  std::string peer;
  traffic_counters& counters;  // the server's, for the bytes the route moves
};

}  // namespace gatehouse::web
