// /api/v1/... for signed-in people (the admin API's endpoints, admin/policy_routes, as that
// person and scoped to what they may see) and /metrics.
#include <boost/json/serialize.hpp>

#include "admin/policy_routes.hpp"
#include "approval/secrets.hpp"
#include "core/json_text.hpp"
#include "core/web_text.hpp"
#include "operations/operations.hpp"
#include "policy/async/gate_service.hpp"
#include "web/app.hpp"

namespace gatehouse::web {

namespace json = boost::json;

namespace {
web_reply json_reply(int status, std::string body) {
  return {status, "application/json", std::move(body), {}};
}
web_reply json_error(int status, const std::string& message) {
  return json_reply(status, json_serialize(json::object{{"error", message}}));
}
}  // namespace

web_reply app::api_routes(const web_request& r, std::string_view path, const session& s) {
  auto& ops = context_.operations;
  const std::string& me = s.person;
  std::string query;
  if (auto q = r.target.find('?'); q != std::string::npos) query = r.target.substr(q);
  constexpr std::string_view prefix = "/api/v1/";
  if (!path.starts_with(prefix)) return json_error(404, "no such endpoint");
  auto parts = path_segments(path.substr(prefix.size()));

  if (parts.size() == 1 && parts[0] == "me" && r.method == "GET")
    return json_reply(200, json_serialize(json::object{{"person", me}}));
  if (parts.empty() || (parts[0] != "requests" && parts[0] != "grants"))
    return json_error(404, "no such endpoint");
  if (r.method == "POST") {
    if (!r.content_type.starts_with("application/json"))
      return json_error(415, "send application/json");
  } else if (r.method != "GET") {
    return json_error(405, "use GET or POST");
  }

  // A person sees the requests they filed, are an approver or a fulfiller of, and their grants.
  admin::route_caller caller;
  caller.person = me;
  auto cfg = context_.current_config();
  caller.sees_request = [&me, cfg](const policy::request& q) { return may_see(*cfg, q, me); };
  caller.sees_grant = [&](const policy::grant& g) {
    if (g.person == me) return true;
    auto q = ops.get_request(g.request);
    return q && may_see(*cfg, *q, me);
  };
  const std::string v1 = "/v1/" + std::string(path.substr(prefix.size()));
  auto reply = admin::handle_policy_route(ops, {r.method, v1 + query, r.body, "web:" + me}, caller);
  if (!reply) return json_error(404, "no such endpoint");
  return json_reply(reply->status, std::move(reply->body));
}

web_reply app::metrics(const web_request& r) {
  auto cfg = context_.current_config();
  if (const auto& token = cfg->listen.http ? cfg->listen.http->metrics_token : std::string();
      !token.empty()) {
    constexpr std::string_view bearer = "Bearer ";
    const bool ok =
        r.authorization.starts_with(bearer) &&
        approval::equal_secrets(std::string_view(r.authorization).substr(bearer.size()), token);
    if (!ok) {
      web_reply refused{401, "text/plain; charset=utf-8", "send the metrics bearer token\n", {}};
      refused.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"gatehouse metrics\"");
      return refused;
    }
  }
  // Only counters kept in memory: a scrape never reads the store.
  const std::string label = "{instance=\"" + cfg->instance_name + "\"}";
  std::string out;
  auto metric = [&](const std::string& name, const char* type, const char* help,
                    const std::string& labels, auto value) {
    out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    out += name + labels + " " + std::to_string(value) + "\n";
  };
  metric("gatehouse_held_connections", "gauge", "Connections held waiting for a decision.", label,
         context_.held_connections ? context_.held_connections() : 0);
  const auto requests = context_.gate.counts();
  metric("gatehouse_requests", "gauge", "Access requests pending now.",
         "{instance=\"" + cfg->instance_name + "\",state=\"pending\"}", requests.pending);
  metric("gatehouse_requests_filed_total", "counter", "Access requests filed since start.", label,
         requests.filed);
  out +=
      "# HELP gatehouse_requests_ended_total Access requests ended since start, by state.\n"
      "# TYPE gatehouse_requests_ended_total counter\n";
  for (const auto& [state, n] : requests.ended)
    out += "gatehouse_requests_ended_total{instance=\"" + cfg->instance_name + "\",state=\"" +
           state + "\"} " + std::to_string(n) + "\n";
  metric("gatehouse_web_sign_ins_total", "counter", "Web sign-ins since start.", label, sign_ins_);
  if (traffic_) {
    metric("gatehouse_http_connections_open", "gauge", "Open HTTPS connections.", label,
           traffic_->open);
    metric("gatehouse_http_connections_refused_total", "counter",
           "HTTPS connections refused at the connection cap.", label, traffic_->refused);
    metric("gatehouse_http_requests_total", "counter", "HTTPS requests served.", label,
           traffic_->requests);
    metric("gatehouse_http_received_bytes_total", "counter", "HTTPS request bytes.", label,
           traffic_->bytes_in);
    metric("gatehouse_http_sent_bytes_total", "counter", "HTTPS response bytes.", label,
           traffic_->bytes_out);
  }
  if (context_.mail_metrics) out += context_.mail_metrics();
  if (context_.connection_metrics) out += context_.connection_metrics();
  return {200, "text/plain; version=0.0.4; charset=utf-8", out, {}};
}

}  // namespace gatehouse::web
