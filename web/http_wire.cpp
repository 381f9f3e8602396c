// The protective headers, the server's own short replies and the lingering close
// (web/http_wire.hpp).
#include "web/http_wire.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/write.hpp>

#include <array>
#include <chrono>

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
  auto [wec, wrote] = co_await http::async_write(stream, error, asio::as_tuple(asio::use_awaitable));
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

}  // namespace gatehouse::web
