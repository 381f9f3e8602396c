#include "audit/syslog_forwarder.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <optional>

#include "audit/syslog_format.hpp"

namespace gatehouse::audit {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using udp = asio::ip::udp;
using tls_stream = ssl::stream<tcp::socket>;

enum class transport { udp, tcp, tls };

// The client context for tls:// (RFC 5425): TLS 1.2 or newer, the collector's certificate
// verified against `ca_file` (PEM) or the system's CAs. Null with `error` set.
static std::unique_ptr<ssl::context> tls_client_context(const std::string& ca_file,
                                                        std::string& error) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::no_compression);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  if (ca_file.empty())
    ctx->set_default_verify_paths(ec);
  else
    ctx->load_verify_file(ca_file, ec);
  if (ec) {
    error = "audit.syslog_ca_file: cannot load " +
            (ca_file.empty() ? std::string("the system's CAs") : ca_file) + ": " + ec.message();
    return nullptr;
  }
  ctx->set_verify_mode(ssl::verify_peer);
  return ctx;
}

struct syslog_forwarder::impl : std::enable_shared_from_this<impl> {
  impl(asio::io_context& io, std::string url, transport over, std::string host, std::string port,
       std::size_t limit, std::unique_ptr<ssl::context> tls_context)
      : io(io),
        url(std::move(url)),
        over(over),
        host(std::move(host)),
        port(std::move(port)),
        limit(limit),
        tls_context(std::move(tls_context)),
        tcp_socket(io),
        udp_socket(io),
        retry(io) {}

  asio::io_context& io;
  std::string url;
  transport over;
  std::string host, port;
  std::size_t limit;

  mutable std::mutex mutex;  // guards queue and scheduled
  std::deque<std::string> queue;
  bool scheduled = false;

  std::atomic<std::uint64_t> sent{0}, dropped{0};
  std::uint64_t dropped_reported = 0;
  std::chrono::steady_clock::time_point last_drop_log{};
  bool stopped = false, connected = false, connecting = false, writing = false;
  bool waiting_to_retry = false;              // the backoff timer runs: submit() must not reconnect
  std::unique_ptr<ssl::context> tls_context;  // tls:// only
  std::shared_ptr<tls_stream> tls;            // a fresh one per connection
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
    if (over == transport::udp) return pump_udp();
    if (!connected) {
      if (!waiting_to_retry) connect();  // else the backoff timer reconnects
      std::lock_guard lock(mutex);
      scheduled = false;
      return;
    }
    if (writing) return;
    auto m = next();
    if (!m) return;
    in_flight = octet_counted(*m);
    writing = true;
    auto done = [self = shared_from_this(), keep = tls](boost::system::error_code ec, std::size_t) {
      self->writing = false;
      if (ec) {
        ++self->dropped;
        self->disconnected(ec.message());
        return;
      }
      ++self->sent;
      self->pump();
    };
    if (tls)
      asio::async_write(*tls, asio::buffer(in_flight), std::move(done));
    else
      asio::async_write(tcp_socket, asio::buffer(in_flight), std::move(done));
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
    if (over == transport::tls) {
      tls = std::make_shared<tls_stream>(io, *tls_context);
      if (!expect_certificate_for_host()) {
        connecting = false;
        disconnected("cannot set up TLS for " + host);
        return;
      }
    }
    auto& socket = tls ? tls->next_layer() : tcp_socket;
    socket.async_connect(*results.begin(),
                         [self = shared_from_this(), keep = tls](boost::system::error_code ec) {
                           if (ec) {
                             self->connecting = false;
                             return self->disconnected(ec.message());
                           }
                           if (keep) return self->handshake();
                           self->up();
                         });
  }

  // SNI for a name, and the check OpenSSL makes during the handshake: the certificate must
  // name `host` (a DNS name, or an IP address in its subjectAltName).
  bool expect_certificate_for_host() {
    SSL* ssl = tls->native_handle();
    boost::system::error_code ec;
    asio::ip::make_address(host, ec);
    if (!ec) return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) == 1;
    return SSL_set_tlsext_host_name(ssl, host.c_str()) == 1 &&
           SSL_set1_host(ssl, host.c_str()) == 1;
  }

  void handshake() {
    tls->async_handshake(ssl::stream_base::client,
                         [self = shared_from_this(), keep = tls](boost::system::error_code ec) {
                           if (!ec) return self->up();
                           self->connecting = false;
                           long verify = SSL_get_verify_result(keep->native_handle());
                           if (verify != X509_V_OK)
                             return self->untrusted(X509_verify_cert_error_string(verify));
                           self->disconnected("TLS handshake failed: " + ec.message());
                         });
  }

  void up() {
    connecting = false;
    spdlog::info("audit syslog {}: connected", url);
    connected = true;
    backoff = std::chrono::seconds(1);
    pump();
  }

  // The collector's certificate is not trusted: nothing may go to it. What waits is dropped
  // (and counted) rather than kept for a collector that may be an impostor.
  void untrusted(const std::string& why) {
    std::size_t lost = 0;
    {
      std::lock_guard lock(mutex);
      lost = queue.size();
      queue.clear();
    }
    dropped += lost;
    spdlog::error(
        "audit syslog {}: the collector's certificate is NOT TRUSTED ({}); {} message(s) "
        "dropped, nothing is sent until it presents a valid certificate for {}",
        url, why, lost, host);
    disconnected("certificate not trusted");
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
    if (tls) tls->next_layer().close(ignored);
    retry_later();
  }

  void retry_later() {
    waiting_to_retry = true;
    retry.expires_after(backoff);
    backoff = std::min(backoff * 2, std::chrono::seconds(30));
    retry.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      self->waiting_to_retry = false;
      if (!ec) self->pump();
    });
  }

  void stop() {
    stopped = true;
    boost::system::error_code ignored;
    retry.cancel();
    tcp_socket.close(ignored);
    if (tls) tls->next_layer().close(ignored);
    udp_socket.close(ignored);
  }
};

std::unique_ptr<syslog_forwarder> syslog_forwarder::create(asio::io_context& io,
                                                           const std::string& url,
                                                           const std::string& ca_file,
                                                           std::string& error,
                                                           std::size_t queue_limit) {
  auto scheme_end = url.find("://");
  auto scheme = url.substr(0, scheme_end == std::string::npos ? 0 : scheme_end);
  if (scheme != "udp" && scheme != "tcp" && scheme != "tls") {
    error = "audit.syslog: " + url + ": only udp://, tcp:// and tls:// are supported";
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
  std::unique_ptr<ssl::context> tls_context;
  if (scheme == "tls" && !(tls_context = tls_client_context(ca_file, error))) return nullptr;
  auto over = scheme == "tls" ? transport::tls : scheme == "tcp" ? transport::tcp : transport::udp;
  return std::unique_ptr<syslog_forwarder>(new syslog_forwarder(std::make_shared<impl>(
      io, url, over, host, rest.substr(colon + 1), queue_limit, std::move(tls_context))));
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
          {"connected", impl_->over == transport::udp || impl_->connected}};
}

}  // namespace gatehouse::audit
