// GET and POST /approvals/TOKEN: the page behind an approval link.
#include <spdlog/spdlog.h>

#include "approval/token_store.hpp"
#include "core/duration.hpp"
#include "operations/operations.hpp"
#include "web/app.hpp"
#include "web/forms.hpp"
#include "web/html.hpp"
#include "web/request_views.hpp"

namespace gatehouse::web {

namespace {
std::string outcome_section(const policy::request& r) {
  std::string out = "<div class=\"card\"><h2>Request #" + std::to_string(r.id) + " is " +
                    escape(policy::to_string(r.state)) + "</h2>";
  auto decisions = decisions_text(r);
  out += decisions.empty() ? "<p class=\"muted\">Nobody has decided yet.</p>" : decisions;
  return out + "</div>";
}

std::string decision_form(const std::string& action_url, const std::string& csrf,
                          const policy::request& r, const std::string& error) {
  auto requested = std::chrono::duration_cast<std::chrono::seconds>(r.window.length());
  std::string out;
  if (!error.empty()) out += "<div class=\"notice error\">" + escape(error) + "</div>";
  out += "<form class=\"card\" method=\"post\" action=\"" + escape(action_url) +
         "\">"
         "<input type=\"hidden\" name=\"csrf\" value=\"" +
         escape(csrf) +
         "\">"
         "<label for=\"comment\">Comment <span class=\"hint\">(optional; the requester sees it)"
         "</span></label><textarea id=\"comment\" name=\"comment\" maxlength=\"1000\"></textarea>"
         "<label for=\"duration\">Access for <span class=\"hint\">(requested " +
         escape(format_duration(requested)) + "; at most " +
         escape(format_duration(r.max_duration)) +
         "; counts from the approval)</span></label>"
         "<input type=\"text\" id=\"duration\" name=\"duration\" value=\"" +
         escape(format_duration(requested)) +
         "\" pattern=\"[0-9]+[smhd]([0-9]+[smhd])*\" inputmode=\"text\">"
         "<div class=\"actions\"><button class=\"approve\" type=\"submit\" name=\"action\" "
         "value=\"approve\">Approve</button><button class=\"deny\" type=\"submit\" "
         "name=\"action\" value=\"deny\">Deny</button></div></form>";
  return out;
}

}  // namespace

web_reply app::approval_page(const web_request& r, const std::string& token) {
  const bool post = r.method == "POST";
  if (post && !same_origin(r))
    return message_page(403, "Refused", "", "This form was sent from another site.");
  auto found = context_.tokens.find(approval::token_kind::approval, token);
  if (!found) return message_page(500, "Try again later", "", "The store is not available.");
  if (!*found)
    return message_page(404, "Link not valid", "",
                        "This approval link is not valid. Check that it was copied whole.");
  const approval::token_record link = **found;
  const std::string& approver = link.person;

  auto cfg = context_.current_config();
  // Removed from the configuration (a reload): the links mailed to them decide nothing more.
  if (!cfg->find_user(approver))
    return message_page(
        410, "Link not valid", "",
        "This approval link was sent to " + approver + ", who is no longer an approver here.");
  auto session = signed_in(r);
  if (cfg->listen.http && cfg->listen.http->approval_links_require_sign_in) {
    if (!session) {
      if (post) return message_page(403, "Sign in first", "", "Sign in, then open the link again.");
      // Not "next=/approvals/TOKEN": the sign-in link's row would then hold the token in clear.
      // After signing in, the link works, and My approvals offers the same decision.
      return redirect("/sign-in?next=/my/approvals");
    }
    if (session->person != approver)
      return message_page(403, "Not your link", session->person,
                          "This approval link was sent to " + approver + ", not to you.");
  }
  const std::string viewer = session ? session->person : "";

  auto req = context_.operations.get_request(link.request_id);
  if (!req) return message_page(404, "Request not found", viewer, req.message());
  const auto now = context_.clk.now();
  const std::string title = "Request #" + std::to_string(req->id);
  const std::string binding = "approval:" + token;

  auto gone = [&](const std::string& why) {
    return html_reply(410, title, viewer,
                      "<h1>" + escape(title) + "</h1><div class=\"notice\">" + escape(why) +
                          "</div><div class=\"card\">" + request_facts(*req) + "</div>" +
                          outcome_section(*req));
  };
  if (link.used_at) return gone("This link was used at " + when(*link.used_at) + ".");
  if (now >= link.expires) return gone("This link expired at " + when(link.expires) + ".");
  if (!policy::awaiting_decisions(*req))
    return gone("Request #" + std::to_string(req->id) + " needs no decision any more.");

  auto render_form = [&](int status, const std::string& error) {
    std::string body = "<h1>" + escape(title) + ": " + escape(req->requester) + " asks for " +
                       escape(req->account) + "@" + escape(req->server) + "</h1>";
    body += "<p class=\"muted\">Deciding as <strong>" + escape(approver) + "</strong>.</p>";
    // The mail's Approve / Deny links carry ?decision=…; only the button below decides.
    std::string chosen;
    if (auto q = r.target.find('?'); q != std::string::npos)
      chosen = parse_form(std::string_view(r.target).substr(q + 1))["decision"];
    if (!post && (chosen == "approve" || chosen == "deny"))
      body += std::string("<div class=\"notice\">You chose <strong>") +
              (chosen == "approve" ? "Approve" : "Deny") +
              "</strong> in the mail. Nothing is decided until you press the button below.</div>";
    body += "<div class=\"card\">" + request_facts(*req) + "</div>";
    if (auto d = decisions_text(*req); !d.empty()) body += "<h2>Decisions so far</h2>" + d;
    body += decision_form("/approvals/" + token, csrf_token(binding), *req, error);
    return html_reply(status, title, viewer, body);
  };
  if (!post) return render_form(200, "");

  auto form = parse_form(r.body);
  if (!csrf_ok(binding, form["csrf"]))
    return render_form(403, "The form has expired or did not come from this page; decide again.");
  const std::string action = form["action"];
  if (action != "approve" && action != "deny") return render_form(400, "Choose Approve or Deny.");
  policy::approval options;
  options.comment = form["comment"];
  if (action == "approve") {
    auto requested = std::chrono::duration_cast<std::chrono::seconds>(req->window.length());
    if (auto text = form["duration"]; !text.empty() && text != format_duration(requested)) {
      auto d = parse_duration(text);
      if (!d) return render_form(422, "'" + text + "' is not a length of time (use 30m, 2h, 1d).");
      if (*d > req->max_duration)
        return render_form(422,
                           "At most " + format_duration(req->max_duration) + " may be granted.");
      options.duration = *d;
    }
  }
  auto used = context_.tokens.use(approval::token_kind::approval, token, now);
  if (!used) return message_page(500, "Try again later", viewer, "The store is not available.");
  if (!*used) return gone("This link has just been used.");
  const auto as_approver = operations::actor::person(approver);
  auto outcome = action == "approve"
                     ? context_.operations.approve(as_approver, req->id, options)
                     : context_.operations.deny(as_approver, req->id, options.comment);
  spdlog::info("web: {} {} request #{} by approval link ({})", approver,
               action == "approve" ? "approved" : "denied", req->id,
               outcome ? "done" : outcome.message());
  auto after = context_.operations.get_request(req->id);
  const policy::request& shown = after ? *after : *req;
  if (!outcome)
    return html_reply(409, title, viewer,
                      "<h1>" + escape(title) + "</h1><div class=\"notice error\">" +
                          escape(outcome.message()) + "</div>" + outcome_section(shown));
  std::string done = action == "approve" ? "approved" : "denied";
  return html_reply(200, title, viewer,
                    "<h1>You " + done + " request #" + std::to_string(shown.id) +
                        "</h1><div class=\"notice\">Thank you, " + escape(approver) +
                        ". Your decision is recorded.</div><div class=\"card\">" +
                        request_facts(shown) + "</div>" + outcome_section(shown));
}

}  // namespace gatehouse::web
