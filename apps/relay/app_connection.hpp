#pragma once
// STAND-IN (lead): the relay engine's interface as agreed with the `relay` branch; replaced by
// that branch's header at merge.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "web/http_message.hpp"
#include "web/http_stream.hpp"

namespace gatehouse::apps {

struct upstream_target {
  bool tls = false;
  std::string host, port, ca_file, base_path;
  std::string authority() const;
};
std::variant<upstream_target, std::string> parse_upstream(const std::string& url,
                                                          const std::string& ca_file);
struct relay_limits {
  std::size_t max_header_bytes = 16 * 1024;
  std::uint64_t max_upload_bytes = 4ull << 30;
  std::chrono::milliseconds client_header_time{15'000};
  std::chrono::milliseconds connect_time{5'000}, response_header_time{60'000},
      idle_time{120'000};
  std::size_t pool_per_app = 32;
  std::size_t max_requests_per_connection = 10'000;
};
class upstream_pool {
 public:
  upstream_pool(boost::asio::any_io_executor, upstream_target, relay_limits);
  ~upstream_pool();
  void close_idle();
  std::size_t idle() const;
  const upstream_target& target() const;
};
class connection_end {
 public:
  void end(std::string reason);
  bool ended() const;
};
struct admission {
  enum class kind { forward, answer } what = kind::answer;
  web::web_reply answer;
  upstream_pool* pool = nullptr;
  std::string origin;
  std::vector<std::pair<std::string, std::string>> add_headers;
  std::vector<std::string> drop_cookies;
  bool drop_authorization = false;
  bool close_after = false;
};
struct exchange_record {
  std::string method, path;
  int status = 0;
  std::uint64_t bytes_in = 0, bytes_out = 0;
  std::chrono::milliseconds duration{0};
  bool websocket = false;
  std::string error;
};
class app_connection_handler {
 public:
  virtual ~app_connection_handler() = default;
  virtual boost::asio::awaitable<admission> admit(const web::request_header& request,
                                                  const std::string& peer,
                                                  std::shared_ptr<connection_end> conn) = 0;
  virtual void completed(const exchange_record& r) = 0;
};
boost::asio::awaitable<void> serve_app_connection(web::taken_connection& c,
                                                  app_connection_handler& h, relay_limits limits);

}  // namespace gatehouse::apps
