// serve_app_connection (apps/relay/relay.hpp): the client connection's keep-alive loop. Each
// request's head is read under the relay's limits and refused when its framing is ambiguous;
// the handler admits it; then the engine answers it (send_reply, here), forwards it
// (http_forward.cpp) or passes a WebSocket through (websocket_relay.cpp). connection_end
// cancels whatever the connection awaits. Thread: the io thread; one coroutine per connection.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <optional>

#include "apps/relay/exchange_context.hpp"
#include "apps/relay/request_rules.hpp"
#include "web/http_wire.hpp"

namespace gatehouse::apps {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {
constexpr auto tuple = asio::as_tuple(asio::use_awaitable);

// Waits, up to the idle time, for the first byte of the next request (the head itself then has
// client_header_time). False when the client left or stayed silent.
asio::awaitable<bool> next_request_begins(exchange_context& cx) {
  if (cx.client_buffer.size() > 0) co_return true;
  auto room = std::min<std::size_t>(4096, cx.client_buffer.max_size());
  beast::get_lowest_layer(cx.client).expires_after(cx.limits.idle_time);
  auto [ec, n] = co_await cx.client.async_read_some(cx.client_buffer.prepare(room), tuple);
  cx.client_buffer.commit(n);
  cx.counters.bytes_in += n;
  co_return !ec;
}

// While a request is held: reads what the client sends (kept for the request, up to
// held_read_ahead) until it closes or breaks the connection, then completes. Past the bound it
// only waits. The admission's `||` cancels it when the wait ends first.
constexpr std::size_t held_read_ahead = 64 * 1024;
asio::awaitable<void> until_client_leaves(exchange_context& cx) {
  const auto bound = std::min(held_read_ahead, cx.client_buffer.max_size());
  while (cx.client_buffer.size() < bound) {
    auto room = std::min<std::size_t>(4096, bound - cx.client_buffer.size());
    auto [ec, n] = co_await cx.client.async_read_some(cx.client_buffer.prepare(room), tuple);
    cx.client_buffer.commit(n);
    cx.counters.bytes_in += n;
    if (ec) co_return;  // gone (or cancelled: then the other side of `||` has won already)
  }
  asio::steady_timer forever(co_await asio::this_coro::executor);
  forever.expires_at(asio::steady_timer::time_point::max());
  co_await forever.async_wait(tuple);
}

// The head of a later request on the connection; false when there is none to serve (the
// client left, or a bad head was refused).
asio::awaitable<bool> read_next_head(exchange_context& cx, head_parser& head) {
  if (!co_await next_request_begins(cx)) co_return false;
  head.header_limit(static_cast<std::uint32_t>(cx.limits.max_header_bytes));
  head.body_limit(boost::none);  // each exchange sets its own
  beast::get_lowest_layer(cx.client).expires_after(cx.limits.client_header_time);
  auto [ec, read] = co_await web::read_request_head(cx.client, cx.client_buffer, head,
                                                    cx.limits.max_header_bytes);
  cx.counters.bytes_in += read;
  if (!ec) {
    ++cx.counters.requests;
    co_return true;
  }
  if (cx.end.ended()) co_return false;
  if (ec == http::error::header_limit) {
    auto too_large =
        web::plain_error(http::status::request_header_fields_too_large, "headers too large\n");
    co_await web::refuse(cx.client, std::move(too_large), cx.counters);
  } else if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
             ec != http::error::end_of_stream && ec != http::error::partial_message) {
    auto malformed = web::plain_error(http::status::bad_request, "malformed request\n");
    co_await web::refuse(cx.client, std::move(malformed), cx.counters);
  } else if (ec == beast::error::timeout) {
    auto slow = web::plain_error(http::status::request_timeout, "request headers too slow\n");
    beast::get_lowest_layer(cx.client).expires_after(std::chrono::seconds(2));
    co_await http::async_write(cx.client, slow, tuple);
  }
  co_return false;
}
}  // namespace

request_facts facts_of(const head_parser& head) {
  const auto& r = head.get();
  return {r.version(), r.keep_alive(), r.method() == http::verb::head, !head.is_done()};
}

asio::awaitable<after_exchange> send_reply(exchange_context& cx, const request_facts& req,
                                           const web::web_reply& reply, bool close_after,
                                           exchange_record& rec) {
  http::response<http::string_body> res{static_cast<http::status>(reply.status), req.version};
  res.set(http::field::content_type, reply.content_type);
  for (const auto& [name, value] : reply.headers) res.insert(name, value);
  web::set_protective_headers(res);
  bool keep_alive = req.keep_alive && !close_after && !req.body_unread && !cx.end.ended();
  res.keep_alive(keep_alive);
  res.body() = reply.body;
  res.prepare_payload();
  if (req.head) res.body().clear();
  rec.status = reply.status;
  rec.bytes_out += res.body().size();
  if (req.body_unread) {  // answered without reading the body: drain a little, then close
    co_await web::refuse(cx.client, std::move(res), cx.counters);
    co_return after_exchange::close;
  }
  beast::get_lowest_layer(cx.client).expires_after(cx.limits.idle_time);
  auto [ec, wrote] = co_await http::async_write(cx.client, res, tuple);
  cx.counters.bytes_out += wrote;
  if (ec) co_return after_exchange::drop;
  co_return keep_alive ? after_exchange::next_request : after_exchange::close;
}

asio::awaitable<void> serve_app_connection(web::taken_connection& c, app_connection_handler& h,
                                           relay_limits limits) {
  auto& lowest = beast::get_lowest_layer(c.stream);
  boost::system::error_code ignored;  // small writes (a close frame, a prompt) go out at once
  lowest.socket().set_option(asio::ip::tcp::no_delay(true), ignored);
  auto end = std::make_shared<connection_end>();
  exchange_context cx{
      c.stream, c.read_ahead, c.counters, limits, c.peer, *end, [&lowest] { lowest.cancel(); }};
  end->on_end(cx.base_wake);
  struct forget_wake {  // the handle may outlive the connection
    connection_end& end;
    ~forget_wake() { end.on_end(nullptr); }
  } forget{*end};

  const client_watch client_leaves = [&cx]() { return until_client_leaves(cx); };
  std::optional<head_parser> later;
  head_parser* head = &c.parser;
  auto next = after_exchange::next_request;
  for (std::size_t n = 0; next == after_exchange::next_request; ++n) {
    if (n > 0) {
      if (n >= limits.max_requests_per_connection) {
        next = after_exchange::close;
        break;
      }
      later.emplace();
      if (!co_await read_next_head(cx, *later)) co_return;
      head = &*later;
    }
    if (end->ended()) co_return;
    exchange_record rec;
    rec.method = std::string(head->get().method_string());
    rec.path = recorded_path(head->get().target());
    auto started = std::chrono::steady_clock::now();
    auto report = [&] {
      rec.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - started);
      h.completed(rec);
    };
    if (auto problem = framing_problem(head->get()); !problem.empty()) {
      rec.status = 400;
      rec.error = problem;
      report();
      auto refused = web::plain_error(http::status::bad_request, "malformed request\n");
      co_await web::refuse(c.stream, std::move(refused), c.counters);
      co_return;
    }
    lowest.expires_never();  // the handler may hold the request for long
    auto facts = facts_of(*head);
    admission a = co_await h.admit(head->get(), c.peer, end, client_leaves);
    if (end->ended()) {
      rec.error = "ended: " + end->reason();
      report();
      co_return;
    }
    if (a.what == admission::kind::answer) {
      next = co_await send_reply(cx, facts, a.answer, a.close_after, rec);
    } else if (!a.pool) {
      rec.error = "no upstream for the app";
      web::web_reply unavailable{502, "text/plain; charset=utf-8", "no upstream for the app\n", {}};
      next = co_await send_reply(cx, facts, unavailable, true, rec);
    } else if (is_websocket_request(head->get())) {
      rec.websocket = true;
      co_await relay_websocket(cx, *head, a, rec);
      report();
      co_return;
    } else {
      next = co_await forward_exchange(cx, *head, a, rec);
    }
    report();
  }
  if (next == after_exchange::drop || end->ended()) co_return;
  lowest.expires_after(std::chrono::seconds(2));
  co_await c.stream.async_shutdown(tuple);
}

}  // namespace gatehouse::apps
