#pragma once
// Readiness of a socket that libssh owns, for the Asio event loop (research/tech.md §1.3).
// libssh does all reads and writes itself (it polls its fd before each); Asio only tells us
// *when* to call back into libssh.
//
// The watch waits on libssh's own descriptor: one fd per socket, so that 10,000 held
// connections fit a limit of 20,000 descriptors. libssh closes that fd by itself inside
// its calls (on a read or write error, on the peer's EOF or DISCONNECT). From then on the
// number is free, and a socket opened later may get it: Asio would then remove the new
// socket's epoll registration when this watch lets go. So the owner calls sync() after it
// has called into libssh and before control returns to the event loop (arm() does it
// first): sync() lets go of the registration as soon as the session's fd has changed.
// watch() also checks that no other watch still holds the number (a missed sync), lets go
// of that one and logs it.
//
// Owned by one connection; used on its io thread only (the check above is per thread).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <libssh/libssh.h>

#include <functional>

namespace gatehouse::proxy::ssh {

class socket_watch {
 public:
  explicit socket_watch(const boost::asio::any_io_executor& executor) : descriptor_(executor) {}
  socket_watch(const socket_watch&) = delete;
  socket_watch& operator=(const socket_watch&) = delete;
  ~socket_watch() { release(); }

  // Starts watching `fd`, the session's socket (an SSH_OPTIONS_FD socket becomes the
  // session's at ssh_connect(); until then sync() leaves it alone). False when Asio cannot.
  bool watch(ssh_session session, int fd);
  bool watching() const { return descriptor_.is_open(); }

  // Lets go of the registration when libssh has closed (or replaced) the watched fd.
  void sync();

  // Arms a wait for readability (unless `want_read` is false: reading paused) and, with
  // `want_write`, for writability; `ready` runs when either completes (not after release()).
  // `ready` should hold its owner alive. Syncs first.
  void arm(bool want_write, const std::function<void()>& ready, bool want_read = true);

  // Stops watching; never closes the fd (libssh owns it). Pending waits are dropped.
  void release();

 private:
  boost::asio::posix::stream_descriptor descriptor_;
  ssh_session session_ = nullptr;
  int fd_ = -1;
  bool adopted_ = false;  // libssh has taken fd_ (ssh_get_fd() returned it)
  bool read_armed_ = false;
  bool write_armed_ = false;
};

}  // namespace gatehouse::proxy::ssh
