// The browser terminal's pages on the gate's own host (issue 18): the page that draws the
// terminal (xterm.js, /static/terminal.js) and the endpoint that hands it a one-time ticket for
// its WebSocket (/terminal/ws, served by terminal/terminal_front_end through web_service).
// The web SFTP's file browser has the same routes under /sftp/ (its page loads
// /static/sftp.js; its ticket opens a session at /sftp-api/open, websftp/sftp_front_end).
//
//   GET  /terminal/SERVER/ACCOUNT          the terminal, while the policy lets the person in
//                                          (a live grant); else why not, and the request form
//                                          (or the waiting page of a request already pending)
//   POST /terminal/SERVER/ACCOUNT/request  file it (request_hold_pages.cpp), then wait:
//   GET  /terminal/SERVER/ACCOUNT/wait/ID  follows the request live (its /events stream) and
//                                          goes on to the terminal by itself once approved
//   POST /terminal/SERVER/ACCOUNT/ticket   (CSRF token, same origin) a ticket bound to the
//                                          person, server and account, as text/plain; 403 and
//                                          the reason when no grant is live (a reconnect after
//                                          the grant ended is refused here)
// The socket itself asks the policy again (the gate), so a ticket is no authorization.
#include <algorithm>
#include <cstdlib>

#include "operations/operations.hpp"
#include "policy/async/gate_service.hpp"
#include "web/app.hpp"
#include "web/forms.hpp"
#include "web/html.hpp"
#include "web/static_assets.hpp"
#include "web/terminal_tickets.hpp"

namespace gatehouse::web {

namespace {
// The terminal page draws with inline styles (xterm.js's renderer writes <style> elements);
// scripts stay 'self' only, and the socket goes to this origin.
std::string terminal_policy() {
  return std::string(content_security_policy) + "; style-src 'self' 'unsafe-inline'";
}

web_reply text_reply(int status, std::string text) {
  web_reply r{status, "text/plain; charset=utf-8", std::move(text), {}};
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}
}  // namespace

// Whether the person may open the terminal now (the policy's decision, as the socket will ask
// it again), else why not: the end of their last grant for it, the policy's denial, or that a
// request is needed (`decision` then holds what the request form shows).
std::optional<std::string> app::terminal_refusal(const std::string& person,
                                                 const std::string& server,
                                                 const std::string& account,
                                                 std::optional<policy::decision>& decision) {
  decision = context_.gate.check(policy::target{person, server, account, config::protocol::ssh});
  if (std::holds_alternative<policy::decisions::allow>(*decision) ||
      std::holds_alternative<policy::decisions::allowed_by_grant>(*decision))
    return std::nullopt;
  if (auto* deny = std::get_if<policy::decisions::deny>(&*decision)) return deny->text;
  if (auto grants = context_.operations.list_grants({})) {
    const policy::grant* latest = nullptr;
    for (const auto& g : *grants)
      if (g.person == person && g.server == server && g.account == account &&
          (!latest || g.id > latest->id))
        latest = &g;
    if (latest && latest->state != policy::grant_state::active)
      return grant_end_sentence(latest->id, latest->revoked_by);
  }
  return "access to " + account + "@" + server + " needs a request";
}

web_reply app::terminal_routes(const web_request& r, std::string_view path, const session& s) {
  const viewer who{s.person, is_auditor(*context_.current_config(), s.person)};
  // "terminal" | "sftp", SERVER, ACCOUNT, [ticket | request | wait ID]
  auto parts = path_segments(path);
  const std::size_t n = parts.size();
  const bool files = !parts.empty() && parts[0] == "sftp";
  auto* tickets = files ? context_.sftp_tickets : context_.terminal_tickets;
  if (!tickets || n < 3 || n > 5 || (n == 4 && parts[3] != "ticket" && parts[3] != "request") ||
      (n == 5 && parts[3] != "wait"))
    return message_page(404, "Not found", who, "There is no such page.");
  const std::string server(parts[1]), account(parts[2]);
  auto cfg = context_.current_config();
  const auto* srv = cfg->find_server(server);
  if (!srv || srv->protocol != config::protocol::ssh ||
      std::none_of(srv->accounts.begin(), srv->accounts.end(),
                   [&](const config::account& a) { return a.name == account; }))
    return message_page(404, "Not found", who, "There is no such SSH server and account.");
  const std::string binding = "session:" + s.token;
  const std::string base =
      std::string(files ? "/sftp/" : "/terminal/") + url_encode(server) + "/" + url_encode(account);
  const bool post = r.method == "POST";
  std::optional<policy::decision> decision;

  if (n == 4 && parts[3] == "ticket") {
    if (!post) return message_page(405, "Method not allowed", who, "Use POST.");
    if (!same_origin(r)) return text_reply(403, "cross-site request refused");
    auto form = parse_form(r.body);
    if (!csrf_ok(binding, form["csrf"])) return text_reply(403, "the page has expired; reload it");
    if (auto why = terminal_refusal(s.person, server, account, decision))
      return text_reply(403, *why);
    return text_reply(
        200, tickets->issue({s.person, server, account}, std::chrono::steady_clock::now()));
  }
  if (n == 4) {  // request
    if (!post) return message_page(405, "Method not allowed", who, "Use POST.");
    auto filed =
        file_from_form(r, s, who, policy::target{s.person, server, account, config::protocol::ssh});
    if (auto* refused = std::get_if<web_reply>(&filed)) return std::move(*refused);
    const auto& request = std::get<policy::request>(filed);
    if (request.state != policy::request_state::pending) return redirect(base);
    return redirect(base + "/wait/" + std::to_string(request.id));
  }
  if (post) return message_page(405, "Method not allowed", who, "Use GET.");
  if (n == 5) {  // wait/ID: the request's state; approved: on to the terminal
    auto found = context_.operations.get_request(std::atoll(std::string(parts[4]).c_str()));
    if (!found || found->requester != s.person || found->server != server ||
        found->account != account)
      return message_page(404, "Not found", who, "No such request of yours.");
    if (found->state == policy::request_state::approved) return redirect(base);
    return wait_page(who, *found, account + "@" + server,
                     base + "/wait/" + std::to_string(found->id) + "/events",
                     files ? sftp_onward_words : terminal_onward_words, base);
  }

  if (auto why = terminal_refusal(s.person, server, account, decision)) {
    if (std::holds_alternative<policy::decisions::deny>(*decision))
      return message_page(403, "No access", who, *why);
    // A request of this person for this target still pending: wait for it, else the form.
    policy::request_filter f;
    f.requester = s.person;
    f.server = server;
    f.state = policy::request_state::pending;
    if (auto open = context_.operations.list_requests(f))
      for (const auto& q : *open)
        if (q.account == account) return redirect(base + "/wait/" + std::to_string(q.id));
    std::string body = "<h1>Request access to " + escape(account + "@" + server) + "</h1>";
    body += "<div class=\"notice\" id=\"terminal-refusal\">" + escape(*why) + "</div>";
    body += request_form(s, *decision, account + "@" + server, base + "/request", "");
    return html_reply(200, "Request access", who, body);
  }
  if (files) return sftp_page(who, server, account, base, csrf_token(binding));
  std::string body = "<h1>" + escape(account + "@" + server) + "</h1>";
  body += "<p class=\"muted\" id=\"terminal-status\">Connecting&hellip;</p>";
  body += "<div id=\"terminal\" class=\"terminal\" data-state=\"connecting\" data-ticket=\"" +
          escape(base + "/ticket") + "\" data-csrf=\"" + escape(csrf_token(binding)) +
          "\" data-socket=\"/terminal/ws\"></div>";
  body += "<link rel=\"stylesheet\" href=\"" + std::string(xterm_stylesheet) + "\">";
  body += "<script src=\"" + std::string(xterm_script) + "\"></script>";
  body += "<script src=\"" + std::string(xterm_fit_script) + "\"></script>";
  body += "<script src=\"" + std::string(terminal_script) + "\"></script>";
  auto reply = html_reply(200, account + "@" + server, who, body);
  reply.headers.emplace_back("Content-Security-Policy", terminal_policy());
  reply.headers.emplace_back("Cache-Control", "no-store");
  return reply;
}

// The web SFTP's file browser: the list, the forms and the upload's progress are drawn by
// /static/sftp.js (no inline script); the page only carries where to ask.
web_reply app::sftp_page(const viewer& who, const std::string& server, const std::string& account,
                         const std::string& base, const std::string& csrf) {
  std::string body = "<h1>Files on " + escape(account + "@" + server) + "</h1>";
  body += "<p class=\"muted\" id=\"sftp-status\">Connecting&hellip;</p>";
  body += "<div class=\"notice\" id=\"sftp-warning\" hidden></div>";
  body += "<div id=\"sftp\" data-state=\"connecting\" data-ticket=\"" + escape(base + "/ticket") +
          "\" data-csrf=\"" + escape(csrf) +
          "\" data-api=\"/sftp-api/\">"
          "<p>Folder: <code id=\"sftp-path\"></code> <input id=\"sftp-goto\" "
          "placeholder=\"/another/folder\"> <button id=\"sftp-go\">Open folder</button></p>"
          "<p><input type=\"file\" id=\"sftp-file\"> <button id=\"sftp-upload\">Upload</button> "
          "<progress id=\"sftp-progress\" max=\"100\" value=\"0\"></progress> "
          "<span id=\"sftp-progress-text\"></span></p>"
          "<p><input id=\"sftp-newdir\" placeholder=\"new folder name\"> "
          "<button id=\"sftp-mkdir\">Make folder</button></p>"
          "<table class=\"list\"><thead><tr><th>Name</th><th>Size</th><th></th></tr></thead>"
          "<tbody id=\"sftp-entries\"></tbody></table></div>";
  body += "<script src=\"" + std::string(sftp_script) + "\"></script>";
  auto reply = html_reply(200, account + "@" + server + " files", who, body);
  reply.headers.emplace_back("Cache-Control", "no-store");
  return reply;
}

}  // namespace gatehouse::web
