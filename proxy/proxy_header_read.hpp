#pragma once
// Reads the PROXY protocol header (proxy/proxy_protocol.hpp) off a freshly accepted connection,
// consuming exactly its bytes: each turn peeks at what has arrived and takes from the socket
// only bytes that belong to the header, so whatever the client sent after it stays in the
// socket for the protocol (libssh reads the descriptor itself). Gives up after `timeout` or on
// a header that is malformed, too long, or cut short by the peer closing.
// Runs on the socket's executor (the daemon's io_context); the socket is handed back through
// `done` in every case, on that executor and never inside the call.
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <variant>

#include "proxy/proxy_protocol.hpp"

namespace gatehouse::proxy {

// The header, or why there is none ("no PROXY header within 5 s", the parser's reason, …).
using proxy_header_outcome = std::variant<proxy_protocol::header, std::string>;

void read_proxy_header(
    boost::asio::ip::tcp::socket socket, std::chrono::steady_clock::duration timeout,
    std::function<void(boost::asio::ip::tcp::socket, proxy_header_outcome)> done);

}  // namespace gatehouse::proxy
