// The portal's page of personal HTTP tokens (SPEC "HTTP", issue 15: "a personal token ...
// and a web page"): the web twin of `ssh PERSON@gate http-token APP --valid 8h`.
//
//   GET  /apps/tokens    signed in: a form - one of the apps the person may use or ask for
//                        (no rule but deny there), and how long the token is valid
//   POST /apps/tokens    same-origin and the session's CSRF token, like the other forms; the
//                        token is issued by operations::service::issue_http_token as the
//                        person (which decides and audits it) and shown on this answer only,
//                        with the curl line to use it (Cache-Control: no-store; it is never
//                        shown again). A refusal is shown with its reason.
//
// Ownership: none (app's member, app_context's services). Threads: the io_context's, as app.
#include "admin/policy_routes.hpp"
#include "apps/app_directory.hpp"
#include "apps/identity/http_tokens.hpp"
#include "core/duration.hpp"
#include "operations/operations.hpp"
#include "policy/async/gate_service.hpp"
#include "web/app.hpp"
#include "web/forms.hpp"
#include "web/html.hpp"

namespace gatehouse::web {

namespace {
web_reply not_stored(web_reply reply) {
  reply.headers.emplace_back("Cache-Control", "no-store");
  return reply;
}
}  // namespace

web_reply app::token_routes(const web_request& r, const session& s) {
  auto cfg = context_.current_config();
  const viewer who{s.person, is_auditor(*cfg, s.person)};
  apps::app_directory directory(*cfg);

  if (r.method != "POST") {
    std::string options;
    for (const auto& a : directory.all()) {
      auto d = context_.gate.check({s.person, a.name, "", config::protocol::http});
      if (std::holds_alternative<policy::decisions::deny>(d)) continue;
      options += "<option value=\"" + escape(a.name) + "\">" + escape(a.name) + " (" +
                 escape(a.origin) + "/)</option>";
    }
    std::string body = "<h1>Personal tokens</h1>";
    if (options.empty()) {
      body += "<p>No app is open to you.</p>";
      return html_reply(200, "Personal tokens", who, body);
    }
    body +=
        "<p>A personal token lets a script or curl reach an app as you "
        "(\"Authorization: Bearer ...\"). The gate still decides every request: without "
        "a grant it is held for approval like a login. The token is shown once.</p>"
        "<form method=\"post\" action=\"/apps/tokens\">"
        "<input type=\"hidden\" name=\"csrf\" value=\"" +
        escape(csrf_token("session:" + s.token)) +
        "\">"
        "<p><label>App<br><select name=\"app\" id=\"app\">" +
        options +
        "</select></label></p>"
        "<p><label>Valid for (" +
        escape(format_duration(apps::shortest_http_token)) + " to " +
        escape(format_duration(apps::longest_http_token)) +
        ")<br>"
        "<input name=\"valid\" id=\"valid\" value=\"" +
        escape(format_duration(apps::default_http_token)) +
        "\"></label></p>"
        "<p><button type=\"submit\">Create token</button></p></form>";
    return html_reply(200, "Personal tokens", who, body);
  }

  if (!same_origin(r))
    return message_page(403, "Refused", who, "This form was sent from another site.");
  auto form = parse_form(r.body);
  if (!csrf_ok("session:" + s.token, form["csrf"]))
    return message_page(403, "Refused", who,
                        "The form has expired; reload the page and try again.");
  std::chrono::seconds valid{0};  // the operation's default
  if (!form["valid"].empty()) {
    auto d = parse_duration(form["valid"]);
    if (!d) return message_page(400, "No token", who, "Write the validity as 30m, 8h or 7d.");
    valid = *d;
  }
  const std::string app_name = form["app"];
  auto issued =
      context_.operations.issue_http_token(operations::actor::person(s.person), app_name, valid);
  if (!issued)
    return not_stored(
        message_page(admin::status_for(issued.code()), "No token", who, issued.message()));
  const auto* entry = directory.by_name(app_name);
  const std::string url = entry ? entry->origin + "/" : std::string();
  std::string body = "<h1>Personal token for " + escape(app_name) +
                     "</h1>"
                     "<div class=\"notice\">Copy it now: it is shown only this once. Valid for " +
                     escape(format_duration(valid.count() ? valid : apps::default_http_token)) +
                     "; keep it secret.</div>"
                     "<pre class=\"secret\" id=\"token\">" +
                     escape(*issued) +
                     "</pre>"
                     "<p>Send it as:</p><pre class=\"secret\" id=\"curl\">"
                     "curl -H \"Authorization: Bearer " +
                     escape(*issued) + "\" " + escape(url) +
                     "</pre>"
                     "<p><a href=\"/apps\">Apps</a></p>";
  return not_stored(html_reply(200, "Personal token", who, body));
}

}  // namespace gatehouse::web
