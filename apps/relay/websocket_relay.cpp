// WebSocket pass-through (apps/relay/exchange_context.hpp): the client's Origin must be the
// app's; a fresh upstream connection does the WebSocket handshake with the forwarded headers,
// then the client is accepted (with the subprotocol the upstream chose) and frames flow both
// ways (text/binary kept, fragments as they come; each side answers pings itself; a close
// passes on with its code and reason). connection_end closes the client with 1008 and the
// reason and the upstream with 1001. An idle WebSocket keeps little: each direction waits
// with a 256-byte piece and takes an 8 KiB one only while a longer message passes; the
// request's and the upstream answer's headers are let go once both handshakes are done.
// Thread: the io thread, in the client connection's coroutine.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <array>
#include <memory>

#include "apps/relay/exchange_context.hpp"
#include "apps/relay/request_rules.hpp"
#include "apps/relay/upstream_connection.hpp"

namespace gatehouse::apps {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using namespace asio::experimental::awaitable_operators;

namespace {
constexpr auto tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t waiting_piece = 256;       // per direction, while it waits
constexpr std::size_t message_piece = 8 * 1024;  // per direction, while a longer message passes

// Handshake headers Beast writes itself.
bool handshake_field(const http::fields::value_type& f) {
  auto name = f.name_string();
  return beast::iequals(name, "Sec-WebSocket-Key") ||
         beast::iequals(name, "Sec-WebSocket-Version") ||
         beast::iequals(name, "Sec-WebSocket-Extensions") ||
         beast::iequals(name, "Sec-WebSocket-Accept");
}

websocket::stream_base::timeout timeouts(const relay_limits& limits) {
  websocket::stream_base::timeout t;
  t.handshake_timeout = limits.connect_time;  // the opening and the closing handshake
  t.idle_timeout = limits.idle_time;          // then a ping; no answer: the side is gone
  t.keep_alive_pings = true;
  return t;
}

// One direction: messages from `from` to `to`; when `from` ends, `to` is closed with the
// same code (1001 when `from` failed without a close).
template <class From, class To>
asio::awaitable<void> pump(From& from, To& to, bool& to_closing, std::uint64_t& bytes) {
  std::array<char, waiting_piece> waiting;
  std::unique_ptr<char[]> large;  // while a message longer than `waiting` passes
  bool starting = true;
  for (;;) {
    auto piece = large ? asio::buffer(large.get(), message_piece) : asio::buffer(waiting);
    auto [ec, n] = co_await from.async_read_some(piece, tuple);
    if (ec) {
      if (!to_closing && to.is_open()) {
        to_closing = true;
        websocket::close_reason why =
            ec == websocket::error::closed
                ? from.reason()
                : websocket::close_reason(websocket::close_code::going_away);
        co_await to.async_close(why, tuple);
      }
      co_return;
    }
    bool done = from.is_message_done();
    if (n == 0 && !done) continue;
    bytes += n;
    if (starting) to.text(from.got_text());
    auto [wec, wrote] = co_await to.async_write_some(done, asio::buffer(piece.data(), n), tuple);
    if (wec) co_return;  // `to` is gone: the other direction's read fails and closes `from`
    starting = done;
    if (done)
      large.reset();
    else if (!large && n == waiting.size())
      large = std::make_unique_for_overwrite<char[]>(message_piece);
  }
}

struct ws_pair_state {
  asio::steady_timer wake;  // cancelled by connection_end, or when both directions are done
  bool client_closing = false, upstream_closing = false;
};

template <class Client, class Up>
asio::awaitable<void> both_directions(Client& client, Up& up, ws_pair_state& st,
                                      exchange_record& rec) {
  auto in = pump(client, up, st.upstream_closing, rec.bytes_in);
  auto out = pump(up, client, st.client_closing, rec.bytes_out);
  co_await (std::move(in) && std::move(out));
  st.wake.cancel();
}

template <class Ws>
asio::awaitable<void> close_with(Ws& ws, bool& closing, websocket::close_reason why) {
  if (closing || !ws.is_open()) co_return;
  closing = true;
  co_await ws.async_close(why, tuple);
}

template <class Client, class Up>
asio::awaitable<void> watch_end(Client& client, Up& up, ws_pair_state& st, connection_end& end) {
  co_await st.wake.async_wait(tuple);
  if (!end.ended()) co_return;
  auto reason = end.reason().substr(0, 123);  // what a close frame can carry
  websocket::close_reason policy(websocket::close_code::policy_error, reason);
  websocket::close_reason going(websocket::close_code::going_away);
  auto a = close_with(client, st.client_closing, policy);
  auto b = close_with(up, st.upstream_closing, going);
  co_await (std::move(a) && std::move(b));
}

template <class Up>
asio::awaitable<void> websocket_via(Up& up, upstream_connection& c, exchange_context& cx,
                                    head_parser& head, const admission& a,
                                    const upstream_target& target, exchange_record& rec) {
  websocket::stream<Up&> upstream(up);
  upstream.set_option(timeouts(cx.limits));
  upstream.read_message_max(cx.limits.max_upload_bytes);
  upstream.write_buffer_bytes(1024);  // masking is done through it, piece by piece
  auto forwarded = upstream_fields(head.get(), a, cx.peer);
  upstream.set_option(websocket::stream_base::decorator([&forwarded](websocket::request_type& r) {
    for (const auto& f : forwarded)
      if (!handshake_field(f)) r.set(f.name_string(), f.value());
  }));
  c.tcp.expires_never();  // the WebSocket keeps its own time
  websocket::response_type answer;
  auto path = upstream_request_target(target, head.get().target());
  auto [hec] = co_await upstream.async_handshake(answer, target.authority(), path, tuple);
  auto facts = facts_of(head);
  if (hec) {
    rec.error = "the upstream refused the WebSocket: " +
                (answer.result_int() ? std::to_string(answer.result_int()) : hec.message());
    web::web_reply refused{502, "text/plain; charset=utf-8", "the app refused the WebSocket\n", {}};
    co_await send_reply(cx, facts, refused, true, rec);
    co_return;
  }
  std::string protocol(answer[http::field::sec_websocket_protocol]);
  answer = {};
  forwarded.clear();
  websocket::stream<web::tls_stream&> client(cx.client);
  client.set_option(timeouts(cx.limits));
  client.read_message_max(cx.limits.max_upload_bytes);
  client.write_buffer_bytes(256);  // a server's frames are not masked: little use for it
  client.set_option(websocket::stream_base::decorator([protocol](websocket::response_type& r) {
    r.set(http::field::server, "gatehoused");
    if (!protocol.empty()) r.set(http::field::sec_websocket_protocol, protocol);
  }));
  beast::get_lowest_layer(cx.client).expires_never();
  auto [aec] = co_await client.async_accept(head.get(), tuple);
  if (aec) {
    rec.error = "the client's WebSocket handshake failed: " + aec.message();
    co_await upstream.async_close(websocket::close_code::going_away, tuple);
    co_return;
  }
  rec.status = 101;
  cx.client_buffer.shrink_to_fit();  // empty after the handshake; an idle WebSocket keeps little
  head.get() = {};                   // the request's headers: nothing reads them any more
  auto executor = co_await asio::this_coro::executor;
  ws_pair_state st{asio::steady_timer(executor, asio::steady_timer::time_point::max())};
  cx.end.on_end([&st] { st.wake.cancel(); });
  struct restore_wake {
    exchange_context& cx;
    ~restore_wake() { cx.end.on_end(cx.base_wake); }
  } restore{cx};
  if (cx.end.ended()) st.wake.cancel();
  auto relay = both_directions(client, upstream, st, rec);
  auto ending = watch_end(client, upstream, st, cx.end);
  co_await (std::move(relay) && std::move(ending));
  if (cx.end.ended() && rec.error.empty()) rec.error = "ended: " + cx.end.reason();
  co_return;
}
}  // namespace

asio::awaitable<void> relay_websocket(exchange_context& cx, head_parser& head, const admission& a,
                                      exchange_record& rec) {
  auto facts = facts_of(head);
  auto origin = head.get()[http::field::origin];
  // A browser always sends Origin; a client without one is not a browser, and only a client
  // that presents its own credential (a personal token, never sent by a browser on its own)
  // may upgrade without it.
  const bool originless_allowed = origin.empty() && a.websocket_without_origin;
  if (!originless_allowed && (origin.empty() || !beast::iequals(origin, a.origin))) {
    rec.error = "WebSocket Origin is not the app's";
    web::web_reply forbidden{
        403, "text/plain; charset=utf-8", "cross-origin WebSocket refused\n", {}};
    co_await send_reply(cx, facts, forbidden, true, rec);
    co_return;
  }
  auto pool = a.pool->shared_state();
  auto made = co_await pool->connect();
  if (auto* failed = std::get_if<connect_failure>(&made)) {
    rec.error = failed->why;
    web::web_reply unavailable{failed->status, "text/plain; charset=utf-8", failed->why + "\n", {}};
    co_await send_reply(cx, facts, unavailable, true, rec);
    co_return;
  }
  auto conn = std::move(std::get<0>(made));
  if (cx.end.ended()) co_return;
  co_await with_stream(
      *conn, [&](auto& up) { return websocket_via(up, *conn, cx, head, a, pool->target, rec); });
  co_return;
}

}  // namespace gatehouse::apps
