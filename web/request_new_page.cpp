// /requests/new: the signed-in person files a request on the web (issue 17).
//
//   GET  /requests/new                 the targets some rule would take a request for
//                                      (web/request_choices), to tick one or several
//   GET  /requests/new?target=T[&target=U…]
//                                      the form for T (and U…: one request, decided together,
//                                      granted per target; all must fall under T's rule, which
//                                      the policy checks when filing) under its rule: a title, the
//                                      justification, the window (start and end, read as UTC;
//                                      the end within the rule's max_duration), urgent mode where
//                                      the rule allows emergency access, and the approvers -
//                                      checkboxes among those the rule allows where it sets
//                                      requester_chooses_approvers, otherwise shown greyed with
//                                      who will decide
//   POST /requests/new                 (CSRF token, same origin) files it through the operations
//                                      API as the person - the same named arguments as ssh and
//                                      `gatehouse request` (operations/filing_arguments) - and
//                                      shows the request; a refusal shows the policy's words
//
// No script (the CSP forbids inline script): the form is made for the one target chosen.
// Runs on the io thread as every page of web/app.
#include <algorithm>

#include "admin/policy_routes.hpp"
#include "core/duration.hpp"
#include "operations/filing_arguments.hpp"
#include "operations/operations.hpp"
#include "web/app.hpp"
#include "web/forms.hpp"
#include "web/html.hpp"
#include "web/request_choices.hpp"

namespace gatehouse::web {

namespace {

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// A checkbox per target: several ticked make one request (under one rule).
std::string target_chooser(const std::vector<request_choice>& choices) {
  std::string boxes;
  for (const auto& c : choices)
    boxes += "<label class=\"check\"><input type=\"checkbox\" name=\"target\" value=\"" +
             escape(c.name()) + "\"> " + escape(c.name()) + " <span class=\"hint\">(rule " +
             escape(c.terms.name) + ")</span></label>";
  return "<form class=\"card\" method=\"get\" action=\"/requests/new\">"
         "<fieldset class=\"targets\"><legend>Servers and accounts <span class=\"hint\">(one "
         "or several under the same rule: one request, granted per target)</span></legend>" +
         boxes +
         "</fieldset><div class=\"actions\"><button type=\"submit\">Continue</button></div>"
         "</form>";
}

// Who decides: checkboxes to choose among, or the rule's approvers shown greyed.
std::string approvers_fieldset(const request_choice& c) {
  if (!c.needs_approval)
    return "<p class=\"hint\">No approval is needed under this rule: your justification is "
           "enough.</p>";
  std::string out = "<fieldset class=\"approvers\"";
  if (!c.terms.requester_chooses_approvers) out += " disabled";
  out += "><legend>Approvers";
  out += c.terms.requester_chooses_approvers
             ? " <span class=\"hint\">(choose who decides)</span>"
             : " <span class=\"hint\">(set by the rule: they decide)</span>";
  out += "</legend>";
  for (std::size_t k = 0; k < c.levels.size(); ++k) {
    if (c.levels.size() > 1)
      out += "<p class=\"hint\">Level " + std::to_string(k + 1) + " (" +
             escape(policy::to_string(c.levels[k].condition)) + ")</p>";
    for (const auto& p : c.levels[k].approvers) {
      out += "<label class=\"check\"><input type=\"checkbox\" name=\"approvers\" value=\"" +
             escape(p) + "\"";
      if (!c.terms.requester_chooses_approvers) out += " checked";
      out += "> " + escape(p) + "</label>";
    }
  }
  return out + "</fieldset>";
}

// The form for `c` and the further targets `more` (one request).
std::string filing_form(const request_choice& c, const std::vector<const request_choice*>& more,
                        const std::string& csrf) {
  const std::string max = format_duration(c.terms.max_duration);
  std::string hidden = "<input type=\"hidden\" name=\"target\" value=\"" + escape(c.name()) + "\">";
  std::string names = "<b>" + escape(c.name()) + "</b>";
  for (const auto* m : more) {
    hidden += "<input type=\"hidden\" name=\"target\" value=\"" + escape(m->name()) + "\">";
    names += ", <b>" + escape(m->name()) + "</b>";
  }
  std::string out =
      "<form class=\"card\" method=\"post\" action=\"/requests/new\">"
      "<input type=\"hidden\" name=\"csrf\" value=\"" +
      escape(csrf) + "\">" + hidden + "<p>Access to " + names + " under the rule <b>" +
      escape(c.terms.name) +
      "</b>. <a href=\"/requests/new\">Choose another</a></p>"
      "<label for=\"title\">Title</label><input type=\"text\" id=\"title\" name=\"title\" "
      "maxlength=\"" +
      std::to_string(policy::max_title_bytes) +
      "\"><label for=\"reason\">Justification</label><textarea id=\"reason\" name=\"reason\" "
      "required></textarea>"
      "<label for=\"start\">Start <span class=\"hint\">(UTC; empty: now)</span></label>"
      "<input type=\"datetime-local\" id=\"start\" name=\"start\">"
      "<label for=\"end\">End <span class=\"hint\">(UTC; at most " +
      escape(max) +
      " after the start; empty: " + escape(format_duration(c.terms.default_duration)) +
      ")</span></label><input type=\"datetime-local\" id=\"end\" name=\"end\">";
  if (c.terms.emergency)
    out +=
        "<label class=\"check\"><input type=\"checkbox\" id=\"emergency\" name=\"emergency\" "
        "value=\"yes\"> Urgent: access at once, the approvers decide after the fact</label>";
  out += approvers_fieldset(c);
  return out + "<div class=\"actions\"><button type=\"submit\">File request</button></div></form>";
}

std::vector<std::string> query_values(std::string_view target, std::string_view key) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return {};
  return form_values(target.substr(q + 1), key);
}

// The choices named `names`, in order, duplicates once; null for a name no rule takes.
std::vector<const request_choice*> chosen_targets(const std::vector<request_choice>& choices,
                                                  const std::vector<std::string>& names) {
  std::vector<const request_choice*> out;
  for (const auto& n : names) {
    const auto* c = find_choice(choices, n);
    if (!c || std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  }
  return out;
}

}  // namespace

web_reply app::request_new_routes(const web_request& r, const session& s) {
  const std::string& me = s.person;
  const viewer who{me, is_auditor(*context_.current_config(), me)};
  const std::string binding = "session:" + s.token;
  auto choices = request_choices(*context_.current_config(), me, context_.clk.now());

  if (r.method != "POST") {
    std::string body = "<h1>Request access</h1>";
    if (choices.empty())
      return message_page(200, "Request access", who,
                          "No rule lets you request access to anything.", false);
    auto picked = chosen_targets(choices, query_values(r.target, "target"));
    std::erase(picked, nullptr);
    if (picked.empty() && choices.size() == 1) picked.push_back(&choices.front());
    if (picked.empty()) {
      body += target_chooser(choices);
    } else {
      const auto* first = picked.front();
      picked.erase(picked.begin());
      body += filing_form(*first, picked, csrf_token(binding));
    }
    return html_reply(200, "Request access", who, body);
  }

  if (!same_origin(r))
    return message_page(403, "Refused", who, "This form was sent from another site.");
  auto form = parse_form(r.body);
  if (!csrf_ok(binding, form["csrf"]))
    return message_page(403, "Refused", who,
                        "The form has expired; reload the page and try again.");
  auto names = form_values(r.body, "target");
  for (const auto& name : names)
    if (!find_choice(choices, name))
      return message_page(403, "Not filed", who,
                          "No rule lets you request access to " + name + ".");
  auto picked = chosen_targets(choices, names);
  if (picked.empty())
    return message_page(403, "Not filed", who, "Choose a server and account to request.");
  const auto* chosen = picked.front();
  // The form's fields as the filing's named arguments (operations/filing_arguments).
  std::map<std::string, std::string> named{
      {"title", form["title"]},
      {"start", utc_from_form(form["start"])},
      {"until", utc_from_form(form["end"])},
      {"approvers", join_names(form_values(r.body, "approvers"))}};
  auto read = [&named](std::string_view key) -> policy::result<std::optional<std::string>> {
    auto it = named.find(std::string(key));
    if (it == named.end() || it->second.empty()) return std::optional<std::string>{};
    return std::optional<std::string>(it->second);
  };
  policy::filing filing;
  filing.justification = form["reason"];
  filing.emergency = !form["emergency"].empty();
  for (std::size_t i = 1; i < picked.size(); ++i)  // decided together, granted per target
    filing.more_targets.push_back(
        {picked[i]->target.server, picked[i]->target.account, std::nullopt});
  if (auto read_ok = operations::read_filing_arguments(read, context_.clk.now(), filing); !read_ok)
    return message_page(400, "Not filed", who, read_ok.message());
  auto filed = context_.operations.file(operations::actor::person(me), chosen->target, filing);
  if (!filed)
    return message_page(admin::status_for(filed.code()), "Not filed", who, filed.message());
  return redirect("/requests/" + std::to_string(filed->id));
}

}  // namespace gatehouse::web
