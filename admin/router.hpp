#pragma once
// The admin API: maps (method, path) to operations and answers JSON. Socket-free; the HTTP
// layer (unix_http_server) calls handle() on the daemon's io_context.
//
//   GET  /v1/status                  daemon status
//   POST /v1/reload                  reload the configuration
//   GET  /v1/sessions                live sessions
//   POST /v1/sessions/ID/kill        end a live session (operations::service::kill_session)
//   /v1/requests…, /v1/grants…       see policy_routes.hpp
//   GET  /v1/audit…                  see audit_routes.hpp
// Every call that is not a GET is recorded as an `admin.action` event (actor: the OS user on
// the other end of the socket) when an audit sink is given.
#include "admin/daemon_control.hpp"
#include "admin/http_types.hpp"

namespace gatehouse::policy {
class audit_sink;
}
namespace gatehouse::operations {
class service;
}

namespace gatehouse::admin {

class router {
 public:
  router(daemon_control& control, operations::service& ops, policy::audit_sink* audit = nullptr)
      : control_(control), ops_(ops), audit_(audit) {}
  http_reply handle(const http_request& request);

 private:
  http_reply route(const http_request& request, std::string_view path);

  daemon_control& control_;
  operations::service& ops_;
  policy::audit_sink* audit_;
};

// {"error": message} with the given status.
http_reply error_reply(int status, const std::string& message);

}  // namespace gatehouse::admin
