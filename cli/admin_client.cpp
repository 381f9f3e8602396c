#include "cli/admin_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <cctype>

namespace gatehouse::cli {

namespace asio = boost::asio;
namespace http = boost::beast::http;

std::optional<admin_response> call_admin(const std::string& socket_path, const std::string& method,
                                         const std::string& target, const std::string& body,
                                         std::string& error) {
  asio::io_context io;
  asio::local::stream_protocol::socket socket(io);
  boost::system::error_code ec;
  socket.connect(asio::local::stream_protocol::endpoint(socket_path), ec);
  if (ec) {
    error = "cannot reach gatehoused at " + socket_path + ": " + ec.message();
    return std::nullopt;
  }
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "gatehoused");
  req.set(http::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  http::write(socket, req, ec);
  if (ec) {
    error = "sending to gatehoused: " + ec.message();
    return std::nullopt;
  }
  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  http::read(socket, buffer, parser, ec);
  if (ec) {
    error = "reading from gatehoused: " + ec.message();
    return std::nullopt;
  }
  return admin_response{static_cast<int>(parser.get().result_int()), parser.get().body()};
}

std::string query_escape(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace gatehouse::cli
