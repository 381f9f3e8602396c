// A streaming route's exchange (web/http_stream.hpp): the request body piece by piece through
// the route's buffer, the reply written piece by piece, each piece awaited until it is on the
// socket. Runs in the connection's coroutine on the io thread.
#include "web/http_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>

#include "web/http_wire.hpp"

namespace gatehouse::web {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using error_code = boost::system::error_code;

namespace {
error_code out_of_order() {
  return make_error_code(boost::system::errc::operation_not_permitted);
}
}  // namespace

streamed_exchange::streamed_exchange(context c, http::request_parser<http::empty_body>&& head)
    : context_(std::move(c)), parser_(std::move(head)) {
  parser_.body_limit(context_.max_body_bytes);
}

asio::awaitable<stream_result> streamed_exchange::read_body(asio::mutable_buffer into) {
  if (body_error_) co_return stream_result{body_error_, 0};
  if (parser_.is_done() || into.size() == 0) co_return stream_result{error_code{}, 0};
  auto& lowest = beast::get_lowest_layer(context_.stream);
  if (!continue_sent_) {
    continue_sent_ = true;
    lowest.expires_after(context_.idle_time);
    if (auto ec = co_await continue_if_expected(context_.stream, request(), context_.counters)) {
      body_error_ = ec;
      co_return stream_result{ec, 0};
    }
  }
  std::size_t got = 0;
  while (got == 0 && !parser_.is_done()) {
    auto& body = parser_.get().body();
    body.data = into.data();
    body.size = into.size();
    lowest.expires_after(context_.idle_time);
    auto [ec, used] = co_await http::async_read_some(context_.stream, context_.buffer, parser_,
                                                     asio::as_tuple(asio::use_awaitable));
    context_.counters.bytes_in += used;
    got = into.size() - body.size;
    body.data = nullptr;
    if (ec == http::error::need_buffer) ec = {};
    if (ec) {
      body_error_ = ec;
      co_return stream_result{ec, got};
    }
  }
  co_return stream_result{error_code{}, got};
}

asio::awaitable<error_code> streamed_exchange::start_reply(reply_head head) {
  if (started_) co_return out_of_order();
  started_ = true;
  http::response<http::empty_body> res{static_cast<http::status>(head.status),
                                       request().version()};
  res.set(http::field::content_type, head.content_type);
  for (auto& [name, value] : head.headers) res.insert(name, value);
  set_protective_headers(res);
  head_only_ = request().method() == http::verb::head;
  keep_alive_ = context_.keep_alive_allowed && parser_.get().keep_alive();
  if (head.content_length) {
    res.content_length(*head.content_length);
    remaining_ = *head.content_length;
  } else if (request().version() >= 11) {
    res.chunked(true);
    chunked_ = true;
  } else {
    keep_alive_ = false;  // HTTP/1.0 has no chunks: the body ends with the connection
  }
  res.keep_alive(keep_alive_);
  http::response_serializer<http::empty_body> serializer{res};
  beast::get_lowest_layer(context_.stream).expires_after(context_.idle_time);
  auto [ec, wrote] = co_await http::async_write_header(context_.stream, serializer,
                                                       asio::as_tuple(asio::use_awaitable));
  context_.counters.bytes_out += wrote;
  if (ec) failed_ = true;
  co_return ec;
}

asio::awaitable<error_code> streamed_exchange::write(asio::const_buffer piece) {
  if (!started_ || finished_) co_return out_of_order();
  if (failed_) co_return make_error_code(asio::error::broken_pipe);
  if (piece.size() == 0) co_return error_code{};
  if (remaining_) {
    if (piece.size() > *remaining_) {
      failed_ = true;
      co_return make_error_code(asio::error::message_size);
    }
    *remaining_ -= piece.size();
  }
  if (head_only_) co_return error_code{};
  auto& counters = context_.counters;
  counters.peak_queued_reply_bytes =
      std::max<std::uint64_t>(counters.peak_queued_reply_bytes, piece.size());
  beast::get_lowest_layer(context_.stream).expires_after(context_.idle_time);
  error_code ec;
  std::size_t wrote = 0;
  if (chunked_)
    std::tie(ec, wrote) = co_await asio::async_write(context_.stream, http::make_chunk(piece),
                                                     asio::as_tuple(asio::use_awaitable));
  else
    std::tie(ec, wrote) =
        co_await asio::async_write(context_.stream, piece, asio::as_tuple(asio::use_awaitable));
  counters.bytes_out += wrote;
  if (ec) failed_ = true;
  co_return ec;
}

asio::awaitable<error_code> streamed_exchange::finish() {
  if (!started_) co_return out_of_order();
  if (failed_) co_return make_error_code(asio::error::broken_pipe);
  if (finished_) co_return error_code{};
  if (remaining_ && *remaining_ != 0 && !head_only_) {
    failed_ = true;  // the client would wait for bytes that never come
    co_return make_error_code(asio::error::message_size);
  }
  if (chunked_ && !head_only_) {
    beast::get_lowest_layer(context_.stream).expires_after(context_.idle_time);
    auto [ec, wrote] = co_await asio::async_write(context_.stream, http::make_chunk_last(),
                                                  asio::as_tuple(asio::use_awaitable));
    context_.counters.bytes_out += wrote;
    if (ec) {
      failed_ = true;
      co_return ec;
    }
  }
  finished_ = true;
  co_return error_code{};
}

asio::awaitable<error_code> streamed_exchange::reply(int status, std::string content_type,
                                                     std::string body) {
  reply_head head{status, std::move(content_type), {}, body.size()};
  if (auto ec = co_await start_reply(std::move(head))) co_return ec;
  if (auto ec = co_await write(asio::buffer(body))) co_return ec;
  co_return co_await finish();
}

}  // namespace gatehouse::web
