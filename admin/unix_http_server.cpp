#include "admin/unix_http_server.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <vector>

namespace gatehouse::admin {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using unix_socket = asio::local::stream_protocol;
using stream =
    beast::basic_stream<unix_socket, asio::any_io_executor, beast::unlimited_rate_policy>;

namespace {
constexpr std::size_t max_body = 1 << 20;
constexpr auto request_timeout = std::chrono::seconds(30);

std::string peer_user(int fd) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return "unknown";
  if (passwd* pw = getpwuid(cred.uid)) return pw->pw_name;
  return "uid:" + std::to_string(cred.uid);
}

// True when something answers on the socket path: another daemon owns it.
bool socket_is_live(const std::string& path) {
  asio::io_context probe;
  unix_socket::socket s(probe);
  boost::system::error_code ec;
  s.connect(unix_socket::endpoint(path), ec);
  return !ec;
}
}  // namespace

struct unix_http_server::state : std::enable_shared_from_this<state> {
  unix_socket::acceptor acceptor;
  asio::steady_timer retry;  // pause after a failed accept (EMFILE): no busy loop
  std::string path;
  handler on_request;
  asio::thread_pool worker{1};  // runs http_reply::off_thread work, one at a time

  state(asio::any_io_executor ex, std::string p, handler h)
      : acceptor(ex), retry(ex), path(std::move(p)), on_request(std::move(h)) {}

  // Runs `work` on the worker thread, then hands its reply back to the io thread, where the
  // awaiting coroutine resumes (as web/https_server.cpp does, and for the same reason: a plain
  // post there and back, not co_spawn onto the pool).
  auto off_thread(std::function<http_reply()> work, std::string what) {
    return asio::async_initiate<decltype(asio::use_awaitable), void(http_reply)>(
        [this](auto handler, std::function<http_reply()> work, std::string what) {
          asio::post(worker, [handler = std::move(handler), work = std::move(work),
                              what = std::move(what), io = acceptor.get_executor()]() mutable {
            http_reply reply;
            try {
              reply = work();
            } catch (const std::exception& e) {
              spdlog::error("admin: {}: {}", what, e.what());
              reply = http_reply{500, R"({"error":"internal error"})"};
            }
            asio::post(io, [handler = std::move(handler), reply = std::move(reply)]() mutable {
              std::move(handler)(std::move(reply));
            });
          });
        },
        asio::use_awaitable, std::move(work), std::move(what));
  }

  asio::awaitable<void> serve(unix_socket::socket socket) {
    std::string peer = peer_user(socket.native_handle());
    stream s(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(max_body);
      parser.header_limit(16 * 1024);
      s.expires_after(request_timeout);
      auto [ec, n] =
          co_await http::async_read(s, buffer, parser, asio::as_tuple(asio::use_awaitable));
      (void)n;
      if (ec) {
        if (ec != http::error::end_of_stream && ec != asio::error::eof &&
            ec != beast::error::timeout && ec != asio::error::operation_aborted) {
          http::response<http::string_body> bad{http::status::bad_request, 11};
          bad.set(http::field::content_type, "application/json");
          bad.body() = R"({"error":"malformed request"})";
          bad.prepare_payload();
          bad.keep_alive(false);
          co_await http::async_write(s, bad, asio::as_tuple(asio::use_awaitable));
        }
        break;
      }
      auto& req = parser.get();
      http_request in{std::string(req.method_string()), std::string(req.target()), req.body(),
                      peer};
      http_reply out = on_request(in);
      if (out.off_thread)
        out = co_await off_thread(std::move(out.off_thread),
                                  in.target.substr(0, in.target.find('?')));
      http::response<http::string_body> res{static_cast<http::status>(out.status), req.version()};
      res.set(http::field::content_type, "application/json");
      res.set(http::field::server, "gatehoused");
      res.keep_alive(req.keep_alive());
      res.body() = std::move(out.body);
      res.prepare_payload();
      auto [wec, wn] = co_await http::async_write(s, res, asio::as_tuple(asio::use_awaitable));
      (void)wn;
      if (wec || !res.keep_alive()) break;
    }
    boost::system::error_code ignored;
    s.socket().shutdown(unix_socket::socket::shutdown_both, ignored);
  }

  void accept_next() {
    acceptor.async_accept(
        [self = shared_from_this()](boost::system::error_code ec, unix_socket::socket socket) {
          if (!self->acceptor.is_open()) return;
          if (!ec) {
            asio::co_spawn(self->acceptor.get_executor(), self->serve(std::move(socket)),
                           asio::detached);
          } else if (ec != asio::error::operation_aborted) {
            spdlog::warn("admin socket: accept failed: {} (retrying in 100 ms)", ec.message());
            self->retry.expires_after(std::chrono::milliseconds(100));
            self->retry.async_wait([self](boost::system::error_code wec) {
              if (!wec && self->acceptor.is_open()) self->accept_next();
            });
            return;
          }
          self->accept_next();
        });
  }
};

std::variant<std::unique_ptr<unix_http_server>, std::string> unix_http_server::bind(
    asio::any_io_executor executor, const std::string& path, const std::string& group,
    handler on_request) {
  auto fail = [&](const std::string& why) { return "admin socket " + path + ": " + why; };
  std::error_code fec;
  if (std::filesystem::is_socket(path, fec)) {
    if (socket_is_live(path)) return fail("in use by another running gatehoused");
    std::filesystem::remove(path, fec);
  } else if (std::filesystem::exists(path, fec)) {
    return fail("exists and is not a socket");
  }
  gid_t gid = static_cast<gid_t>(-1);
  if (!group.empty()) {
    struct group entry {};
    struct group* found = nullptr;
    std::vector<char> buffer(16384);
    if (::getgrnam_r(group.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 || !found)
      return fail("no group '" + group + "' on this host");
    gid = found->gr_gid;
  }
  auto st = std::make_shared<state>(executor, path, std::move(on_request));
  boost::system::error_code ec;
  // Create the socket with no permissions for others from the first instant.
  mode_t old_mask = ::umask(0117);
  st->acceptor.open(unix_socket(), ec);
  if (!ec) st->acceptor.bind(unix_socket::endpoint(path), ec);
  ::umask(old_mask);
  if (ec) return fail(ec.message());
  // The group before listen(): nobody outside it can connect meanwhile (mode 0660, the
  // daemon's group). The daemon's user must be a member of `group` (or root).
  if (gid != static_cast<gid_t>(-1) && ::chown(path.c_str(), static_cast<uid_t>(-1), gid) != 0) {
    std::string why = std::strerror(errno);
    std::filesystem::remove(path, fec);
    return fail("cannot give it group '" + group + "': " + why +
                " (the daemon's user must be a member of the group)");
  }
  if (::chmod(path.c_str(), 0660) != 0) return fail(std::string("chmod: ") + std::strerror(errno));
  if (st->acceptor.listen(asio::socket_base::max_listen_connections, ec); ec)
    return fail(ec.message());
  return std::unique_ptr<unix_http_server>(new unix_http_server(std::move(st)));
}

unix_http_server::unix_http_server(std::shared_ptr<state> s) : state_(std::move(s)) {}
unix_http_server::~unix_http_server() { stop(); }

void unix_http_server::start() { state_->accept_next(); }

void unix_http_server::stop() {
  if (!state_->acceptor.is_open()) return;
  boost::system::error_code ignored;
  state_->acceptor.close(ignored);
  state_->retry.cancel();
  state_->worker.stop();
  state_->worker.join();
  std::error_code fec;
  std::filesystem::remove(state_->path, fec);
}

}  // namespace gatehouse::admin
