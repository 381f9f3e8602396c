#include "proxy/ssh/lingering_close.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <memory>

namespace gatehouse::proxy::ssh {

namespace asio = boost::asio;

namespace {

struct linger_state : std::enable_shared_from_this<linger_state> {
  linger_state(const asio::any_io_executor& executor, int fd)
      : socket(executor, fd), timer(executor) {}

  void drain() {
    socket.async_read_some(asio::buffer(sink),
                           [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                             if (ec) return self->end();  // EOF: the person closed as well
                             self->drain();
                           });
  }

  void end() {
    boost::system::error_code ignored;
    timer.cancel();
    socket.close(ignored);
  }

  asio::posix::stream_descriptor socket;
  asio::steady_timer timer;
  std::array<char, 1024> sink{};
};

}  // namespace

void lingering_close(const asio::any_io_executor& executor, int fd,
                     std::chrono::milliseconds limit) {
  if (fd < 0) return;
  if (::shutdown(fd, SHUT_WR) != 0) {  // not connected any more: nothing to wait for
    ::close(fd);
    return;
  }
  auto state = std::make_shared<linger_state>(executor, fd);
  state->timer.expires_after(limit);
  state->timer.async_wait([state](boost::system::error_code ec) {
    if (!ec) state->end();
  });
  state->drain();
}

}  // namespace gatehouse::proxy::ssh
