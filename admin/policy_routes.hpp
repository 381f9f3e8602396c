#pragma once
// The admin API's requests and grants endpoints: a thin JSON <-> typed adapter over the
// operations API (operations::service), which tells the gate service of every change itself.
//
//   GET  /v1/requests[?state=S]            list, newest first
//   POST /v1/requests                      {target: "account@server", for, reason, start?
//                                          (RFC 3339 or +2h), duration? | until?, approvers?
//                                          ("bob,carol" or an array), emergency?, as?}
//   GET  /v1/requests/ID
//   POST /v1/requests/ID/approve           {as?, comment?, until? | duration?}
//   POST /v1/requests/ID/deny              {as?, comment?}
//   POST /v1/requests/ID/cancel            {as?}
//   POST /v1/requests/ID/comment           {as?, text}
//   POST /v1/requests/ID/reassign          {as, to}
//   GET  /v1/grants[?state=S]
//   POST /v1/grants/ID/revoke              {as?, comment?}
//   POST /v1/http-tokens                   {app, for, valid?}: a personal HTTP token for `for`
//                                          ({token, person, app, url}; the token is in the reply
//                                          only, never in the audit)
//
// Without `as` the caller acts as the administrator: approve/deny override the rule and decide
// the whole request (recorded as by `admin`). With `as` it is that person's own action.
//
// The web's /api/v1 serves the same endpoints to a signed-in person (route_caller): they act,
// file and get HTTP tokens as themself whatever `as` and `for` say, and what they may not see
// answers 404 as if it did not exist. Socket-free; called on the io_context's thread.
#include <functional>
#include <optional>
#include <string>

#include "admin/http_types.hpp"
#include "policy/grant.hpp"
#include "policy/request.hpp"
#include "policy/result.hpp"

namespace gatehouse::operations {
class service;
}

namespace gatehouse::admin {

struct route_caller {
  // Set: the person acting and filing (`as` and `for` are not read). Unset: the admin socket.
  std::optional<std::string> person{};
  // When set, requests and grants outside them are left out of lists and answer 404 ("no such
  // request", "no such grant"), also to an action on that request.
  std::function<bool(const policy::request&)> sees_request{};
  std::function<bool(const policy::grant&)> sees_grant{};
};

// nullopt when the path is not one of these endpoints.
std::optional<http_reply> handle_policy_route(operations::service& ops, const http_request& request,
                                              const route_caller& caller = {});

// The HTTP status of an operation's error: 404 not found, 409 refused or conflict, 422 invalid,
// 500 internal.
int status_for(policy::error_code code);
// The HTTP status of arguments that did not parse (operations::parse_request_action): 404 for
// an unknown action, 400 otherwise.
int status_for_arguments(policy::error_code code);

}  // namespace gatehouse::admin
