#pragma once
// Readiness of a socket that libssh owns, for the Asio event loop (research/tech.md §1.3).
// libssh does all reads and writes itself (it polls its fd before each); Asio only tells us
// *when* to call back into libssh. The watch waits on a dup() of libssh's descriptor, so
// that libssh may close its own fd at any moment (it does on errors and on a peer's
// DISCONNECT) without leaving a stale epoll registration or an fd number that a new
// connection could reuse. close() cancels the waits and closes the duplicate only.
//
// Owned by one connection; used on the io_context thread only.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <functional>

namespace gatehouse::proxy::ssh {

class socket_watch {
 public:
  explicit socket_watch(const boost::asio::any_io_executor& executor) : descriptor_(executor) {}
  socket_watch(const socket_watch&) = delete;
  socket_watch& operator=(const socket_watch&) = delete;
  ~socket_watch() { close(); }

  // Starts watching `fd` (duplicated; the caller keeps `fd`). False when dup() fails.
  bool watch(int fd);
  bool watching() const { return descriptor_.is_open(); }

  // Arms a wait for readability (unless `want_read` is false: reading paused) and, with
  // `want_write`, for writability; `ready` runs when either completes (not after close()).
  // `ready` should hold its owner alive.
  void arm(bool want_write, const std::function<void()>& ready, bool want_read = true);

  void close();
  // Stops watching and hands over the duplicate (-1 when not watching): it keeps the socket
  // open after libssh closes its own fd (see lingering_close.hpp).
  int release();

 private:
  boost::asio::posix::stream_descriptor descriptor_;
  bool read_armed_ = false;
  bool write_armed_ = false;
};

}  // namespace gatehouse::proxy::ssh
