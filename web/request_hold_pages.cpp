// The hold as a browser sees it, shared by the pages of everything a person opens from the
// gate's host - a gated web app (app_portal_pages.cpp) and the browser terminal
// (terminal_pages.cpp): the request form with the rule's terms and who decides, the filing of
// the form as the signed-in person, and the waiting page that follows the request live
// (server-sent events from web/app_wait_events, /static/apps_wait.js reloads the page once it
// is decided; a refresh every 10 s without JavaScript), or shows the denial with its comment.
#include "admin/policy_routes.hpp"
#include "core/duration.hpp"
#include "operations/operations.hpp"
#include "web/app.hpp"
#include "web/forms.hpp"
#include "web/html.hpp"
#include "web/static_assets.hpp"

namespace gatehouse::web {

namespace {
std::string names(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& n : list) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "nobody" : out;
}

const policy::rule_terms* terms_of(const policy::decision& d) {
  if (auto* a = std::get_if<policy::decisions::approval_needed>(&d)) return &a->terms;
  if (auto* j = std::get_if<policy::decisions::justification_needed>(&d)) return &j->terms;
  return nullptr;
}
}  // namespace

std::string waiting_sentence(const policy::request& r, std::string_view onward) {
  std::vector<std::string> waiting;
  if (auto k = policy::current_level(r); k < r.levels.size())
    waiting = policy::undecided_approvers(r, k);
  return "Waiting for " + names(waiting) + ". This page goes on to " + std::string(onward) +
         " by itself once the request is approved.";
}

std::string app::request_form(const session& s, const policy::decision& d, std::string_view what,
                              const std::string& action, const std::string& hidden_next) const {
  const auto* terms = terms_of(d);
  std::string approvers;
  if (auto* need = std::get_if<policy::decisions::approval_needed>(&d))
    for (std::size_t k = 0; k < need->levels.size(); ++k)
      approvers +=
          "<li>" +
          (need->levels.size() > 1 ? "Level " + std::to_string(k + 1) + ": " : std::string()) +
          escape(names(need->levels[k].approvers)) + "</li>";
  std::string body =
      "<p>" + escape(what) + " needs " +
      (approvers.empty() ? std::string("a justification") : std::string("an approval")) +
      " under the rule <b>" + escape(terms ? terms->name : "") + "</b>.</p>";
  if (!approvers.empty()) body += "<p>Who decides:</p><ul>" + approvers + "</ul>";
  const auto max = terms ? terms->max_duration : std::chrono::seconds(3600);
  const auto def = terms ? terms->default_duration : std::chrono::seconds(3600);
  body += "<form method=\"post\" action=\"" + escape(action) +
          "\">"
          "<input type=\"hidden\" name=\"csrf\" value=\"" +
          escape(csrf_token("session:" + s.token)) + "\">";
  if (!hidden_next.empty())
    body += "<input type=\"hidden\" name=\"next\" value=\"" + escape(hidden_next) + "\">";
  body +=
      "<p><label>Why do you need it?<br><textarea name=\"reason\" rows=\"3\" cols=\"60\" "
      "required></textarea></label></p>"
      "<p><label>For how long (at most " +
      escape(format_duration(max)) +
      ")<br>"
      "<input name=\"duration\" value=\"" +
      escape(format_duration(def)) +
      "\"></label></p>"
      "<p><button type=\"submit\">Request access</button></p></form>";
  return body;
}

std::variant<policy::request, web_reply> app::file_from_form(const web_request& r, const session& s,
                                                             const viewer& who,
                                                             const policy::target& t) {
  if (!same_origin(r))
    return message_page(403, "Refused", who, "This form was sent from another site.");
  auto form = parse_form(r.body);
  if (!csrf_ok("session:" + s.token, form["csrf"]))
    return message_page(403, "Refused", who,
                        "The form has expired; reload the page and try again.");
  policy::filing filing;
  filing.justification = form["reason"];
  if (!form["duration"].empty()) {
    auto d = parse_duration(form["duration"]);
    if (!d) return message_page(400, "Not filed", who, "Write the duration as 30m, 2h or 1d.");
    filing.duration = *d;
  }
  auto filed = context_.operations.file(operations::actor::person(s.person), t, filing);
  if (!filed)
    return message_page(admin::status_for(filed.code()), "Not filed", who, filed.message());
  return *filed;
}

web_reply app::wait_page(const viewer& who, const policy::request& req, const std::string& title,
                         const std::string& events, std::string_view onward_words,
                         const std::string& ask_again) {
  std::string body = "<h1>" + escape(title) + ": request #" + std::to_string(req.id) + "</h1>";
  if (req.state == policy::request_state::pending) {
    body += "<div class=\"notice\" id=\"waiting\" data-events=\"" + escape(events) + "\">" +
            escape(waiting_sentence(req, onward_words)) + "</div><script src=\"" +
            std::string(apps_wait_script) + "\"></script>";
    web_reply page = html_reply(200, "Waiting for approval", who, body);
    page.headers.emplace_back("Refresh", "10");  // without JavaScript
    page.headers.emplace_back("Cache-Control", "no-store");
    return page;
  }
  std::string by, comment;
  for (const auto& d : req.decisions)
    if (d.verdict == policy::verdict::deny) by = d.approver, comment = d.comment;
  body += "<div class=\"notice error\">Request #" + std::to_string(req.id) + " was " +
          escape(policy::to_string(req.state)) + (by.empty() ? "" : " by " + escape(by)) +
          (comment.empty() ? "" : ": " + escape(comment)) +
          "</div>"
          "<p><a href=\"" +
          escape(ask_again) + "\">Ask again</a></p>";
  return html_reply(200, "Request " + std::string(policy::to_string(req.state)), who, body);
}

}  // namespace gatehouse::web
