#include "admin/policy_routes.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include <charconv>
#include <vector>

#include "admin/json_views.hpp"
#include "admin/router.hpp"
#include "core/duration.hpp"
#include "core/json_text.hpp"
#include "core/web_text.hpp"
#include "policy/async/gate_service.hpp"

namespace gatehouse::admin {

namespace json = boost::json;
using policy::error_code;

namespace {

struct bad_input {
  std::string message;
};

int status_for(error_code code) {
  switch (code) {
    case error_code::not_found: return 404;
    case error_code::refused:
    case error_code::conflict: return 409;
    case error_code::invalid: return 422;
    case error_code::internal: return 500;
  }
  return 500;
}

template <typename T>
http_reply reply_with(const policy::result<T>& r) {
  if (!r) return error_reply(status_for(r.code()), r.message());
  return {200, json_serialize(to_json(*r))};
}

std::optional<std::int64_t> parse_id(std::string_view text) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || p != text.data() + text.size() || v <= 0) return std::nullopt;
  return v;
}

// The value of `key` in "a=1&state=pending" (no percent-decoding needed for our values).
std::optional<std::string> query_value(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    if (auto eq = pair.find('='); eq != std::string_view::npos && pair.substr(0, eq) == key)
      return std::string(pair.substr(eq + 1));
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
  }
  return std::nullopt;
}

template <typename T>
http_reply reply_with_list(const policy::result<std::vector<T>>& r) {
  if (!r) return error_reply(status_for(r.code()), r.message());
  return {200, json_serialize(to_json_array(*r))};
}

// "?state=S" parsed by `parse` (request or grant states); absent means no filter.
template <typename Parse>
auto state_filter(std::string_view query, Parse parse) -> decltype(parse(std::string_view{})) {
  auto text = query_value(query, "state");
  if (!text) return std::nullopt;
  auto state = parse(*text);
  if (!state) throw bad_input{"unknown state '" + *text + "'"};
  return state;
}

json::object parse_body(const std::string& body) {
  if (body.empty()) return {};
  std::error_code ec;
  auto v = json_parse_text(body, ec);
  if (ec || !v.is_object()) throw bad_input{"the request body must be a JSON object"};
  return std::move(v.as_object());
}

std::optional<std::string> text_field(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_string()) throw bad_input{std::string(key) + " must be a string"};
  return std::string(v->get_string());
}

std::optional<std::chrono::seconds> duration_field(const json::object& o) {
  auto text = text_field(o, "duration");
  if (!text) return std::nullopt;
  auto d = parse_duration(*text);
  if (!d) throw bad_input{"bad duration '" + *text + "' (use 30m, 2h, 1d, ...)"};
  return d;
}

// Who acts: the named person, or the administrator.
struct actor {
  std::string name;
  bool admin = false;
};
actor actor_of(const json::object& body) {
  if (auto as = text_field(body, "as")) return {*as, false};
  return {std::string(policy::admin_actor), true};
}

http_reply file_request(policy::gate_service& gate, const json::object& body) {
  auto for_person = text_field(body, "for");
  auto target_text = text_field(body, "target");
  auto reason = text_field(body, "reason");
  if (!for_person || !target_text) throw bad_input{"a request needs `for` and `target`"};
  // ACCOUNT@SERVER; an RDP or web server has no accounts of ours and is named alone.
  auto at = target_text->rfind('@');
  std::string server_name = at == std::string::npos ? *target_text : target_text->substr(at + 1);
  std::string account = at == std::string::npos ? "" : target_text->substr(0, at);
  const auto* server = gate.access().config()->find_server(server_name);
  const bool named_alone_ok = server && server->protocol != config::protocol::ssh;
  if (server_name.empty() || (at == std::string::npos && !named_alone_ok) ||
      (at != std::string::npos && account.empty()))
    throw bad_input{"target must be ACCOUNT@SERVER (or SERVER for an RDP or web server)"};
  policy::target t{*for_person, server_name, account,
                   server ? server->protocol : config::protocol::ssh};
  policy::filing f;
  f.justification = reason.value_or("");
  f.duration = duration_field(body);
  if (const auto* e = body.if_contains("emergency"); e && e->is_bool()) f.emergency = e->get_bool();
  auto who = actor_of(body);
  f.filed_by = who.name;
  f.by_administrator = who.admin;  // not counted by the filing limit (access_service.hpp)
  auto filed = gate.access().file_request(t, f);
  gate.changed();
  return reply_with(filed);
}

http_reply act_on_request(policy::gate_service& gate, policy::request_id id,
                          std::string_view action, const json::object& body) {
  auto& access = gate.access();
  auto who = actor_of(body);
  auto comment = text_field(body, "comment").value_or("");
  policy::result<policy::request> outcome = policy::make_error(error_code::not_found, "");
  if (action == "approve") {
    policy::approval a;
    a.comment = comment;
    a.duration = duration_field(body);
    if (auto until = text_field(body, "until")) {
      a.until = parse_rfc3339(*until);
      if (!a.until) throw bad_input{"bad time '" + *until + "' (use RFC 3339)"};
    }
    a.admin_override = who.admin;
    outcome = access.approve(id, who.name, a);
  } else if (action == "deny") {
    outcome = access.deny(id, who.name, comment, who.admin);
  } else if (action == "cancel") {
    outcome = access.cancel(id, who.name, who.admin);
  } else if (action == "comment") {
    auto text = text_field(body, "text");
    if (!text || text->empty()) throw bad_input{"a comment needs text"};
    outcome = access.comment(id, who.name, *text, who.admin);
  } else if (action == "reassign") {
    auto to = text_field(body, "to");
    if (!to) throw bad_input{"reassign needs `to`"};
    outcome = access.reassign(id, who.name, who.name, *to, who.admin);
  } else {
    return error_reply(404, "no such action: " + std::string(action));
  }
  gate.changed();
  return reply_with(outcome);
}

}  // namespace

std::optional<http_reply> handle_policy_route(policy::gate_service& gate,
                                              const http_request& request) {
  std::string_view target = request.target;
  std::string_view query;
  if (auto q = target.find('?'); q != std::string_view::npos) {
    query = target.substr(q + 1);
    target = target.substr(0, q);
  }
  auto parts = path_segments(target);
  if (parts.size() < 2 || parts[0] != "v1") return std::nullopt;
  if (parts[1] != "requests" && parts[1] != "grants") return std::nullopt;
  const bool get = request.method == "GET";
  const bool post = request.method == "POST";
  try {
    auto body = post ? parse_body(request.body) : json::object{};
    if (parts[1] == "requests") {
      if (parts.size() == 2 && get) {
        policy::request_filter f;
        f.state = state_filter(query, policy::parse_request_state);
        return reply_with_list(gate.access().list_requests(f));
      }
      if (parts.size() == 2 && post) return file_request(gate, body);
      auto id = parts.size() >= 3 ? parse_id(parts[2]) : std::nullopt;
      if (!id) throw bad_input{"a request id is a positive number"};
      if (parts.size() == 3 && get) return reply_with(gate.access().get_request(*id));
      if (parts.size() == 4 && post) return act_on_request(gate, *id, parts[3], body);
    } else {
      if (parts.size() == 2 && get) {
        policy::grant_filter f;
        f.state = state_filter(query, policy::parse_grant_state);
        return reply_with_list(gate.access().list_grants(f));
      }
      auto id = parts.size() >= 3 ? parse_id(parts[2]) : std::nullopt;
      if (!id) throw bad_input{"a grant id is a positive number"};
      if (parts.size() == 3 && get) return reply_with(gate.access().get_grant(*id));
      if (parts.size() == 4 && post && parts[3] == "revoke") {
        auto who = actor_of(body);
        auto revoked = gate.access().revoke(*id, who.name, who.admin);
        gate.changed();
        return reply_with(revoked);
      }
    }
  } catch (const bad_input& e) {
    return error_reply(400, e.message);
  }
  return error_reply(405, "method not allowed for " + std::string(target));
}

}  // namespace gatehouse::admin
