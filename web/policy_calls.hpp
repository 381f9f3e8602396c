#pragma once
// The web's way into the policy operations: the admin API's routes (admin/policy_routes), called
// with `as` set to the signed-in person, so the web and the admin socket share one code path
// for filing, deciding, commenting, reassigning, cancelling and revoking.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string>

namespace gatehouse::policy {
class gate_service;
}

namespace gatehouse::web {

struct policy_outcome {
  int status = 200;
  boost::json::value body;  // the request/grant JSON, or {"error": ...}
  bool ok() const { return status == 200; }
  std::string error() const;  // the error message, "" when ok
};

// `method` "GET"/"POST", `target` an admin API path ("/v1/requests/7/approve"). `body["as"]` is
// overwritten with `person`: nobody acts as the administrator from the web.
policy_outcome call_policy(policy::gate_service& gate, const std::string& method,
                           const std::string& target, boost::json::object body,
                           const std::string& person);

}  // namespace gatehouse::web
