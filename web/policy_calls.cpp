#include "web/policy_calls.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "admin/policy_routes.hpp"
#include "core/json_text.hpp"

namespace gatehouse::web {

namespace json = boost::json;

std::string policy_outcome::error() const {
  if (ok()) return {};
  if (const auto* o = body.if_object())
    if (const auto* e = o->if_contains("error"); e && e->is_string())
      return std::string(e->get_string());
  return "the operation failed";
}

policy_outcome call_policy(policy::gate_service& gate, const std::string& method,
                           const std::string& target, json::object body,
                           const std::string& person) {
  body["as"] = person;
  admin::http_request in{method, target, method == "POST" ? json_serialize(body) : "",
                         "web:" + person};
  auto reply = admin::handle_policy_route(gate, in);
  if (!reply) return {404, json::object{{"error", "no such endpoint"}}};
  std::error_code ec;
  auto parsed = json_parse_text(reply->body, ec);
  if (ec) return {500, json::object{{"error", "unreadable reply"}}};
  return {reply->status, std::move(parsed)};
}

}  // namespace gatehouse::web
