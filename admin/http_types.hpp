#pragma once
// Socket-free request/reply of the admin API: what the HTTP layer hands to the routes and
// gets back. No Beast or Asio here, so routes compile fast and test without sockets.
#include <functional>
#include <string>

namespace gatehouse::admin {

struct http_request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path with query, e.g. "/v1/requests?state=pending"
  std::string body;    // JSON text, may be empty
  std::string peer;    // OS user on the other end of the socket (SO_PEERCRED), for the audit
};

struct http_reply {
  int status = 200;
  std::string body;  // JSON text
  // When set, the reply is what this returns, run off the io thread (a read of the audit
  // log): it must not touch the daemon's state, only what it captured.
  std::function<http_reply()> off_thread{};
};

}  // namespace gatehouse::admin
