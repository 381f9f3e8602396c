// The HTTPS listener (web/https_server.hpp): TLS setup, the connection caps, one coroutine per
// connection that reads a request's headers, asks the router, and then answers from a string,
// lends the connection to a streaming route (web/http_stream.cpp) or hands it over. Owns the
// open connections' registry (stop() cancels each: its socket and whatever it awaits) and the
// worker thread for web_reply::off_thread. Everything else runs on the daemon's io thread.
#include "web/https_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <list>
#include <unordered_map>

#include "core/peer_address.hpp"
#include "web/http_stream.hpp"
#include "web/http_wire.hpp"

namespace gatehouse::web {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using head_parser = http::request_parser<http::empty_body>;

// What follows a request on its connection.
enum class then { next_request, close, drop };  // close: TLS close_notify first; drop: at once

namespace {
// TLS 1.2 suites: forward secret AEAD only. TLS 1.3 suites are all AEAD (OpenSSL defaults).
constexpr const char* tls12_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

const web_reply internal_error{500, "text/plain; charset=utf-8", "internal error\n", {}};

std::string header_value(const request_header& req, http::field name) {
  auto it = req.find(name);
  return it == req.end() ? std::string() : std::string(it->value());
}

// The request as the routes see it; the body is filled in for a string route.
web_request light_request(const request_header& req, const std::string& peer) {
  web_request in;
  in.method = std::string(req.method_string());
  in.target = std::string(req.target());
  in.content_type = header_value(req, http::field::content_type);
  in.cookie = header_value(req, http::field::cookie);
  in.origin = header_value(req, http::field::origin);
  in.peer = peer;
  in.authorization = header_value(req, http::field::authorization);
  if (auto it = req.find("Sec-Fetch-Site"); it != req.end())
    in.fetch_site = std::string(it->value());
  in.host = header_value(req, http::field::host);
  return in;
}

std::string path_of(const web_request& in) { return in.target.substr(0, in.target.find('?')); }

// A declared body over `limit` is refused before a byte of it is read.
bool declares_too_much(const head_parser& parser, std::uint64_t limit) {
  auto length = parser.content_length();
  return length && *length > limit;
}
}  // namespace

struct https_server::state : std::enable_shared_from_this<state> {
  struct open_connection {
    tls_stream* stream = nullptr;
    std::shared_ptr<asio::cancellation_signal> cancel;  // ends whatever the coroutine awaits
  };

  ssl::context tls{ssl::context::tls_server};
  asio::any_io_executor executor;
  handler on_request;
  router choose;
  server_limits limits;
  traffic_counters counters;
  std::list<open_connection> open_connections;
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
    // An idle connection (a WebSocket, a keep-alive wait) keeps no TLS read/write buffers.
    SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
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

  web_reply call_handler(const web_request& in) {
    try {
      return on_request(in);
    } catch (const std::exception& e) {
      spdlog::error("web: {} {}: {}", in.method, path_of(in), e.what());
      return internal_error;
    }
  }

  route choose_route(const web_request& in) {
    if (!choose) return {};
    try {
      return choose(in);
    } catch (const std::exception& e) {
      spdlog::error("web: routing {} {}: {}", in.method, path_of(in), e.what());
      return {};
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
              reply = internal_error;
            }
            asio::post(io, [handler = std::move(handler), reply = std::move(reply)]() mutable {
              std::move(handler)(std::move(reply));
            });
          });
        },
        asio::use_awaitable, std::move(work), std::move(what));
  }

  // A string route: the body up to max_body_bytes (under the request's time, which runs on
  // from the headers), then the handler's reply.
  asio::awaitable<then> answer_from_string(tls_stream& stream, beast::flat_buffer& buffer,
                                           head_parser&& head, web_request in) {
    if (declares_too_much(head, limits.max_body_bytes)) {
      co_await refuse(stream,
                      plain_error(http::status::payload_too_large, "request body too large\n"),
                      counters);
      co_return then::close;
    }
    if (!head.is_done()) {
      if (co_await continue_if_expected(stream, head.get(), counters)) co_return then::drop;
    }
    http::request_parser<http::string_body> parser{std::move(head)};
    parser.body_limit(limits.max_body_bytes);
    auto [ec, read] =
        co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    counters.bytes_in += read;
    if (ec == http::error::body_limit) {
      co_await refuse(stream,
                      plain_error(http::status::payload_too_large, "request body too large\n"),
                      counters);
      co_return then::close;
    }
    if (ec) co_return then::close;  // closed, timed out, malformed body, or TLS failed
    const auto& req = parser.get();
    in.body = req.body();
    web_reply out = call_handler(in);
    if (out.off_thread) out = co_await off_thread(std::move(out.off_thread), path_of(in));
    http::response<http::string_body> res{static_cast<http::status>(out.status), req.version()};
    res.set(http::field::content_type, out.content_type);
    for (auto& [name, value] : out.headers) res.insert(name, value);
    set_protective_headers(res);
    res.keep_alive(req.keep_alive());
    res.body() = std::move(out.body);
    res.prepare_payload();
    if (req.method() == http::verb::head) res.body().clear();  // length kept, body not sent
    beast::get_lowest_layer(stream).expires_after(limits.request_time);
    auto [wec, wrote] =
        co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
    counters.bytes_out += wrote;
    if (wec) co_return then::drop;
    co_return res.keep_alive() ? then::next_request : then::close;
  }

  // A streaming route, under its own body limit and the idle time.
  asio::awaitable<then> stream_through(tls_stream& stream, beast::flat_buffer& buffer,
                                       head_parser&& head, const route& chosen,
                                       const web_request& in) {
    auto limit = chosen.max_body_bytes.value_or(limits.max_body_bytes);
    if (declares_too_much(head, limit)) {
      co_await refuse(stream,
                      plain_error(http::status::payload_too_large, "request body too large\n"),
                      counters);
      co_return then::close;
    }
    streamed_exchange exchange(
        {stream, buffer, counters, limits.stream_idle_time, limit, in.peer, !stopped},
        std::move(head));
    try {
      co_await chosen.stream(exchange);
    } catch (const std::exception& e) {
      spdlog::error("web: streaming {} {}: {}", in.method, path_of(in), e.what());
    }
    if (!exchange.reply_started()) {
      if (exchange.body_error() == http::error::body_limit)
        co_await refuse(stream,
                        plain_error(http::status::payload_too_large, "request body too large\n"),
                        counters);
      else if (exchange.body_error())
        co_return then::drop;  // the client stalled or left
      else
        co_await refuse(
            stream, plain_error(http::status::internal_server_error, "internal error\n"), counters);
      co_return then::close;
    }
    if (exchange.failed()) co_return then::drop;
    co_return exchange.reusable() && !stopped ? then::next_request : then::close;
  }

  asio::awaitable<void> serve(tcp::socket socket, std::string peer, std::string source,
                              std::shared_ptr<asio::cancellation_signal> cancel) {
    auto self = shared_from_this();
    tls_stream stream(std::move(socket), tls);
    auto& lowest = beast::get_lowest_layer(stream);
    auto registered =
        open_connections.insert(open_connections.end(), open_connection{&lowest, cancel});
    ++counters.open;
    ++open_by_source[source];
    struct unregister {
      state& s;
      std::list<open_connection>::iterator it;
      std::string source;
      ~unregister() {
        s.open_connections.erase(it);
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
    then next = then::next_request;
    for (std::size_t n = 0;
         next == then::next_request && n < limits.max_requests_per_connection && !stopped; ++n) {
      head_parser head;
      head.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
      head.body_limit(boost::none);  // the route's limit applies once it is chosen
      lowest.expires_after(limits.request_time);
      auto [ec, read] = co_await read_request_head(stream, buffer, head, limits.max_header_bytes);
      counters.bytes_in += read;
      if (ec) {
        if (ec == http::error::header_limit)
          co_await refuse(
              stream,
              plain_error(http::status::request_header_fields_too_large, "headers too large\n"),
              counters);
        else if (ec.category() ==
                     beast::http::make_error_code(http::error::bad_target).category() &&
                 ec != http::error::end_of_stream && ec != http::error::partial_message)
          co_await refuse(stream, plain_error(http::status::bad_request, "malformed request\n"),
                          counters);
        break;  // else closed, timed out, or TLS failed: nothing to answer
      }
      ++counters.requests;
      web_request in = light_request(head.get(), peer);
      route chosen = choose_route(in);
      if (chosen.take_over) {
        lowest.expires_never();  // the route keeps its own time
        taken_connection taken{stream, head, head.get(), buffer, peer, counters};
        try {
          co_await chosen.take_over(taken);
        } catch (const std::exception& e) {
          spdlog::debug("web: taken-over {} {} ended: {}", in.method, path_of(in), e.what());
        }
        co_return;
      }
      if (chosen.stream)
        next = co_await stream_through(stream, buffer, std::move(head), chosen, in);
      else
        next = co_await answer_from_string(stream, buffer, std::move(head), std::move(in));
    }
    if (next == then::drop) co_return;
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

void https_server::set_router(router choose) { state_->choose = std::move(choose); }

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
  auto cancel = std::make_shared<asio::cancellation_signal>();
  // The handler keeps the signal alive as long as the coroutine may still use its slot.
  asio::co_spawn(st.executor,
                 st.serve(std::move(socket), std::move(peer), std::move(source), cancel),
                 asio::bind_cancellation_slot(cancel->slot(), [cancel](std::exception_ptr) {}));
}

void https_server::stop() {
  state_->stopped = true;
  for (auto& c : state_->open_connections) {
    c.stream->cancel();
    c.cancel->emit(asio::cancellation_type::terminal);
  }
  // A search under way finishes (it hands its reply to the io_context, which must still
  // exist); queued ones are dropped.
  state_->worker.stop();
  state_->worker.join();
}

const traffic_counters& https_server::counters() const { return state_->counters; }

}  // namespace gatehouse::web
