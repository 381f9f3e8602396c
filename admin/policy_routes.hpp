#pragma once
// The admin API's requests and grants endpoints, over gate_service (so that held
// connections and timers learn of every change at once).
//
//   GET  /v1/requests[?state=S]            list, newest first
//   POST /v1/requests                      {target: "account@server", for, reason, duration?, emergency?, as?}
//   GET  /v1/requests/ID
//   POST /v1/requests/ID/approve           {as?, comment?, until? | duration?}
//   POST /v1/requests/ID/deny              {as?, comment?}
//   POST /v1/requests/ID/cancel            {as?}
//   POST /v1/requests/ID/comment           {as?, text}
//   POST /v1/requests/ID/reassign          {as, to}
//   GET  /v1/grants[?state=S]
//   POST /v1/grants/ID/revoke              {as?}
//
// Without `as` the caller acts as the administrator: approve/deny override the rule and decide
// the whole request (recorded as by `admin`). With `as` it is that person's own action.
#include <optional>

#include "admin/http_types.hpp"

namespace gatehouse::policy {
class gate_service;
}

namespace gatehouse::admin {

// nullopt when the path is not one of these endpoints.
std::optional<http_reply> handle_policy_route(policy::gate_service& gate,
                                              const http_request& request);

}  // namespace gatehouse::admin
