#pragma once
// HTTPS/1.1 (Beast over OpenSSL) for the web app. Each connection is one coroutine on the
// daemon's io_context. TLS 1.2+ with AEAD ciphers only; every reply carries HSTS, CSP and the
// other protective headers. Limits keep slow or garbage clients from disturbing others: a cap
// on connections, on header and body sizes, and on the time for a handshake or a request.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>

#include "web/http_message.hpp"

namespace gatehouse::web {

struct server_limits {
  std::size_t max_connections = 512;
  // From one source address: one host cannot take every slot from the approvers.
  std::size_t max_connections_per_source = 64;
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_body_bytes = 64 * 1024;
  std::chrono::milliseconds handshake_time{10'000};
  std::chrono::milliseconds request_time{15'000};  // from the first byte to the whole request
  std::size_t max_requests_per_connection = 100;
};

class https_server {
 public:
  using handler = std::function<web_reply(const web_request&)>;

  // Loads the certificate chain and key; a one-line reason when they cannot be used.
  static std::variant<std::unique_ptr<https_server>, std::string> create(
      boost::asio::any_io_executor executor, const std::string& cert_file,
      const std::string& key_file, handler on_request, server_limits limits = {});
  ~https_server();

  // Takes an accepted connection (from proxy::tcp_listener).
  void accept(boost::asio::ip::tcp::socket socket, std::string peer);
  void stop();  // ends every connection
  const traffic_counters& counters() const;

 private:
  struct state;
  explicit https_server(std::shared_ptr<state> s);
  std::shared_ptr<state> state_;
};

}  // namespace gatehouse::web
