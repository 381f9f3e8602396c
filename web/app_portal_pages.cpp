// The portal of gated web apps on the gate's own host (SPEC "HTTP"): the apps a person may
// use, and for one app the page that is the hold - a person without a grant sees the rule's
// terms and files the request here, then waits on a page that follows the request live
// (server-sent events, web/app_wait_events; a refresh every 10 s without JavaScript) and goes
// on to the app by itself once approved, or shows the denial with its comment.
//
//   GET  /apps                        the apps the person may use or ask for
//   GET  /apps/NAME[?next=PATH]       allowed now: on to the app (a launch link); a request
//                                     pending: its waiting page; else the request form
//   POST /apps/NAME/request           file (justification, duration); then its waiting page
//   GET  /apps/NAME/wait/ID[?next=]   the request's state; approved: on to the app
//   GET, POST /apps/tokens            personal tokens (app_token_pages.cpp; it shadows an
//                                     app named "tokens")
#include <charconv>

#include "admin/policy_routes.hpp"
#include "apps/app_directory.hpp"
#include "core/duration.hpp"
#include "operations/operations.hpp"
#include "policy/async/gate_service.hpp"
#include "web/app.hpp"
#include "web/forms.hpp"
#include "web/html.hpp"

namespace gatehouse::web {

namespace {
std::optional<std::int64_t> id_of(std::string_view text) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || p != text.data() + text.size() || v <= 0) return std::nullopt;
  return v;
}

// A path on the app to go to afterwards: local paths only ("/x", never "//host" or a URL).
std::string safe_next(std::string_view next) {
  if (!next.starts_with('/') || next.starts_with("//") || next.starts_with("/\\")) return "/";
  return std::string(next);
}

std::string query_of(std::string_view target, std::string_view key) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return {};
  auto form = parse_form(target.substr(q + 1));
  auto it = form.find(std::string(key));
  return it == form.end() ? std::string() : it->second;
}

constexpr std::string_view onward_to_the_app = "the app";
}  // namespace

web_reply app::apps_routes(const web_request& r, std::string_view path, const session& s) {
  auto cfg = context_.current_config();
  const viewer who{s.person, is_auditor(*cfg, s.person)};
  apps::app_directory directory(*cfg);
  auto parts = path_segments(path);  // "apps", NAME, ...
  const bool post = r.method == "POST";

  if (parts.size() == 2 && parts[1] == "tokens") return token_routes(r, s);
  if (parts.size() == 1 && !post) {
    std::string rows;
    for (const auto& a : directory.all()) {
      auto d = context_.gate.check({s.person, a.name, "", config::protocol::http});
      if (std::holds_alternative<policy::decisions::deny>(d)) continue;
      const bool open = std::holds_alternative<policy::decisions::allow>(d) ||
                        std::holds_alternative<policy::decisions::allowed_by_grant>(d);
      rows += "<tr><td><a href=\"/apps/" + escape(a.name) + "\">" + escape(a.name) +
              "</a></td><td>" + escape(a.origin) + "/</td><td>" +
              (open ? "open" : "needs a request") + "</td></tr>";
    }
    std::string body = "<h1>Apps</h1>";
    body += rows.empty() ? "<p>No app is open to you.</p>"
                         : "<table><tr><th>App</th><th>Address</th><th>Access</th></tr>" + rows +
                               "</table><p><a href=\"/apps/tokens\">Personal tokens</a> "
                               "for scripts and curl</p>";
    return html_reply(200, "Apps", who, body);
  }
  if (parts.size() < 2) return message_page(404, "Not found", who, "No such page.");
  const auto* app = directory.by_name(parts[1]);
  if (!app) return message_page(404, "Not found", who, "No app of that name.");
  const std::string base = "/apps/" + app->name;
  const policy::target t{s.person, app->name, "", config::protocol::http};
  const std::string next =
      safe_next(post ? parse_form(r.body)["next"] : query_of(r.target, "next"));
  const std::string onward = base + "?next=" + url_encode(next);

  if (parts.size() == 2 && !post) {
    auto d = context_.gate.check(t);
    if (auto* deny = std::get_if<policy::decisions::deny>(&d))
      return message_page(403, "No access", who, deny->text);
    const policy::authorization* a = nullptr;
    if (auto* allow = std::get_if<policy::decisions::allow>(&d)) a = &allow->authorization;
    if (auto* g = std::get_if<policy::decisions::allowed_by_grant>(&d)) a = &g->authorization;
    if (a) {
      auto url = context_.launch_app ? context_.launch_app(app->name, *a, next) : std::nullopt;
      if (!url) return message_page(503, "Not available", who, "Apps are not served here.");
      web_reply go = redirect(*url);
      go.headers.emplace_back("Cache-Control", "no-store");
      return go;
    }
    // A request of this person for this app still pending: wait for it rather than file again.
    policy::request_filter f;
    f.requester = s.person;
    f.server = app->name;
    f.state = policy::request_state::pending;
    if (auto open = context_.operations.list_requests(f); open && !open->empty())
      return redirect(base + "/wait/" + std::to_string(open->front().id) +
                      "?next=" + url_encode(next));
    std::string body = "<h1>Request access to " + escape(app->name) + "</h1>";
    body += request_form(s, d, app->origin + "/", base + "/request", next);
    return html_reply(200, "Request access", who, body);
  }

  if (parts.size() == 3 && parts[2] == "request" && post) {
    auto filed = file_from_form(r, s, who, t);
    if (auto* refused = std::get_if<web_reply>(&filed)) return std::move(*refused);
    const auto& request = std::get<policy::request>(filed);
    if (request.state != policy::request_state::pending) return redirect(onward);
    return redirect(base + "/wait/" + std::to_string(request.id) + "?next=" + url_encode(next));
  }

  if (parts.size() == 4 && parts[2] == "wait" && !post) {
    auto id = id_of(parts[3]);
    if (!id) return message_page(404, "Not found", who, "No such request of yours.");
    auto found = context_.operations.get_request(*id);
    if (!found || found->requester != s.person || found->server != app->name)
      return message_page(404, "Not found", who, "No such request of yours.");
    if (found->state == policy::request_state::approved) return redirect(onward);
    return wait_page(who, *found, app->name,
                     base + "/wait/" + std::to_string(found->id) + "/events", onward_to_the_app,
                     onward);
  }
  return message_page(404, "Not found", who, "No such page.");
}

std::optional<app::wait_events_target> app::wait_events_for(const web_request& r) const {
  std::string_view path = r.target;
  path = path.substr(0, path.find('?'));
  auto parts = path_segments(path);
  // /apps/NAME/wait/ID/events, /terminal/SERVER/ACCOUNT/wait/ID/events
  const bool app_wait =
      parts.size() == 5 && parts[0] == "apps" && parts[2] == "wait" && parts[4] == "events";
  const bool terminal_wait =
      parts.size() == 6 && parts[0] == "terminal" && parts[3] == "wait" && parts[5] == "events";
  if (r.method != "GET" || !(app_wait || terminal_wait)) return std::nullopt;
  auto s = signed_in(r);
  auto id = id_of(parts[app_wait ? 3 : 4]);
  if (!s || !id) return std::nullopt;
  auto found = context_.operations.get_request(*id);
  if (!found || found->requester != s->person || found->server != parts[1] ||
      (terminal_wait && found->account != parts[2]))
    return std::nullopt;
  return wait_events_target{
      *id, waiting_sentence(*found, app_wait ? onward_to_the_app : terminal_onward_words)};
}

}  // namespace gatehouse::web
