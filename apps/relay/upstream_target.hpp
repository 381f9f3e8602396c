#pragma once
// Where a gated web app lives (servers[].url of a `protocol: http` server) and the limits of
// relaying to it. Plain values; parse_upstream is a pure function.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

namespace gatehouse::apps {

struct upstream_target {  // parsed from servers[].url (+ ca_file)
  bool tls = false;
  std::string host;       // a DNS name or an IP address (IPv6 without brackets)
  std::string port;       // always set: "80" / "443" when the URL has none
  std::string ca_file;    // https: the CA the upstream's certificate must chain to
  std::string base_path;  // "" or "/prefix" from the URL (no trailing slash)
  // host[:port] (the port left out when it is the scheme's default): the upstream's Host
  // header, and what Location headers pointing at the upstream are recognised by.
  std::string authority() const;
  bool default_port() const { return port == (tls ? "443" : "80"); }
};

// "http://HOST[:PORT][/PATH]" or "https://..." (which needs `ca_file`: an upstream is never
// used unverified). No user info, query or fragment. The string is a one-line reason.
std::variant<upstream_target, std::string> parse_upstream(const std::string& url,
                                                          const std::string& ca_file);

struct relay_limits {
  std::size_t max_header_bytes = 16 * 1024;     // client request and upstream response headers
  std::uint64_t max_upload_bytes = 4ull << 30;  // one request body
  std::chrono::milliseconds client_header_time{15'000};  // first byte to end of headers
  std::chrono::milliseconds connect_time{5'000}, response_header_time{60'000},
      idle_time{120'000};         // idle: no byte moves either way
  std::size_t pool_per_app = 32;  // idle keep-alive upstream connections kept
  std::size_t max_requests_per_connection = 10'000;
};

}  // namespace gatehouse::apps
