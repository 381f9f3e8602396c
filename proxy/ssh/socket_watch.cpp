#include "proxy/ssh/socket_watch.hpp"

#include <spdlog/spdlog.h>

#include <unordered_map>

namespace gatehouse::proxy::ssh {

namespace asio = boost::asio;

namespace {

// Which watch holds each fd number, per thread. Each io thread (`workers`) runs an
// io_context with an epoll set of its own: a number libssh closed on one thread and a socket
// accepted meanwhile on another do not meet in one epoll set, so only a reuse on the same
// thread is a missed sync (and there the sync rule above holds, as nothing runs in between).
std::unordered_map<int, socket_watch*>& registry() {
  thread_local std::unordered_map<int, socket_watch*> watches;
  return watches;
}

}  // namespace

bool socket_watch::watch(ssh_session session, int fd) {
  release();
  if (session == nullptr || fd < 0) return false;
  socket_watch* stale = nullptr;
  if (auto [it, added] = registry().try_emplace(fd, this); !added)
    stale = std::exchange(it->second, this);
  if (stale != nullptr) {
    // Its libssh closed the fd and nobody synced: the number is reused by our new socket,
    // which Asio does not watch yet, so letting go of the old registration is still safe.
    spdlog::error("socket_watch: fd {} was still watched after libssh closed it (missed sync)", fd);
    stale->fd_ = -1;  // the registry entry is ours now
    stale->release();
  }
  boost::system::error_code ec;
  descriptor_.assign(fd, ec);
  if (ec) {
    registry().erase(fd);
    return false;
  }
  session_ = session;
  fd_ = fd;
  adopted_ = ssh_get_fd(session) == fd;
  return true;
}

void socket_watch::sync() {
  if (!descriptor_.is_open()) return;
  if (ssh_get_fd(session_) == fd_)
    adopted_ = true;
  else if (adopted_)
    release();
}

void socket_watch::arm(bool want_write, const std::function<void()>& ready, bool want_read) {
  sync();
  if (!descriptor_.is_open()) return;
  if (want_read && !read_armed_) {
    read_armed_ = true;
    descriptor_.async_wait(asio::posix::descriptor_base::wait_read,
                           [this, ready](boost::system::error_code ec) {
                             if (ec == asio::error::operation_aborted) return;
                             read_armed_ = false;
                             ready();
                           });
  }
  if (want_write && !write_armed_) {
    write_armed_ = true;
    descriptor_.async_wait(asio::posix::descriptor_base::wait_write,
                           [this, ready](boost::system::error_code ec) {
                             if (ec == asio::error::operation_aborted) return;
                             write_armed_ = false;
                             ready();
                           });
  }
}

void socket_watch::release() {
  read_armed_ = write_armed_ = false;
  if (fd_ >= 0) {
    if (auto it = registry().find(fd_); it != registry().end() && it->second == this)
      registry().erase(it);
  }
  fd_ = -1;
  session_ = nullptr;
  adopted_ = false;
  if (descriptor_.is_open()) {
    // epoll_ctl(DEL): the fd is still libssh's, or closed and not yet reused by a socket
    // Asio watches (see sync()); either way nothing else is affected. Never closes.
    descriptor_.release();
  }
}

}  // namespace gatehouse::proxy::ssh
