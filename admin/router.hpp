#pragma once
// The admin API: maps (method, path) to operations and answers JSON. Socket-free; the HTTP
// layer (unix_http_server) calls handle() on the daemon's io_context.
//
// Routes (all JSON):
//   GET  /v1/status                       daemon status
//   POST /v1/reload                       reload the configuration
#include "admin/daemon_control.hpp"
#include "admin/http_types.hpp"

namespace gatehouse::admin {

class router {
 public:
  explicit router(daemon_control& control) : control_(control) {}
  http_reply handle(const http_request& request);

 private:
  daemon_control& control_;
};

// {"error": message} with the given status.
http_reply error_reply(int status, const std::string& message);

}  // namespace gatehouse::admin
