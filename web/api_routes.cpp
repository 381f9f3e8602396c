// /api/v1/... for signed-in people (the admin API's operations as that person, scoped to what
// they may see) and /metrics.
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "approval/secrets.hpp"
#include "approval/token_store.hpp"
#include "core/json_text.hpp"
#include "policy/async/gate_service.hpp"
#include "web/app.hpp"
#include "web/forms.hpp"
#include "web/policy_calls.hpp"

namespace gatehouse::web {

namespace json = boost::json;

namespace {
web_reply json_reply(int status, const json::value& v) {
  return {status, "application/json", json_serialize(v), {}};
}
web_reply json_error(int status, const std::string& message) {
  return json_reply(status, json::object{{"error", message}});
}

// A request's JSON (admin/json_views) names its requester and approvers by level.
bool may_see_json(const json::value& v, const std::string& person) {
  const auto* o = v.if_object();
  if (!o) return false;
  if (const auto* r = o->if_contains("requester"); r && r->is_string() && r->get_string() == person)
    return true;
  if (const auto* levels = o->if_contains("approvers"); levels && levels->is_array())
    for (const auto& level : levels->get_array())
      if (const auto* names = level.as_object().if_contains("approvers");
          names && names->is_array())
        for (const auto& n : names->get_array())
          if (n.is_string() && n.get_string() == person) return true;
  return false;
}
}  // namespace

web_reply app::api_routes(const web_request& r, std::string_view path, const session& s) {
  auto& access = context_.gate.access();
  const std::string& me = s.person;
  std::string query;
  if (auto q = r.target.find('?'); q != std::string::npos) query = r.target.substr(q);
  constexpr std::string_view prefix = "/api/v1/";
  if (!path.starts_with(prefix)) return json_error(404, "no such endpoint");
  auto parts = path_segments(path.substr(prefix.size()));
  const std::string v1 = "/v1/" + std::string(path.substr(prefix.size()));

  if (parts.size() == 1 && parts[0] == "me" && r.method == "GET")
    return json_reply(200, json::object{{"person", me}});
  if (parts.empty() || (parts[0] != "requests" && parts[0] != "grants"))
    return json_error(404, "no such endpoint");

  if (r.method == "POST") {
    if (!r.content_type.starts_with("application/json"))
      return json_error(415, "send application/json");
    json::object body;
    if (!r.body.empty()) {
      std::error_code ec;
      auto v = json_parse_text(r.body, ec);
      if (ec || !v.is_object()) return json_error(400, "the request body must be a JSON object");
      body = std::move(v.as_object());
    }
    if (parts.size() == 1 && parts[0] == "requests") {
      body["for"] = me;
    } else if (parts.size() >= 2 && parts[0] == "requests") {
      auto got = call_policy(context_.gate, "GET", "/v1/requests/" + std::string(parts[1]), {}, me);
      if (!got.ok() || !may_see_json(got.body, me)) return json_error(404, "no such request");
    }
    auto outcome = call_policy(context_.gate, "POST", v1, std::move(body), me);
    return json_reply(outcome.status, outcome.body);
  }
  if (r.method != "GET") return json_error(405, "use GET or POST");

  auto outcome = call_policy(context_.gate, "GET", v1 + query, {}, me);
  if (!outcome.ok()) return json_reply(outcome.status, outcome.body);
  if (parts[0] == "requests") {
    if (parts.size() == 1) {
      json::array visible;
      for (auto& item : outcome.body.as_array())
        if (may_see_json(item, me)) visible.push_back(std::move(item));
      return json_reply(200, visible);
    }
    if (!may_see_json(outcome.body, me)) return json_error(404, "no such request");
    return json_reply(200, outcome.body);
  }
  auto visible_grant = [&](const json::value& g) {
    const auto& o = g.as_object();
    if (o.at("person").as_string() == me) return true;
    auto q = access.get_request(o.at("request_id").as_int64());
    return q && may_see(*q, me);
  };
  if (parts.size() == 1) {
    json::array visible;
    for (auto& item : outcome.body.as_array())
      if (visible_grant(item)) visible.push_back(std::move(item));
    return json_reply(200, visible);
  }
  if (!visible_grant(outcome.body)) return json_error(404, "no such grant");
  return json_reply(200, outcome.body);
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
  return {200, "text/plain; version=0.0.4; charset=utf-8", out, {}};
}

}  // namespace gatehouse::web
