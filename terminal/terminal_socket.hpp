#pragma once
// The browser terminal's WebSocket over the HTTPS listener's TLS stream (Beast): included only
// by the terminal's .cpp files, which are the ones that read and write it.
#include <boost/beast/websocket/stream.hpp>

#include "web/http_stream.hpp"

namespace gatehouse::terminal {

class terminal_socket {
 public:
  explicit terminal_socket(web::tls_stream& stream) : ws(stream) {}
  boost::beast::websocket::stream<web::tls_stream&> ws;
};

}  // namespace gatehouse::terminal
