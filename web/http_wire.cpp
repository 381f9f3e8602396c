// The protective headers, the server's own short replies and the lingering close
// (web/http_wire.hpp).
#include "web/http_wire.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <string_view>

namespace gatehouse::web {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

void set_protective_headers(http::fields& fields) {
  fields.set(http::field::server, "gatehoused");
  fields.set(http::field::strict_transport_security, "max-age=31536000");
  if (fields.find("Content-Security-Policy") == fields.end())
    fields.set("Content-Security-Policy", content_security_policy);
  fields.set("X-Content-Type-Options", "nosniff");
  fields.set("X-Frame-Options", "DENY");
  // Token pages carry secrets in their URL: never let it leak to another site.
  fields.set("Referrer-Policy", "no-referrer");
  if (fields.find(http::field::cache_control) == fields.end())
    fields.set(http::field::cache_control, "no-store");
}

http::response<http::string_body> plain_error(http::status status, const char* text) {
  http::response<http::string_body> res{status, 11};
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  res.body() = text;
  res.keep_alive(false);
  set_protective_headers(res);
  res.prepare_payload();
  return res;
}

asio::awaitable<void> refuse(tls_stream& stream, http::response<http::string_body> error,
                             traffic_counters& counters) {
  auto& lowest = beast::get_lowest_layer(stream);
  lowest.expires_after(std::chrono::seconds(5));
  auto [wec, wrote] =
      co_await http::async_write(stream, error, asio::as_tuple(asio::use_awaitable));
  counters.bytes_out += wrote;
  if (wec) co_return;
  lowest.expires_after(std::chrono::seconds(2));
  std::array<char, 16 * 1024> sink;
  std::size_t total = 0;
  while (total < 1024 * 1024) {
    auto [ec, n] =
        co_await stream.async_read_some(asio::buffer(sink), asio::as_tuple(asio::use_awaitable));
    if (ec) break;
    total += n;
  }
}

asio::awaitable<boost::system::error_code> continue_if_expected(tls_stream& stream,
                                                                const request_header& request,
                                                                traffic_counters& counters) {
  auto expect = request.find(http::field::expect);
  if (expect == request.end() || !beast::iequals(expect->value(), "100-continue") ||
      request.version() < 11)
    co_return boost::system::error_code{};
  http::response<http::empty_body> go_on{http::status::continue_, 11};
  auto [ec, wrote] = co_await http::async_write(stream, go_on, asio::as_tuple(asio::use_awaitable));
  counters.bytes_out += wrote;
  co_return ec;
}

asio::awaitable<stream_result> read_request_head(tls_stream& stream, beast::flat_buffer& buffer,
                                                 http::request_parser<http::empty_body>& head,
                                                 std::size_t max_header_bytes) {
  using error_code = boost::system::error_code;
  std::size_t scanned = 0;  // bytes of `buffer` known to hold no end of the headers
  std::size_t read = 0;
  for (;;) {
    std::string_view seen(static_cast<const char*>(buffer.data().data()), buffer.size());
    auto end = seen.find("\r\n\r\n", scanned > 3 ? scanned - 3 : 0);
    if (end != std::string_view::npos) {
      if (end + 4 > max_header_bytes) co_return stream_result{http::error::header_limit, read};
      auto lines = seen.substr(0, end + 2);
      if (lines.find("\r\n ") != std::string_view::npos ||
          lines.find("\r\n\t") != std::string_view::npos)
        co_return stream_result{http::error::bad_value, read};
      error_code ec;
      auto used = head.put(asio::buffer(seen.data(), end + 4), ec);
      buffer.consume(used);
      if (!ec && !head.is_header_done()) ec = http::error::bad_value;
      co_return stream_result{ec, read};
    }
    scanned = seen.size();
    auto room =
        std::min({std::size_t{4096}, max_header_bytes + 4 - std::min(scanned, max_header_bytes),
                  buffer.max_size() - buffer.size()});
    if (scanned >= max_header_bytes || room == 0)
      co_return stream_result{http::error::header_limit, read};
    auto [ec, n] =
        co_await stream.async_read_some(buffer.prepare(room), asio::as_tuple(asio::use_awaitable));
    buffer.commit(n);
    read += n;
    if (ec) {
      bool closed = ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
      if (closed)
        ec = buffer.size() == 0 ? error_code(http::error::end_of_stream)
                                : error_code(http::error::partial_message);
      co_return stream_result{ec, read};
    }
  }
}

}  // namespace gatehouse::web
