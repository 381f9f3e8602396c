#pragma once
// Internal to apps/relay: what the parts of the engine share for one client connection, and the
// parts themselves: forward_exchange (http_forward.cpp), relay_websocket (websocket_relay.cpp)
// and the replies the engine makes itself (app_connection.cpp). Thread: the io thread.
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>

#include <functional>
#include <string>

#include "apps/relay/relay.hpp"

namespace gatehouse::apps {

using head_parser = boost::beast::http::request_parser<boost::beast::http::empty_body>;

struct exchange_context {
  web::tls_stream& client;
  boost::beast::flat_buffer& client_buffer;  // bytes read from the client past a request's head
  web::traffic_counters& counters;
  const relay_limits& limits;
  const std::string& peer;
  connection_end& end;
  // connection_end's wake for the connection between exchanges (cancels the client's waits).
  std::function<void()> base_wake;
};

// What the engine's own replies need of a request (its parser may have moved on).
struct request_facts {
  unsigned version = 11;
  bool keep_alive = false;
  bool head = false;         // HEAD: no body in the reply
  bool body_unread = false;  // the client may still be sending a body: close after the reply
};
request_facts facts_of(const head_parser& head);

// What becomes of the client connection after an exchange.
enum class after_exchange { next_request, close, drop };  // close: TLS close_notify first

// Forwards one request to admission.pool's upstream and its response back, both bodies
// streamed. Fills `record` (status, bytes, error).
boost::asio::awaitable<after_exchange> forward_exchange(exchange_context& cx, head_parser& head,
                                                        const admission& a,
                                                        exchange_record& record);

// Passes an admitted WebSocket through to the upstream until either side closes or the
// connection is ended; then the client connection is done.
boost::asio::awaitable<void> relay_websocket(exchange_context& cx, head_parser& head,
                                             const admission& a, exchange_record& record);

// A reply the engine makes (an error, an admission's answer): a body-less request may carry
// on, one whose body was not read is closed after it.
boost::asio::awaitable<after_exchange> send_reply(exchange_context& cx, const request_facts& req,
                                                  const web::web_reply& reply, bool close_after,
                                                  exchange_record& record);

}  // namespace gatehouse::apps
