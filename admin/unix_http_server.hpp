#pragma once
// HTTP/1.1 on the admin Unix socket (Beast). Each connection is one coroutine on the daemon's
// io_context; requests are capped in size and time. The socket file is created with mode 0660
// (never reachable by others, whatever the umask) and given the operators' group
// (`listen.admin.group`), so membership of that group is the permission. Without one it keeps
// the daemon's own group.
#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <memory>
#include <string>
#include <variant>

#include "admin/http_types.hpp"

namespace gatehouse::admin {

class unix_http_server {
 public:
  using handler = std::function<http_reply(const http_request&)>;

  // Fails with a one-line reason when the path is taken by a live daemon, cannot be bound, or
  // cannot be given `group` ("" = none: the daemon's own group).
  static std::variant<std::unique_ptr<unix_http_server>, std::string> bind(
      boost::asio::any_io_executor executor, const std::string& path, const std::string& group,
      handler on_request);
  ~unix_http_server();

  void start();
  void stop();  // stops accepting and removes the socket file

 private:
  struct state;
  explicit unix_http_server(std::shared_ptr<state> s);
  std::shared_ptr<state> state_;
};

}  // namespace gatehouse::admin
