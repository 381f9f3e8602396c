#include "admin/router.hpp"

#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include "admin/audit_routes.hpp"
#include "admin/policy_routes.hpp"
#include "core/json_text.hpp"
#include "operations/operations.hpp"
#include "policy/audit_sink.hpp"

namespace gatehouse::admin {

namespace json = boost::json;

http_reply error_reply(int status, const std::string& message) {
  return {status, json_serialize(json::object{{"error", message}})};
}

http_reply router::handle(const http_request& request) {
  std::string_view path = request.target;
  if (auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
  if (request.method == "GET") return route(request, path);
  spdlog::info("admin: {} {} by {}", request.method, path, request.peer);
  auto reply = route(request, path);
  if (audit_ != nullptr) {
    policy::audit_event e;
    e.name = "admin.action";
    e.at =
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    e.fields = {{"actor", request.peer},
                {"method", request.method},
                {"path", std::string(path)},
                {"status", std::to_string(reply.status)}};
    e.json_fields = {"status"};
    if (!request.body.empty()) {
      e.fields["body"] = request.body;
      e.json_fields.insert("body");
    }
    audit_->record(e);
  }
  return reply;
}

http_reply router::route(const http_request& request, std::string_view path) {
  if (path == "/v1/status") {
    if (request.method != "GET") return error_reply(405, "use GET");
    return {200, json_serialize(control_.status())};
  }
  if (path == "/v1/reload") {
    if (request.method != "POST") return error_reply(405, "use POST");
    if (auto why = control_.reload(request.peer); !why.empty()) return error_reply(422, why);
    return {200, json_serialize(json::object{{"reloaded", true}})};
  }
  if (path == "/v1/ca") {  // `gatehouse ca export`: the TrustedUserCAKeys lines
    if (request.method != "GET") return error_reply(405, "use GET");
    auto lines = control_.trusted_ca_lines();
    if (lines.empty()) return error_reply(404, "no user CA is configured (ssh.ca_key)");
    json::array keys;
    for (auto& line : lines) keys.emplace_back(line);
    return {200, json_serialize(json::object{{"trusted_user_ca_keys", std::move(keys)}})};
  }
  if (path == "/v1/sessions") {
    if (request.method != "GET") return error_reply(405, "use GET");
    return {200, json_serialize(control_.sessions())};
  }
  constexpr std::string_view sessions_prefix = "/v1/sessions/";
  if (path.starts_with(sessions_prefix) && path.ends_with("/kill")) {
    if (request.method != "POST") return error_reply(405, "use POST");
    std::string id(path.substr(sessions_prefix.size(), path.size() - sessions_prefix.size() -
                                                           std::string_view("/kill").size()));
    if (auto killed = ops_.kill_session(id, request.peer); !killed) {
      if (auto elsewhere = control_.kill_elsewhere(id, request.peer)) return std::move(*elsewhere);
      return error_reply(404, killed.message());
    }
    return {200, json_serialize(json::object{{"killed", id}})};
  }
  if (auto reply = handle_policy_route(ops_, request)) return *reply;
  if (auto reply = handle_audit_route(control_.audit_log_path(), request,
                                      [this] { return control_.audit_verify_options(); }))
    return *reply;
  return error_reply(404, "no such endpoint: " + std::string(path));
}

}  // namespace gatehouse::admin
