#include "audit/syslog_forwarder.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <optional>

#include "audit/syslog_format.hpp"

namespace gatehouse::audit {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using udp = asio::ip::udp;

struct syslog_forwarder::impl : std::enable_shared_from_this<impl> {
  impl(asio::io_context& io, std::string url, bool over_tcp, std::string host, std::string port,
       std::size_t limit)
      : io(io),
        url(std::move(url)),
        over_tcp(over_tcp),
        host(std::move(host)),
        port(std::move(port)),
        limit(limit),
        tcp_socket(io),
        udp_socket(io),
        retry(io) {}

  asio::io_context& io;
  std::string url;
  bool over_tcp;
  std::string host, port;
  std::size_t limit;

  mutable std::mutex mutex;  // guards queue and scheduled
  std::deque<std::string> queue;
  bool scheduled = false;

  std::atomic<std::uint64_t> sent{0}, dropped{0};
  std::uint64_t dropped_reported = 0;
  std::chrono::steady_clock::time_point last_drop_log{};
  bool stopped = false, connected = false, connecting = false, writing = false;
  tcp::socket tcp_socket;
  udp::socket udp_socket;
  udp::endpoint udp_target;
  asio::steady_timer retry;
  std::chrono::seconds backoff{1};
  std::string in_flight;

  void submit(std::string message) {
    bool post = false;
    {
      std::lock_guard lock(mutex);
      if (queue.size() >= limit) {
        ++dropped;
      } else {
        queue.push_back(std::move(message));
      }
      if (!scheduled) post = scheduled = true;
    }
    if (post) asio::post(io, [self = shared_from_this()] { self->pump(); });
  }

  void report_drops() {
    auto d = dropped.load();
    auto now = std::chrono::steady_clock::now();
    if (d != dropped_reported && now - last_drop_log >= std::chrono::seconds(10)) {
      spdlog::warn("audit syslog {}: {} message(s) dropped (queue full or collector down)", url,
                   d - dropped_reported);
      dropped_reported = d;
      last_drop_log = now;
    }
  }

  std::optional<std::string> next() {
    std::lock_guard lock(mutex);
    if (queue.empty()) {
      scheduled = false;
      return std::nullopt;
    }
    auto m = std::move(queue.front());
    queue.pop_front();
    return m;
  }

  void pump() {
    report_drops();
    if (stopped) return;
    if (!over_tcp) return pump_udp();
    if (!connected) {
      connect();
      std::lock_guard lock(mutex);
      scheduled = false;
      return;
    }
    if (writing) return;
    auto m = next();
    if (!m) return;
    in_flight = octet_counted(*m);
    writing = true;
    asio::async_write(tcp_socket, asio::buffer(in_flight),
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                        self->writing = false;
                        if (ec) {
                          ++self->dropped;
                          self->disconnected(ec.message());
                          return;
                        }
                        ++self->sent;
                        self->pump();
                      });
  }

  void pump_udp() {
    if (!udp_socket.is_open()) {
      boost::system::error_code ec;
      udp::resolver resolver(io);
      auto results = resolver.resolve(host, port, ec);
      if (ec || results.empty()) {
        spdlog::error("audit syslog {}: cannot resolve: {}", url, ec.message());
        retry_later();
        return;
      }
      udp_target = *results.begin();
      udp_socket.open(udp_target.protocol(), ec);
      if (ec) {
        retry_later();
        return;
      }
    }
    if (writing) return;
    auto m = next();
    if (!m) return;
    in_flight = std::move(*m);
    writing = true;
    udp_socket.async_send_to(
        asio::buffer(in_flight), udp_target,
        [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
          self->writing = false;
          if (ec)
            ++self->dropped;
          else
            ++self->sent;
          self->pump();
        });
  }

  void connect() {
    if (connecting) return;
    connecting = true;
    boost::system::error_code ec;
    tcp::resolver resolver(io);
    auto results = resolver.resolve(host, port, ec);
    if (ec || results.empty()) {
      connecting = false;
      disconnected("cannot resolve " + host);
      return;
    }
    tcp_socket.async_connect(*results.begin(),
                             [self = shared_from_this()](boost::system::error_code ec) {
                               self->connecting = false;
                               if (ec) return self->disconnected(ec.message());
                               spdlog::info("audit syslog {}: connected", self->url);
                               self->connected = true;
                               self->backoff = std::chrono::seconds(1);
                               self->pump();
                             });
  }

  void disconnected(const std::string& why) {
    if (stopped) return;
    if (connected)
      spdlog::warn("audit syslog {}: connection lost: {}", url, why);
    else
      spdlog::warn("audit syslog {}: cannot connect: {}", url, why);
    connected = false;
    boost::system::error_code ignored;
    tcp_socket.close(ignored);
    retry_later();
  }

  void retry_later() {
    retry.expires_after(backoff);
    backoff = std::min(backoff * 2, std::chrono::seconds(30));
    retry.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->pump();
    });
  }

  void stop() {
    stopped = true;
    boost::system::error_code ignored;
    retry.cancel();
    tcp_socket.close(ignored);
    udp_socket.close(ignored);
  }
};

std::unique_ptr<syslog_forwarder> syslog_forwarder::create(asio::io_context& io,
                                                           const std::string& url,
                                                           std::string& error,
                                                           std::size_t queue_limit) {
  auto scheme_end = url.find("://");
  auto scheme = url.substr(0, scheme_end == std::string::npos ? 0 : scheme_end);
  if (scheme != "udp" && scheme != "tcp") {
    error = "audit.syslog: " + url + ": only udp:// and tcp:// are supported";
    return nullptr;
  }
  auto rest = url.substr(scheme_end + 3);
  auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon + 1 == rest.size()) {
    error = "audit.syslog: " + url + ": expected HOST:PORT";
    return nullptr;
  }
  auto host = rest.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  return std::unique_ptr<syslog_forwarder>(new syslog_forwarder(
      std::make_shared<impl>(io, url, scheme == "tcp", host, rest.substr(colon + 1), queue_limit)));
}

syslog_forwarder::~syslog_forwarder() = default;

void syslog_forwarder::submit(std::string message) { impl_->submit(std::move(message)); }

void syslog_forwarder::stop() {
  asio::post(impl_->io, [i = impl_] { i->stop(); });
}

boost::json::object syslog_forwarder::status() const {
  std::size_t queued = 0;
  {
    std::lock_guard lock(impl_->mutex);
    queued = impl_->queue.size();
  }
  return {{"url", impl_->url},
          {"sent", impl_->sent.load()},
          {"dropped", impl_->dropped.load()},
          {"queued", queued},
          {"connected", impl_->over_tcp ? impl_->connected : true}};
}

}  // namespace gatehouse::audit
