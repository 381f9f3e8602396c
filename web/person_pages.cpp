// The signed-in pages: My requests, My approvals, Request detail, Grants, and the actions on
// them (POST, with the session's CSRF token). Actions go through the operations API as the
// signed-in person; a refusal shows the admin API's status and words.
#include <algorithm>
#include <charconv>

#include "admin/policy_routes.hpp"
#include "approval/token_store.hpp"
#include "core/duration.hpp"
#include "operations/operations.hpp"
#include "proxy/rdp/rdp_file_for.hpp"
#include "web/app.hpp"
#include "web/forms.hpp"
#include "web/html.hpp"
#include "web/request_views.hpp"

namespace gatehouse::web {

namespace {
constexpr std::size_t closed_shown = 50;

std::optional<std::int64_t> parse_id(std::string_view text) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || p != text.data() + text.size() || v <= 0) return std::nullopt;
  return v;
}

bool due_to_decide(const policy::request& r, std::string_view person) {
  if (!policy::awaiting_decisions(r)) return false;
  auto k = policy::current_level(r);
  if (k >= r.levels.size()) return false;
  for (const auto& n : policy::undecided_approvers(r, k))
    if (n == person) return true;
  return false;
}

// A request form's fields as the operations' named arguments: those the pages send, when filled.
operations::argument_reader arguments_of(const std::map<std::string, std::string>& form) {
  return [&form](std::string_view key) -> policy::result<std::optional<std::string>> {
    constexpr std::string_view sent[] = {"comment", "text", "to", "duration", "evidence"};
    auto it = form.find(std::string(key));
    if (std::find(std::begin(sent), std::end(sent), key) == std::end(sent) || it == form.end() ||
        it->second.empty())
      return std::optional<std::string>{};
    return std::optional<std::string>(it->second);
  };
}

std::string hidden_csrf(const std::string& csrf) {
  return "<input type=\"hidden\" name=\"csrf\" value=\"" + escape(csrf) + "\">";
}

std::string button_form(const std::string& action, const std::string& csrf,
                        const std::string& label, const std::string& css = "plain") {
  return "<form class=\"inline\" method=\"post\" action=\"" + escape(action) + "\">" +
         hidden_csrf(csrf) + "<button class=\"" + css + "\" type=\"submit\">" + escape(label) +
         "</button></form>";
}
}  // namespace

web_reply app::person_routes(const web_request& r, std::string_view path, const session& s) {
  auto& ops = context_.operations;
  const std::string& me = s.person;
  const viewer who{me, is_auditor(*context_.current_config(), me)};
  const std::string csrf = csrf_token("session:" + s.token);
  auto parts = path_segments(path);
  const bool post = r.method == "POST";

  if (post) {
    if (!same_origin(r))
      return message_page(403, "Refused", who, "This form was sent from another site.");
    auto form = parse_form(r.body);
    if (!csrf_ok("session:" + s.token, form["csrf"]))
      return message_page(403, "Refused", who,
                          "The form has expired; reload the page and try again.");
    const auto as_me = operations::actor::person(me);
    auto not_done = [&](const policy::error& e) {
      return message_page(admin::status_for(e.code), "Not done", who, e.message);
    };
    if (parts.size() == 3 && parts[0] == "requests" && parse_id(parts[1])) {
      auto action = operations::parse_request_action(parts[2], arguments_of(form));
      if (!action)
        return message_page(admin::status_for_arguments(action.code()), "Not done", who,
                            action.message());
      auto done = ops.perform(as_me, *parse_id(parts[1]), *action);
      if (!done) return not_done(done.err());
      return redirect("/requests/" + std::string(parts[1]));
    }
    if (parts.size() == 3 && parts[0] == "grants" && parts[2] == "revoke" && parse_id(parts[1])) {
      auto done = ops.revoke(as_me, *parse_id(parts[1]),
                             form.count("comment") ? form["comment"] : std::string());
      if (!done) return not_done(done.err());
      return redirect(form.count("back") && form["back"].starts_with("/requests/") ? form["back"]
                                                                                   : "/grants");
    }
    return message_page(404, "Not found", who, "There is no such page.");
  }

  if (path == "/my/approvals" || path == "/my/requests") {
    auto all = ops.list_requests({});
    if (!all) return message_page(500, "Try again later", who, all.message());
    const bool approvals = path == "/my/approvals";
    const auto cfg = context_.current_config();
    std::vector<policy::request> due, open, closed;
    for (auto& q : *all) {
      // A fulfiller's task (an approved manual request) is action required too.
      const bool fulfil = approvals && due_to_fulfil(*cfg, q, me);
      if (!fulfil && (approvals ? !policy::is_approver(q, me) : q.requester != me)) continue;
      if (fulfil || (approvals && due_to_decide(q, me)))
        due.push_back(std::move(q));
      else if (policy::awaiting_decisions(q))
        open.push_back(std::move(q));
      else if (closed.size() < closed_shown)
        closed.push_back(std::move(q));
    }
    std::string body;
    if (approvals) {
      body = "<h1>My approvals</h1><h2>Action required</h2>" +
             request_table(due, "Nothing is waiting for you.") + "<h2>Open</h2>" +
             request_table(open, "No other open requests.") + "<h2>Closed</h2>" +
             request_table(closed, "None yet.");
    } else {
      auto cancel = [&](const policy::request& q) {
        return q.state == policy::request_state::pending
                   ? button_form("/requests/" + std::to_string(q.id) + "/cancel", csrf, "Cancel")
                   : std::string();
      };
      body =
          "<h1>My requests</h1><p><a class=\"request-access\" href=\"/requests/new\">Request "
          "access</a></p><h2>Open</h2>" +
          request_table(open, "No open requests.", cancel) + "<h2>Closed</h2>" +
          request_table(closed, "None yet.");
    }
    body += "<form method=\"post\" action=\"/sign-out\">" + hidden_csrf(csrf) +
            "<div class=\"actions\"><button class=\"plain\" type=\"submit\">Sign out</button>"
            "</div></form>";
    return html_reply(200, approvals ? "My approvals" : "My requests", who, body);
  }

  if (parts.size() == 2 && parts[0] == "requests") {
    auto id = parse_id(parts[1]);
    auto q =
        id ? ops.get_request(*id)
           : policy::result<policy::request>(policy::make_error(policy::error_code::not_found, ""));
    const auto cfg = context_.current_config();
    if (!q || !may_see(*cfg, *q, me))
      return message_page(404, "Not found", who, "There is no such request you may see.");
    const std::string base = "/requests/" + std::to_string(q->id);
    std::string body = "<h1>Request #" + std::to_string(q->id) + "</h1><div class=\"card\">" +
                       request_facts(*q) + "</div>";
    if (due_to_decide(*q, me)) {
      body +=
          "<form class=\"card\" method=\"post\" action=\"" + base + "/approve\">" +
          hidden_csrf(csrf) +
          "<h2>Your decision</h2><label for=\"comment\">Comment</label><textarea id=\"comment\" "
          "name=\"comment\"></textarea><label for=\"duration\">Access for <span class=\"hint\">"
          "(at most " +
          escape(format_duration(q->max_duration)) +
          ")</span></label><input type=\"text\" id=\"duration\" name=\"duration\" value=\"" +
          escape(format_duration(
              std::chrono::duration_cast<std::chrono::seconds>(q->window.length()))) +
          "\"><div class=\"actions\"><button class=\"approve\" type=\"submit\">Approve"
          "</button><button class=\"deny\" type=\"submit\" formaction=\"" +
          base + "/deny\">Deny</button></div></form>";
    }
    if (due_to_fulfil(*cfg, *q, me)) {
      body += "<form class=\"card\" method=\"post\" action=\"" + base + "/fulfil\">" +
              hidden_csrf(csrf) + "<h2>Fulfilment</h2><p>The gate does not grant " +
              escape(q->server) +
              " itself: grant it, then say what you did.</p><label for=\"evidence\">Evidence"
              "</label><textarea id=\"evidence\" name=\"evidence\" required maxlength=\"1000\">"
              "</textarea><div class=\"actions\"><button class=\"approve\" type=\"submit\">"
              "Mark fulfilled</button></div></form><form class=\"card\" method=\"post\" "
              "action=\"" +
              base + "/fulfil_failed\">" + hidden_csrf(csrf) +
              "<label for=\"failed-comment\">Why it cannot be done</label><textarea "
              "id=\"failed-comment\" name=\"comment\" required maxlength=\"1000\"></textarea>"
              "<div class=\"actions\"><button class=\"deny\" type=\"submit\">Mark failed"
              "</button></div></form>";
    }
    if (policy::is_approver(*q, me) && q->state == policy::request_state::pending) {
      body += "<form class=\"card\" method=\"post\" action=\"" + base + "/reassign\">" +
              hidden_csrf(csrf) +
              "<label for=\"to\">Hand your part to</label><input type=\"text\" id=\"to\" "
              "name=\"to\" required><div class=\"actions\"><button class=\"plain\" "
              "type=\"submit\">Reassign</button></div></form>";
    }
    std::string actions;
    if (q->requester == me && q->state == policy::request_state::pending)
      actions += button_form(base + "/cancel", csrf, "Cancel request");
    if (q->grant && policy::is_approver(*q, me)) {
      auto g = ops.get_grant(*q->grant);
      if (g && g->state == policy::grant_state::active)
        actions += "<form class=\"inline\" method=\"post\" action=\"/grants/" +
                   std::to_string(g->id) + "/revoke\">" + hidden_csrf(csrf) +
                   "<input type=\"hidden\" name=\"back\" value=\"" + base +
                   "\"><input type=\"text\" name=\"comment\" placeholder=\"why "
                   "(optional)\" aria-label=\"Why the grant is revoked\"><button "
                   "class=\"deny\" type=\"submit\">Revoke grant #" +
                   std::to_string(g->id) + "</button></form>";
    }
    if (!actions.empty()) body += "<div class=\"actions\">" + actions + "</div>";
    body += "<h2>Timeline</h2>" + timeline(*q);
    body += "<form class=\"card\" method=\"post\" action=\"" + base + "/comment\">" +
            hidden_csrf(csrf) +
            "<label for=\"text\">Add a comment</label><textarea id=\"text\" name=\"text\" "
            "required maxlength=\"1000\"></textarea><div class=\"actions\"><button "
            "type=\"submit\">Comment</button></div></form>";
    return html_reply(200, "Request #" + std::to_string(q->id), who, body);
  }

  // GET /rdp-files/SERVER: the person's .rdp file for an RDP server (as `ssh me@gate rdp-file`).
  if (parts.size() == 2 && parts[0] == "rdp-files") {
    auto file =
        proxy::rdp::rdp_file_for(context_.gate, me, std::string(parts[1]), std::chrono::hours(8));
    if (!file.error.empty()) return message_page(404, "No RDP file", who, file.error);
    web_reply reply{200, "application/x-rdp; charset=utf-8", file.text, {}};
    reply.headers.emplace_back("Content-Disposition",
                               "attachment; filename=\"" + std::string(parts[1]) + ".rdp\"");
    return reply;
  }

  if (path == "/grants") {
    auto grants = ops.list_grants({});
    if (!grants) return message_page(500, "Try again later", who, grants.message());
    std::string rows;
    for (const auto& g : *grants) {
      auto q = ops.get_request(g.request);
      if (g.person != me && !(q && policy::is_approver(*q, me))) continue;
      rows +=
          "<tr><td>#" + std::to_string(g.id) + "</td><td>" + escape(g.person) + "</td><td>" +
          escape(g.account.empty() ? g.server : g.account + "@" + g.server) + "</td><td>" +
          escape(when(g.start)) + " &ndash; " + escape(when(g.end)) + "</td><td>" +
          state_badge(policy::to_string(g.state)) + "</td><td><a href=\"/requests/" +
          std::to_string(g.request) + "\">#" + std::to_string(g.request) + "</a></td><td>" +
          (g.state == policy::grant_state::active
               ? button_form("/grants/" + std::to_string(g.id) + "/revoke", csrf, "Revoke")
               : std::string()) +
          (g.state == policy::grant_state::active && g.person == me && g.account.empty()
               ? " <a href=\"/rdp-files/" + escape(g.server) + "\">.rdp file</a>"
               : std::string()) +
          (context_.terminal_tickets && g.person == me && !g.account.empty() &&
                   g.live_at(context_.clk.now())
               ? " <a class=\"open-terminal\" href=\"/terminal/" + escape(url_encode(g.server)) +
                     "/" + escape(url_encode(g.account)) + "\">Open terminal</a>"
               : std::string()) +
          (context_.sftp_tickets && g.person == me && !g.account.empty() &&
                   g.live_at(context_.clk.now())
               ? " <a class=\"open-sftp\" href=\"/sftp/" + escape(url_encode(g.server)) + "/" +
                     escape(url_encode(g.account)) + "\">Browse files</a>"
               : std::string()) +
          "</td></tr>";
    }
    std::string body = "<h1>Grants</h1>";
    body += rows.empty()
                ? "<p class=\"muted\">No grants.</p>"
                : "<table class=\"list\"><thead><tr><th>Grant</th><th>Person</th>"
                  "<th>Target</th><th>Period</th><th>State</th><th>Request</th><th></th></tr>"
                  "</thead><tbody>" +
                      rows + "</tbody></table>";
    return html_reply(200, "Grants", who, body);
  }
  return message_page(404, "Not found", who, "There is no such page.");
}

}  // namespace gatehouse::web
