#include "web/https_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <array>
#include <list>
#include <unordered_map>

#include "core/peer_address.hpp"

namespace gatehouse::web {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

namespace {
// TLS 1.2 suites: forward secret AEAD only. TLS 1.3 suites are all AEAD (OpenSSL defaults).
constexpr const char* tls12_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

void set_protective_headers(http::response<http::string_body>& res) {
  res.set(http::field::server, "gatehoused");
  res.set(http::field::strict_transport_security, "max-age=31536000");
  if (res.find("Content-Security-Policy") == res.end())
    res.set("Content-Security-Policy", content_security_policy);
  res.set("X-Content-Type-Options", "nosniff");
  res.set("X-Frame-Options", "DENY");
  // Token pages carry secrets in their URL: never let it leak to another site.
  res.set("Referrer-Policy", "no-referrer");
  if (res.find(http::field::cache_control) == res.end())
    res.set(http::field::cache_control, "no-store");
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
}  // namespace

struct https_server::state : std::enable_shared_from_this<state> {
  ssl::context tls{ssl::context::tls_server};
  asio::any_io_executor executor;
  handler on_request;
  server_limits limits;
  traffic_counters counters;
  std::list<beast::tcp_stream*> open_streams;
  std::unordered_map<std::string, std::size_t> open_by_source;
  bool stopped = false;
  asio::thread_pool worker{1};  // runs web_reply::off_thread work, one at a time

  state(asio::any_io_executor ex, handler h, const server_limits& l)
      : executor(std::move(ex)), on_request(std::move(h)), limits(l) {}

  std::string configure_tls(const std::string& cert_file, const std::string& key_file) {
    tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                    ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                    ssl::context::single_dh_use | ssl::context::no_compression);
    SSL_CTX* native = tls.native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (SSL_CTX_set_cipher_list(native, tls12_ciphers) != 1) return "no usable TLS ciphers";
    boost::system::error_code ec;
    tls.use_certificate_chain_file(cert_file, ec);
    if (ec) return "tls_cert " + cert_file + ": cannot be loaded (" + ec.message() + ")";
    tls.use_private_key_file(key_file, ssl::context::pem, ec);
    if (ec) return "tls_key " + key_file + ": cannot be loaded (" + ec.message() + ")";
    if (SSL_CTX_check_private_key(native) != 1)
      return "tls_key " + key_file + " does not match tls_cert " + cert_file;
    return {};
  }

  web_reply call_handler(const http::request<http::string_body>& req, const std::string& peer) {
    web_request in;
    in.method = std::string(req.method_string());
    in.target = std::string(req.target());
    in.body = req.body();
    if (auto it = req.find(http::field::content_type); it != req.end())
      in.content_type = std::string(it->value());
    if (auto it = req.find(http::field::cookie); it != req.end())
      in.cookie = std::string(it->value());
    if (auto it = req.find(http::field::origin); it != req.end())
      in.origin = std::string(it->value());
    if (auto it = req.find(http::field::authorization); it != req.end())
      in.authorization = std::string(it->value());
    if (auto it = req.find("Sec-Fetch-Site"); it != req.end())
      in.fetch_site = std::string(it->value());
    in.peer = peer;
    try {
      return on_request(in);
    } catch (const std::exception& e) {
      spdlog::error("web: {} {}: {}", in.method, in.target.substr(0, in.target.find('?')),
                    e.what());
      return web_reply{500, "text/plain; charset=utf-8", "internal error\n", {}};
    }
  }

  // Runs `work` on the worker thread, then hands its reply back to the io thread, where the
  // awaiting coroutine resumes. (Not co_spawn onto the pool: in Boost 1.83 its frame was
  // destroyed on the pool while the io thread still read the result - a crash.)
  auto off_thread(std::function<web_reply()> work, std::string what) {
    return asio::async_initiate<decltype(asio::use_awaitable), void(web_reply)>(
        [this](auto handler, std::function<web_reply()> work, std::string what) {
          asio::post(worker, [handler = std::move(handler), work = std::move(work),
                              what = std::move(what), io = executor]() mutable {
            web_reply reply;
            try {
              reply = work();
            } catch (const std::exception& e) {
              spdlog::error("web: {}: {}", what, e.what());
              reply = web_reply{500, "text/plain; charset=utf-8", "internal error\n", {}};
            }
            asio::post(io, [handler = std::move(handler), reply = std::move(reply)]() mutable {
              std::move(handler)(std::move(reply));
            });
          });
        },
        asio::use_awaitable, std::move(work), std::move(what));
  }

  // After an error reply the client may still be sending the rest of its request; closing
  // with unread data would reset the connection and lose the reply. Read and discard a bounded
  // amount for a short while first (a lingering close).
  static asio::awaitable<void> drain(tls_stream& stream) {
    auto& lowest = beast::get_lowest_layer(stream);
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

  asio::awaitable<void> serve(tcp::socket socket, std::string peer, std::string source) {
    auto self = shared_from_this();
    tls_stream stream(beast::tcp_stream(std::move(socket)), tls);
    auto& lowest = beast::get_lowest_layer(stream);
    auto registered = open_streams.insert(open_streams.end(), &lowest);
    ++counters.open;
    ++open_by_source[source];
    struct unregister {
      state& s;
      std::list<beast::tcp_stream*>::iterator it;
      std::string source;
      ~unregister() {
        s.open_streams.erase(it);
        --s.counters.open;
        if (auto n = s.open_by_source.find(source); n != s.open_by_source.end() && --n->second == 0)
          s.open_by_source.erase(n);
      }
    } guard{*this, registered, source};

    lowest.expires_after(limits.handshake_time);
    auto [hec] = co_await stream.async_handshake(ssl::stream_base::server,
                                                 asio::as_tuple(asio::use_awaitable));
    if (hec) {
      spdlog::debug("web: TLS handshake with {} failed: {}", peer, hec.message());
      co_return;
    }
    beast::flat_buffer buffer(limits.max_header_bytes + limits.max_body_bytes);
    bool keep_going = true;
    for (std::size_t n = 0; keep_going && n < limits.max_requests_per_connection && !stopped; ++n) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
      parser.body_limit(limits.max_body_bytes);
      lowest.expires_after(limits.request_time);
      auto [ec, read] =
          co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
      counters.bytes_in += read;
      if (ec) {
        http::response<http::string_body> res;
        if (ec == http::error::header_limit)
          res = plain_error(http::status::request_header_fields_too_large, "headers too large\n");
        else if (ec == http::error::body_limit)
          res = plain_error(http::status::payload_too_large, "request body too large\n");
        else if (ec.category() ==
                     beast::http::make_error_code(http::error::bad_target).category() &&
                 ec != http::error::end_of_stream && ec != http::error::partial_message)
          res = plain_error(http::status::bad_request, "malformed request\n");
        else
          break;  // closed, timed out, or TLS failed: nothing to answer
        lowest.expires_after(std::chrono::seconds(5));
        auto [wec, wrote] =
            co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
        counters.bytes_out += wrote;
        if (!wec) co_await drain(stream);
        break;
      }
      ++counters.requests;
      const auto& req = parser.get();
      web_reply out = call_handler(req, peer);
      if (out.off_thread) {
        auto target = std::string(req.target());
        out = co_await off_thread(std::move(out.off_thread), target.substr(0, target.find('?')));
      }
      http::response<http::string_body> res{static_cast<http::status>(out.status), req.version()};
      res.set(http::field::content_type, out.content_type);
      for (auto& [name, value] : out.headers) res.insert(name, value);
      set_protective_headers(res);
      res.keep_alive(req.keep_alive());
      res.body() = std::move(out.body);
      res.prepare_payload();
      if (req.method() == http::verb::head) res.body().clear();  // length kept, body not sent
      keep_going = res.keep_alive();
      lowest.expires_after(limits.request_time);
      auto [wec, wrote] =
          co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
      counters.bytes_out += wrote;
      if (wec) co_return;
    }
    lowest.expires_after(std::chrono::seconds(2));
    co_await stream.async_shutdown(asio::as_tuple(asio::use_awaitable));
  }
};

std::variant<std::unique_ptr<https_server>, std::string> https_server::create(
    asio::any_io_executor executor, const std::string& cert_file, const std::string& key_file,
    handler on_request, server_limits limits) {
  auto st = std::make_shared<state>(std::move(executor), std::move(on_request), limits);
  if (auto why = st->configure_tls(cert_file, key_file); !why.empty())
    return "http listener: " + why;
  return std::unique_ptr<https_server>(new https_server(std::move(st)));
}

https_server::https_server(std::shared_ptr<state> s) : state_(std::move(s)) {}
https_server::~https_server() { stop(); }

void https_server::accept(tcp::socket socket, std::string peer) {
  auto& st = *state_;
  ++st.counters.connections;
  auto source = source_address(peer);
  auto from_source = st.open_by_source.find(source);
  if (st.stopped || st.counters.open >= st.limits.max_connections ||
      (from_source != st.open_by_source.end() &&
       from_source->second >= st.limits.max_connections_per_source)) {
    ++st.counters.refused;
    boost::system::error_code ignored;
    socket.close(ignored);
    return;
  }
  asio::co_spawn(st.executor, st.serve(std::move(socket), std::move(peer), std::move(source)),
                 asio::detached);
}

void https_server::stop() {
  state_->stopped = true;
  for (auto* s : state_->open_streams) s->cancel();
  // A search under way finishes (it hands its reply to the io_context, which must still
  // exist); queued ones are dropped.
  state_->worker.stop();
  state_->worker.join();
}

const traffic_counters& https_server::counters() const { return state_->counters; }

}  // namespace gatehouse::web
