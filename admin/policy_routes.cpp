// The requests and grants endpoints (policy_routes.hpp): parse the path and the JSON body into
// the operations API's typed arguments, call it, answer its typed result as JSON.
#include "admin/policy_routes.hpp"

#include <boost/json/serialize.hpp>

#include <charconv>
#include <vector>

#include "admin/json_views.hpp"
#include "admin/router.hpp"
#include "apps/app_directory.hpp"
#include "core/duration.hpp"
#include "core/json_text.hpp"
#include "core/time.hpp"
#include "core/web_text.hpp"
#include "operations/filing_arguments.hpp"
#include "operations/operations.hpp"

namespace gatehouse::admin {

namespace json = boost::json;
using policy::error_code;

namespace {

struct bad_input {
  std::string message;
};

template <typename T>
http_reply reply_with(const policy::result<T>& r) {
  if (!r) return error_reply(status_for(r.code()), r.message());
  return {200, json_serialize(to_json(*r))};
}

// The record, unless the caller may not see it (then `hidden`, 404, as if it did not exist).
template <typename T>
http_reply reply_if_seen(const policy::result<T>& r, const std::function<bool(const T&)>& sees,
                         const char* hidden) {
  if (r && sees && !sees(*r)) return error_reply(404, hidden);
  return reply_with(r);
}

template <typename T>
http_reply reply_with_list(policy::result<std::vector<T>> r,
                           const std::function<bool(const T&)>& sees) {
  if (!r) return error_reply(status_for(r.code()), r.message());
  if (sees) std::erase_if(*r, [&](const T& item) { return !sees(item); });
  return {200, json_serialize(to_json_array(*r))};
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

// The body's fields as the operations API's named arguments: a string, or absent (missing or
// null); anything else is refused.
operations::argument_reader arguments_of(const json::object& o) {
  return [&o](std::string_view key) -> policy::result<std::optional<std::string>> {
    const auto* v = o.if_contains(key);
    if (!v || v->is_null()) return std::optional<std::string>{};
    if (!v->is_string())
      return policy::make_error(error_code::invalid, std::string(key) + " must be a string");
    return std::optional<std::string>(std::string(v->get_string()));
  };
}

// As arguments_of; `approvers` may also be a JSON array of names.
operations::argument_reader filing_arguments_of(const json::object& o) {
  return [&o, plain = arguments_of(o)](
             std::string_view key) -> policy::result<std::optional<std::string>> {
    const auto* v = o.if_contains(key);
    if (key != "approvers" || !v || !v->is_array()) return plain(key);
    std::string names;
    for (const auto& name : v->get_array()) {
      if (!name.is_string())
        return policy::make_error(error_code::invalid, "approvers must be names");
      names += (names.empty() ? "" : ",") + std::string(name.get_string());
    }
    return std::optional<std::string>(std::move(names));
  };
}

std::optional<std::string> text_field(const json::object& o, std::string_view key) {
  auto value = arguments_of(o)(key);
  if (!value) throw bad_input{value.message()};
  return *value;
}

// Who acts: the web's signed-in person, else the person named by `as`, else the administrator.
operations::actor actor_of(const route_caller& caller, const json::object& body) {
  if (caller.person) return operations::actor::person(*caller.person);
  if (auto as = text_field(body, "as")) return operations::actor::person(*as);
  return operations::actor::administrator();
}

// ACCOUNT@SERVER; an RDP or web server has no accounts of ours and is named alone.
policy::target target_of(operations::service& ops, const std::string& person,
                         const std::string& target_text) {
  auto at = target_text.rfind('@');
  std::string server_name = at == std::string::npos ? target_text : target_text.substr(at + 1);
  std::string account = at == std::string::npos ? "" : target_text.substr(0, at);
  const auto* server = ops.config()->find_server(server_name);
  const bool named_alone_ok = server && server->protocol != config::protocol::ssh;
  if (server_name.empty() || (at == std::string::npos && !named_alone_ok) ||
      (at != std::string::npos && account.empty()))
    throw bad_input{"target must be ACCOUNT@SERVER (or SERVER for an RDP, web or manual server)"};
  return policy::target{person, server_name, account,
                        server ? server->protocol : config::protocol::ssh};
}

// `targets`: every target of a request of several (the first may also be `target`).
std::vector<std::string> target_texts(const json::object& body) {
  std::vector<std::string> out;
  if (auto first = text_field(body, "target")) out.push_back(*first);
  const auto* v = body.if_contains("targets");
  if (!v || v->is_null()) return out;
  if (!v->is_array()) throw bad_input{"targets must be a list of ACCOUNT@SERVER"};
  for (const auto& t : v->get_array()) {
    if (!t.is_string()) throw bad_input{"targets must be a list of ACCOUNT@SERVER"};
    out.emplace_back(t.get_string());
  }
  return out;
}

http_reply file_request(operations::service& ops, const route_caller& caller,
                        const json::object& body) {
  auto for_person = caller.person ? caller.person : text_field(body, "for");
  auto targets = target_texts(body);
  auto reason = text_field(body, "reason");
  if (!for_person || targets.empty()) throw bad_input{"a request needs `for` and `target`"};
  policy::target t = target_of(ops, *for_person, targets.front());
  policy::filing f;
  for (std::size_t i = 1; i < targets.size(); ++i) {
    auto more = target_of(ops, *for_person, targets[i]);
    f.more_targets.push_back(policy::request_target{more.server, more.account, std::nullopt});
  }
  f.justification = reason.value_or("");
  if (auto read =
          operations::read_filing_arguments(filing_arguments_of(body), system_clock().now(), f);
      !read)
    throw bad_input{read.message()};
  if (const auto* e = body.if_contains("emergency"); e && e->is_bool()) f.emergency = e->get_bool();
  return reply_with(ops.file(actor_of(caller, body), t, f));
}

http_reply act_on_request(operations::service& ops, const route_caller& caller,
                          policy::request_id id, std::string_view name, const json::object& body) {
  auto who = actor_of(caller, body);
  auto action = operations::parse_request_action(name, arguments_of(body));
  if (!action) return error_reply(status_for_arguments(action.code()), action.message());
  return reply_with(ops.perform(who, id, *action));
}

// POST /v1/http-tokens: a personal HTTP token for the person (the web's signed-in person, else
// `for`, else `as`); the administrator has none of its own.
http_reply issue_http_token(operations::service& ops, const route_caller& caller,
                            const json::object& body) {
  auto for_person = caller.person ? caller.person : text_field(body, "for");
  auto who = for_person ? operations::actor::person(*for_person) : actor_of(caller, body);
  auto app = text_field(body, "app");
  if (!app) throw bad_input{"an HTTP token needs `app` (and `for`)"};
  std::chrono::seconds valid{0};
  if (auto text = text_field(body, "valid")) {
    auto parsed = parse_duration(*text);
    if (!parsed) throw bad_input{"bad duration '" + *text + "' (use 30m, 8h, 7d)"};
    valid = *parsed;
  }
  auto issued = ops.issue_http_token(who, *app, valid);
  if (!issued) return error_reply(status_for(issued.code()), issued.message());
  json::object out{{"token", *issued}, {"person", who.name()}, {"app", *app}};
  auto cfg = ops.config();
  if (cfg->listen.http) out["url"] = apps::app_origin(*cfg->listen.http, *app) + "/";
  return {200, json_serialize(out)};
}

// Whether the caller may act on the request named by `id_text` (one they may see).
bool acts_on_visible_request(operations::service& ops, const route_caller& caller,
                             std::string_view id_text) {
  if (!caller.sees_request) return true;
  auto id = parse_id(id_text);
  if (!id) return false;
  auto found = ops.get_request(*id);
  return found && caller.sees_request(*found);
}

}  // namespace

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

int status_for_arguments(error_code code) { return code == error_code::not_found ? 404 : 400; }

std::optional<http_reply> handle_policy_route(operations::service& ops, const http_request& request,
                                              const route_caller& caller) {
  std::string_view target = request.target;
  std::string_view query;
  if (auto q = target.find('?'); q != std::string_view::npos) {
    query = target.substr(q + 1);
    target = target.substr(0, q);
  }
  auto parts = path_segments(target);
  if (parts.size() < 2 || parts[0] != "v1") return std::nullopt;
  if (parts[1] != "requests" && parts[1] != "grants" && parts[1] != "http-tokens")
    return std::nullopt;
  const bool get = request.method == "GET";
  const bool post = request.method == "POST";
  try {
    auto body = post ? parse_body(request.body) : json::object{};
    if (parts[1] == "http-tokens") {
      if (parts.size() == 2 && post) return issue_http_token(ops, caller, body);
      return error_reply(405, "use POST /v1/http-tokens");
    }
    if (parts[1] == "requests") {
      if (parts.size() == 2 && get) {
        policy::request_filter f;
        f.state = state_filter(query, policy::parse_request_state);
        return reply_with_list(ops.list_requests(f), caller.sees_request);
      }
      if (parts.size() == 2 && post) return file_request(ops, caller, body);
      if (post && parts.size() >= 3 && !acts_on_visible_request(ops, caller, parts[2]))
        return error_reply(404, "no such request");
      auto id = parts.size() >= 3 ? parse_id(parts[2]) : std::nullopt;
      if (!id) throw bad_input{"a request id is a positive number"};
      if (parts.size() == 3 && get)
        return reply_if_seen(ops.get_request(*id), caller.sees_request, "no such request");
      if (parts.size() == 4 && post) return act_on_request(ops, caller, *id, parts[3], body);
    } else {
      if (parts.size() == 2 && get) {
        policy::grant_filter f;
        f.state = state_filter(query, policy::parse_grant_state);
        return reply_with_list(ops.list_grants(f), caller.sees_grant);
      }
      auto id = parts.size() >= 3 ? parse_id(parts[2]) : std::nullopt;
      if (!id) throw bad_input{"a grant id is a positive number"};
      if (parts.size() == 3 && get)
        return reply_if_seen(ops.get_grant(*id), caller.sees_grant, "no such grant");
      if (parts.size() == 4 && post && parts[3] == "revoke")
        return reply_with(
            ops.revoke(actor_of(caller, body), *id, text_field(body, "comment").value_or("")));
    }
  } catch (const bad_input& e) {
    return error_reply(400, e.message);
  }
  return error_reply(405, "method not allowed for " + std::string(target));
}

}  // namespace gatehouse::admin
