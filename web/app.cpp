#include "web/app.hpp"

#include <spdlog/spdlog.h>

#include "approval/secrets.hpp"
#include "approval/token_store.hpp"
#include "policy/fulfilment.hpp"
#include "policy/request.hpp"
#include "web/forms.hpp"
#include "web/html.hpp"
#include "web/static_assets.hpp"
#include "web/well_known.hpp"

namespace gatehouse::web {

namespace {
constexpr std::string_view session_cookie = "__Host-gatehouse";
}

web_reply html_reply(int status, std::string_view title, const viewer& v, std::string_view body) {
  return web_reply{status, "text/html; charset=utf-8", page(title, v, body), {}};
}

web_reply redirect(const std::string& location) {
  web_reply r{303, "text/plain; charset=utf-8", "See " + location + "\n", {}};
  r.headers.emplace_back("Location", location);
  return r;
}

web_reply message_page(int status, std::string_view title, const viewer& v, std::string_view text,
                       bool error) {
  std::string body = "<h1>" + escape(title) + "</h1><div class=\"notice" + (error ? " error" : "") +
                     "\">" + escape(text) + "</div>";
  if (!v.person.empty()) body += "<p><a href=\"/my/approvals\">Back to my approvals</a></p>";
  return html_reply(status, title, v, body);
}

bool may_see(const policy::request& r, std::string_view person) {
  return r.requester == person || policy::is_approver(r, person);
}

namespace {
bool fulfils(const config::config& c, const policy::request& r, std::string_view person) {
  if (r.protocol != config::protocol::manual) return false;
  auto people = policy::fulfillers_of(c, r);
  return std::find(people.begin(), people.end(), person) != people.end();
}
}  // namespace

bool may_see(const config::config& c, const policy::request& r, std::string_view person) {
  return may_see(r, person) || fulfils(c, r, person);
}

bool due_to_fulfil(const config::config& c, const policy::request& r, std::string_view person) {
  return policy::fulfilment_of(r) == policy::fulfilment_state::awaiting && fulfils(c, r, person);
}

app::app(app_context context)
    : context_(std::move(context)), csrf_key_(approval::random_base64url(32)) {}

std::string app::csrf_token(const std::string& binding) const {
  return approval::hmac_base64url(csrf_key_, "csrf:" + binding);
}

bool app::csrf_ok(const std::string& binding, const std::string& presented) const {
  return approval::equal_secrets(csrf_token(binding), presented);
}

std::string app::public_url() const {
  auto cfg = context_.current_config();
  std::string url = cfg->listen.http ? cfg->listen.http->public_url : std::string();
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// Browsers send Origin with every POST; a different one is a cross-site form. Clients that send
// none (curl, older browsers) and pages under Referrer-Policy: no-referrer (whose forms send
// "Origin: null") are still bound by the CSRF token. Sec-Fetch-Site, where a browser sends it,
// must not name another site, nor a sibling host of the same site (a gated app's host).
bool app::same_origin(const web_request& r) const {
  if (r.fetch_site == "cross-site" || r.fetch_site == "same-site") return false;
  return r.origin.empty() || r.origin == "null" || r.origin == origin_of(public_url());
}

std::optional<app::session> app::signed_in(const web_request& r) const {
  auto token = cookie_value(r.cookie, session_cookie);
  if (token.empty()) return std::nullopt;
  auto found = context_.tokens.find(approval::token_kind::session, token);
  if (!found || !*found || !(*found)->usable(context_.clk.now())) return std::nullopt;
  auto cfg = context_.current_config();
  if (!cfg->find_user((*found)->person)) return std::nullopt;  // removed from the config
  return session{(*found)->person, token};
}

web_reply app::handle(const web_request& r) {
  std::string_view path = r.target;
  if (auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
  const bool get = r.method == "GET" || r.method == "HEAD";

  if (path == "/healthz" && get) return {200, "text/plain; charset=utf-8", "ok\n", {}};
  if (path == "/metrics" && get) return metrics(r);
  if (get)
    if (auto doc = well_known(path, context_.assertion_signer)) return *doc;
  if (path == "/static/gatehouse.css" && get) {
    web_reply css{200, "text/css; charset=utf-8", std::string(stylesheet()), {}};
    css.headers.emplace_back("Cache-Control", "public, max-age=3600");
    return css;
  }
  if (get) {
    auto cfg = context_.current_config();
    if (auto asset = static_asset(
            path, cfg->listen.http ? cfg->listen.http->asciinema_player : std::string()))
      return *asset;
  }
  if (r.method != "GET" && r.method != "HEAD" && r.method != "POST")
    return message_page(405, "Method not allowed", "", "Use GET or POST.");

  constexpr std::string_view approvals_prefix = "/approvals/";
  if (path.starts_with(approvals_prefix))
    return approval_page(r, std::string(path.substr(approvals_prefix.size())));
  if (path == "/sign-in" || path.starts_with("/sign-in/") || path == "/sign-out")
    return sign_in_routes(r, path);

  auto s = signed_in(r);
  if (path.starts_with("/api/")) {
    if (!s) return {401, "application/json", R"({"error":"sign in first"})", {}};
    if (r.method == "POST" && !same_origin(r))
      return {403, "application/json", R"({"error":"cross-site request refused"})", {}};
    return api_routes(r, path, *s);
  }
  if (!s) {
    if (!get)
      return message_page(403, "Sign in first", "", "Your session has ended; sign in again.");
    // The portal keeps its query (the app's path to go on to) through the sign-in.
    const bool keep_query = path.starts_with("/apps/");
    return redirect("/sign-in?next=" + url_encode(keep_query ? std::string_view(r.target) : path));
  }
  if (path == "/apps" || path.starts_with("/apps/")) return apps_routes(r, path, *s);
  if (path.starts_with("/terminal/") || path.starts_with("/sftp/"))
    return terminal_routes(r, path, *s);
  if (path == "/") return redirect("/my/approvals");
  if (path == "/requests/new") return request_new_routes(r, *s);
  if (path == "/audit" || path == "/audit.csv" || path.starts_with("/audit/"))
    return audit_routes(r, path, *s);
  return person_routes(r, path, *s);
}

}  // namespace gatehouse::web
