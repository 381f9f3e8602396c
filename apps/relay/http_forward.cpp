// One forwarded HTTP exchange (apps/relay/exchange_context.hpp): the request's head rewritten
// for the upstream (apps/relay/request_rules.hpp), its body streamed from the client to the
// upstream and the response's body back, each through one piece (Beast's buffer_body) of at
// most 16 KiB up and 64 KiB down, so memory stays bounded whatever the sizes; the piece is taken
// only when a body is to be moved, and no larger than the body when its length is known (a
// small response costs no large allocation). The upstream connection comes from the app's
// pool and goes back to it only after a complete, reusable exchange; a pooled connection that
// fails before any response byte is retried once on a fresh one for an idempotent request
// without a body. Thread: the io thread, in the client connection's coroutine.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <memory>
#include <optional>

#include "apps/relay/exchange_context.hpp"
#include "apps/relay/request_rules.hpp"
#include "apps/relay/upstream_connection.hpp"
#include "web/http_wire.hpp"

namespace gatehouse::apps {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using error_code = boost::system::error_code;
using body_parser = http::request_parser<http::buffer_body>;
using response_parser = http::response_parser<http::buffer_body>;

namespace {
constexpr std::size_t piece_size = 16 * 1024;  // a request body's: the client's TLS records
// A response body's: one upstream read and one client write (four TLS records) per piece; a
// 1 GiB download in 16 KiB pieces spent a third of its system calls in the io loop's polls.
constexpr std::size_t response_piece_size = 64 * 1024;
constexpr auto tuple = asio::as_tuple(asio::use_awaitable);

// The exchange's body piece: allocated (not zeroed) when a body is first moved, at most
// `most` bytes, and as small as the body when its remaining length is known.
class body_piece {
 public:
  // Room for `remaining` more body bytes (none: unknown length); grows, never shrinks.
  void fit(boost::optional<std::uint64_t> remaining, std::size_t most) {
    auto want = remaining ? std::clamp<std::uint64_t>(*remaining, 1, most) : most;
    if (size_ >= want) return;
    bytes_ = std::make_unique_for_overwrite<char[]>(want);
    size_ = want;
  }
  char* data() const { return bytes_.get(); }
  std::size_t size() const { return size_; }

 private:
  std::unique_ptr<char[]> bytes_;
  std::size_t size_ = 0;
};

bool idempotent(http::verb v) {
  return v == http::verb::get || v == http::verb::head || v == http::verb::options ||
         v == http::verb::trace || v == http::verb::put || v == http::verb::delete_;
}

bool no_response_body(int status, bool head_request) {
  return head_request || status == 204 || status == 304 || (status >= 100 && status < 200);
}

// Sends the request's head, then its body as it comes from the client.
template <class Up>
asio::awaitable<error_code> send_request(Up& up, upstream_connection& c, exchange_context& cx,
                                         http::request<http::buffer_body>& req,
                                         body_parser* body_in, body_piece& piece,
                                         exchange_record& rec, error_code& client_error) {
  http::request_serializer<http::buffer_body> sr{req};
  req.body().data = nullptr;
  req.body().more = body_in != nullptr;
  c.tcp.expires_after(cx.limits.idle_time);
  auto [hec, hn] = co_await http::async_write_header(up, sr, tuple);
  if (hec || !body_in) co_return hec;
  auto& client_lowest = beast::get_lowest_layer(cx.client);
  client_lowest.expires_after(cx.limits.idle_time);
  if (auto ec = co_await web::continue_if_expected(cx.client, body_in->get().base(), cx.counters)) {
    client_error = ec;
    co_return ec;
  }
  if (cx.client_buffer.capacity() < piece_size) cx.client_buffer.reserve(piece_size);
  piece.fit(body_in->content_length_remaining(), piece_size);
  while (!body_in->is_done()) {
    auto& b = body_in->get().body();
    b.data = piece.data();
    b.size = piece.size();
    client_lowest.expires_after(cx.limits.idle_time);
    auto [rec_ec, used] =
        co_await http::async_read_some(cx.client, cx.client_buffer, *body_in, tuple);
    cx.counters.bytes_in += used;
    auto n = piece.size() - b.size;
    if (rec_ec == http::error::need_buffer) rec_ec = {};
    if (rec_ec) {
      client_error = rec_ec;
      co_return rec_ec;
    }
    if (n == 0) continue;
    rec.bytes_in += n;
    req.body().data = piece.data();
    req.body().size = n;
    req.body().more = true;
    c.tcp.expires_after(cx.limits.idle_time);
    auto [wec, wn] = co_await http::async_write(up, sr, tuple);
    if (wec == http::error::need_buffer) wec = {};
    if (wec) co_return wec;
  }
  req.body().data = nullptr;
  req.body().size = 0;
  req.body().more = false;
  c.tcp.expires_after(cx.limits.idle_time);
  auto [fec, fn] = co_await http::async_write(up, sr, tuple);
  if (fec == http::error::need_buffer) fec = {};
  co_return fec;
}

// The response's head; interim responses (100, 103) are read past, not passed on.
template <class Up>
asio::awaitable<error_code> read_response_head(Up& up, upstream_connection& c,
                                               const relay_limits& limits,
                                               std::optional<response_parser>& rp,
                                               bool head_request) {
  for (;;) {
    rp.emplace();
    rp->header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    rp->body_limit(boost::none);
    if (head_request) rp->skip(true);
    c.tcp.expires_after(limits.response_header_time);
    auto [ec, n] = co_await http::async_read_header(up, c.buffer, *rp, tuple);
    if (ec) co_return ec;
    auto status = rp->get().result_int();
    if (status < 100 || status >= 200 || status == 101) co_return error_code{};
  }
}

struct response_plan {
  const request_facts& req;
  const admission& a;
  const upstream_target& target;
  bool upstream_done = false;  // the whole response was read from the upstream
};

// Writes the response's head to the client, then its body as it comes from the upstream.
template <class Up>
asio::awaitable<after_exchange> relay_response(Up& up, upstream_connection& c, exchange_context& cx,
                                               response_parser& rp, response_plan& plan,
                                               body_piece& piece, exchange_record& rec) {
  const auto& in = rp.get();
  int status = in.result_int();
  http::response<http::buffer_body> res{in.result(), plan.req.version};
  // The fields are moved in, not copied one by one (an allocation and a name lookup each);
  // the reason is kept among them, so it is set after.
  static_cast<http::fields&>(res) = client_fields(in.base(), plan.target, plan.a.origin);
  res.reason(in.reason());
  for (const auto& [name, value] : plan.a.reply_headers) res.set(name, value);
  bool keep_alive = plan.req.keep_alive && !plan.a.close_after && !cx.end.ended();
  bool bodyless = no_response_body(status, plan.req.head);
  if (plan.req.head) {
    if (auto cl = in.find(http::field::content_length); cl != in.end())
      res.set(http::field::content_length, cl->value());
  } else if (!bodyless) {
    if (rp.content_length())
      res.content_length(*rp.content_length());
    else if (plan.req.version >= 11)
      res.chunked(true);
    else
      keep_alive = false;  // an HTTP/1.0 client: the body ends with the connection
  }
  res.keep_alive(keep_alive);
  if (res.find(http::field::strict_transport_security) == res.end())
    res.set(http::field::strict_transport_security, "max-age=31536000");
  res.body().data = nullptr;
  res.body().more = !bodyless;
  http::response_serializer<http::buffer_body> sr{res};
  auto& client_lowest = beast::get_lowest_layer(cx.client);
  rec.status = status;
  // A body that came whole with the head (a small response) goes out with the head, in one
  // record: the first body write below writes the head too.
  auto remaining = rp.content_length_remaining();
  bool body_came_whole = !bodyless && remaining && *remaining <= c.buffer.size();
  if (!body_came_whole) {
    client_lowest.expires_after(cx.limits.idle_time);
    auto [hec, hn] = co_await http::async_write_header(cx.client, sr, tuple);
    cx.counters.bytes_out += hn;
    if (hec) {
      rec.error = "client gone";
      co_return after_exchange::drop;
    }
  }
  if (bodyless) {
    plan.upstream_done = rp.is_done();
    co_return keep_alive ? after_exchange::next_request : after_exchange::close;
  }
  // Read the upstream a piece at a time, not in Beast's 512-byte steps on an empty buffer
  // (measured: a 1 GiB download went out as 534-byte TLS records at 24 MiB/s). Given back
  // (shrunk) when the connection returns to the pool. A body that came whole needs neither
  // more room nor reads.
  if (c.buffer.capacity() < response_piece_size && !body_came_whole)
    c.buffer.reserve(response_piece_size);
  if (!rp.is_done()) piece.fit(remaining, response_piece_size);
  while (!rp.is_done()) {
    auto& b = rp.get().body();
    b.data = piece.data();
    b.size = piece.size();
    c.tcp.expires_after(cx.limits.idle_time);
    auto [rec_ec, used] = co_await http::async_read_some(up, c.buffer, rp, tuple);
    auto n = piece.size() - b.size;
    if (rec_ec == http::error::need_buffer) rec_ec = {};
    if (rec_ec) {
      rec.error = cx.end.ended() ? "ended: " + cx.end.reason()
                                 : "upstream failed during the response: " + rec_ec.message();
      co_return after_exchange::drop;  // cut: the client sees the body end short
    }
    if (n == 0) continue;
    res.body().data = piece.data();
    res.body().size = n;
    res.body().more = !rp.is_done();  // the last piece ends the body in the same write
    cx.counters.peak_queued_reply_bytes =
        std::max<std::uint64_t>(cx.counters.peak_queued_reply_bytes, n);
    client_lowest.expires_after(cx.limits.idle_time);
    auto [wec, wn] = co_await http::async_write(cx.client, sr, tuple);
    cx.counters.bytes_out += wn;
    if (wec == http::error::need_buffer) wec = {};
    if (wec) {
      rec.error = cx.end.ended() ? "ended: " + cx.end.reason() : "client gone";
      co_return after_exchange::drop;
    }
    rec.bytes_out += n;
  }
  plan.upstream_done = true;
  if (!sr.is_done()) {  // the body ended without a last piece (or there was none): end it
    res.body().data = nullptr;
    res.body().size = 0;
    res.body().more = false;
    client_lowest.expires_after(cx.limits.idle_time);
    auto [fec, fn] = co_await http::async_write(cx.client, sr, tuple);
    cx.counters.bytes_out += fn;
    if (fec == http::error::need_buffer) fec = {};
    if (fec) co_return after_exchange::drop;
  }
  co_return keep_alive ? after_exchange::next_request : after_exchange::close;
}

// A coroutine keeps its own copy of what it is given (hence `why` by value).
asio::awaitable<after_exchange> fail(exchange_context& cx, const request_facts& req, int status,
                                     // cppcheck-suppress passedByValue
                                     std::string why, exchange_record& rec) {
  rec.error = why;
  web::web_reply reply{status, "text/plain; charset=utf-8", why + "\n", {}};
  co_return co_await send_reply(cx, req, reply, true, rec);
}
}  // namespace

asio::awaitable<after_exchange> forward_exchange(exchange_context& cx, head_parser& head,
                                                 const admission& a, exchange_record& rec) {
  auto pool = a.pool->shared_state();  // kept while the exchange runs, even past a reload
  auto req = facts_of(head);
  const auto& request = head.get();
  if (auto length = head.content_length(); length && *length > cx.limits.max_upload_bytes)
    co_return co_await fail(cx, req, 413, "request body too large", rec);

  http::request<http::buffer_body> up_req;
  // Moved in (the method and target are kept among the fields: set after).
  static_cast<http::fields&>(up_req) = upstream_fields(request, a, cx.peer);
  up_req.method_string(request.method_string());
  up_req.target(upstream_request_target(pool->target, request.target()));
  up_req.version(11);
  up_req.set(http::field::host, pool->target.authority());
  bool has_body = head.chunked() || head.content_length().value_or(0) > 0;
  if (head.chunked())
    up_req.chunked(true);
  else if (has_body)
    up_req.content_length(*head.content_length());
  up_req.keep_alive(true);
  bool retryable = !has_body && idempotent(request.method());

  std::optional<body_parser> body_in;
  if (has_body) {
    body_in.emplace(std::move(head));
    body_in->body_limit(cx.limits.max_upload_bytes);
  }
  body_piece piece;
  std::unique_ptr<upstream_connection> conn;
  std::optional<response_parser> rp;
  upstream_connection* current = nullptr;
  cx.end.on_end([&cx, &current] {
    cx.base_wake();
    if (current) current->tcp.cancel();
  });
  struct restore_wake {
    exchange_context& cx;
    ~restore_wake() { cx.end.on_end(cx.base_wake); }
  } restore{cx};

  for (int attempt = 0;; ++attempt) {
    conn = attempt == 0 ? pool->take_idle(retryable) : nullptr;
    current = nullptr;
    if (!conn) {
      auto made = co_await pool->connect();
      if (cx.end.ended()) co_return after_exchange::drop;
      if (auto* failed = std::get_if<connect_failure>(&made))
        co_return co_await fail(cx, req, failed->status, failed->why, rec);
      conn = std::move(std::get<0>(made));
    }
    current = conn.get();
    error_code client_error;
    auto* body = body_in ? &*body_in : nullptr;
    co_await with_stream(*conn, [&](auto& up) {
      return send_request(up, *conn, cx, up_req, body, piece, rec, client_error);
    });
    if (cx.end.ended()) co_return after_exchange::drop;
    if (client_error == http::error::body_limit)
      co_return co_await fail(cx, req, 413, "request body too large", rec);
    if (client_error) {
      rec.error = "client gone during the request body";
      co_return after_exchange::drop;
    }
    // A failed send still reads: the upstream may have answered early (and closed).
    auto got = co_await with_stream(
        *conn, [&](auto& up) { return read_response_head(up, *conn, cx.limits, rp, req.head); });
    if (cx.end.ended()) co_return after_exchange::drop;
    if (!got) break;  // (a failed send answered early: the request's body is left unread)
    if (conn->reused && retryable && attempt == 0 && !rp->got_some()) continue;
    if (got == beast::error::timeout)
      co_return co_await fail(cx, req, 504, "the upstream did not answer in time", rec);
    co_return co_await fail(cx, req, 502, "the upstream failed: " + got.message(), rec);
  }
  if (rp->get().result_int() == 101)
    co_return co_await fail(cx, req, 502, "the upstream switched protocols unasked", rec);
  response_plan plan{req, a, pool->target};
  auto next = co_await with_stream(
      *conn, [&](auto& up) { return relay_response(up, *conn, cx, *rp, plan, piece, rec); });
  bool request_whole = !body_in || body_in->is_done();
  if (plan.upstream_done && request_whole && rp->keep_alive() && !rp->need_eof() &&
      conn->buffer.size() == 0) {
    current = nullptr;
    pool->give_back(std::move(conn));
  }
  if (!request_whole && next == after_exchange::next_request) next = after_exchange::close;
  co_return next;
}

}  // namespace gatehouse::apps
