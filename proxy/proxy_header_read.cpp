#include "proxy/proxy_header_read.hpp"

#include <sys/socket.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

namespace gatehouse::proxy {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

class header_read : public std::enable_shared_from_this<header_read> {
 public:
  using callback = std::function<void(tcp::socket, proxy_header_outcome)>;

  header_read(tcp::socket socket, callback done)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), done_(std::move(done)) {}

  void start(std::chrono::steady_clock::duration timeout) {
    timer_.expires_after(timeout);
    timer_.async_wait([self = shared_from_this(), timeout](boost::system::error_code ec) {
      if (ec) return;
      auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout).count();
      self->finish("no PROXY header within " + std::to_string(seconds) + " s");
    });
    wait_for_bytes();
  }

 private:
  void wait_for_bytes() {
    socket_.async_wait(tcp::socket::wait_read,
                       [self = shared_from_this()](boost::system::error_code ec) {
                         if (self->finished_) return;
                         if (ec) return self->finish("connection failed: " + ec.message());
                         self->take_what_arrived();
                       });
  }

  // Peeks at what has arrived (never more than a header may take), asks the parser, and
  // removes from the socket only the bytes that are the header's.
  void take_what_arrived() {
    std::array<unsigned char, proxy_protocol::most_header_bytes> peeked;
    const std::size_t room = peeked.size() - taken_.size();
    const ssize_t n = ::recv(socket_.native_handle(), peeked.data(), room, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
      return wait_for_bytes();
    if (n < 0) return finish(std::string("connection failed: ") + std::strerror(errno));
    if (n == 0) return finish("connection closed before its PROXY header ended");
    std::vector<unsigned char> so_far(taken_);
    so_far.insert(so_far.end(), peeked.begin(), peeked.begin() + n);
    auto parsed = proxy_protocol::parse(so_far);
    if (auto* e = std::get_if<proxy_protocol::error>(&parsed)) return finish(e->reason);
    if (auto* h = std::get_if<proxy_protocol::header>(&parsed)) {
      if (!consume(h->length - taken_.size())) return;
      return finish(std::move(*h));
    }
    // need_more: every byte seen belongs to the header, so all of it may be taken.
    if (!consume(static_cast<std::size_t>(n))) return;
    taken_ = std::move(so_far);
    wait_for_bytes();
  }

  // Removes `count` bytes already peeked at (so present) from the socket.
  bool consume(std::size_t count) {
    std::array<unsigned char, 512> sink;
    while (count > 0) {
      const ssize_t n =
          ::recv(socket_.native_handle(), sink.data(), std::min(count, sink.size()), MSG_DONTWAIT);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        finish(std::string("connection failed while its PROXY header was read: ") +
               (n == 0 ? "closed" : std::strerror(errno)));
        return false;
      }
      count -= static_cast<std::size_t>(n);
    }
    return true;
  }

  void finish(proxy_header_outcome outcome) {
    if (finished_) return;
    finished_ = true;
    timer_.cancel();
    boost::system::error_code ignored;
    socket_.cancel(ignored);
    // Handed back from the executor, never inside a handler that still uses `this`.
    asio::post(socket_.get_executor(),
               [self = shared_from_this(), o = std::move(outcome)]() mutable {
                 self->done_(std::move(self->socket_), std::move(o));
               });
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  callback done_;
  std::vector<unsigned char> taken_;  // header bytes already removed from the socket
  bool finished_ = false;
};

}  // namespace

void read_proxy_header(tcp::socket socket, std::chrono::steady_clock::duration timeout,
                       std::function<void(tcp::socket, proxy_header_outcome)> done) {
  auto read = std::make_shared<header_read>(std::move(socket), std::move(done));
  read->start(timeout);
}

}  // namespace gatehouse::proxy
