#include "proxy/ssh/socket_watch.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace gatehouse::proxy::ssh {

namespace asio = boost::asio;

bool socket_watch::watch(int fd) {
  close();
  int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return false;
  boost::system::error_code ec;
  descriptor_.assign(copy, ec);
  if (ec) {
    ::close(copy);
    return false;
  }
  return true;
}

void socket_watch::arm(bool want_write, const std::function<void()>& ready, bool want_read) {
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

void socket_watch::close() {
  boost::system::error_code ignored;
  if (descriptor_.is_open()) descriptor_.close(ignored);
  read_armed_ = write_armed_ = false;
}

}  // namespace gatehouse::proxy::ssh

namespace gatehouse::proxy::ssh {

int socket_watch::release() {
  read_armed_ = write_armed_ = false;
  if (!descriptor_.is_open()) return -1;
  return descriptor_.release();  // pending waits complete with operation_aborted
}

}  // namespace gatehouse::proxy::ssh
