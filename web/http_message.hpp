#pragma once
// Socket-free request/reply of the web app: what the HTTPS layer hands to the routes and gets
// back. No Beast or Asio here, so pages compile fast and test without sockets.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gatehouse::web {

// Every reply's Content-Security-Policy, unless the reply sets its own (the replay page adds
// 'wasm-unsafe-eval': asciinema-player's terminal is WebAssembly).
inline constexpr std::string_view content_security_policy =
    "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

struct web_request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path with query
  std::string body;
  std::string content_type;
  std::string cookie;           // the Cookie header
  std::string origin;           // the Origin header ("" when absent)
  std::string peer;             // "address:port"
  std::string authorization{};  // the Authorization header ("" when absent)
  std::string fetch_site{};     // the Sec-Fetch-Site header ("" when absent)
  std::string host{};           // the Host header ("" when absent)
};

struct web_reply {
  int status = 200;
  std::string content_type = "text/html; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // Location, Set-Cookie, ...
  // Work that may take seconds (reading the whole audit log): when set, the server runs it on
  // its worker thread, not on the daemon's io thread, and sends what it returns instead. It
  // must own what it uses (capture by value) and touch nothing shared with the io thread.
  std::function<web_reply()> off_thread{};
};

// What the HTTPS listener has carried, for /metrics.
struct traffic_counters {
  std::uint64_t connections = 0;  // accepted since start
  std::uint64_t open = 0;         // now
  std::uint64_t refused = 0;      // turned away at the connection cap
  std::uint64_t bytes_in = 0;     // request bytes (header and body)
  std::uint64_t bytes_out = 0;    // response bytes
  std::uint64_t requests = 0;
  // The most bytes of a streamed reply (web/http_stream.hpp) that one connection held unsent at
  // once: what a slow reader can make the server keep, whatever the reply's size.
  std::uint64_t peak_queued_reply_bytes = 0;
};

}  // namespace gatehouse::web
