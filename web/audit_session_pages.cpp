// Sessions from the audit log: GET /audit/sessions (the list), /audit/sessions/ID (facts and
// the replay with asciinema-player), /audit/recordings/NAME.cast (the recording itself, found
// through the session's own events, never from a path in the URL). Under
// audit.recordings_need_approval a replay or download first needs the viewer's approved request
// for recording:ID (policy/recording_access.hpp): the page offers to file it (POST
// /audit/sessions/ID/request) and waits; every replay and download is audited as
// recording.viewed, approval needed or not.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "audit/log_files.hpp"
#include "audit/query.hpp"
#include "core/duration.hpp"
#include "policy/access_service.hpp"
#include "web/app.hpp"
#include "web/audit_search.hpp"
#include "web/audit_sessions.hpp"
#include "web/audit_views.hpp"
#include "web/forms.hpp"
#include "web/static_assets.hpp"

namespace gatehouse::web {

namespace {
constexpr std::size_t sessions_shown = 200;
constexpr std::size_t most_sessions_shown = 2000;
// A session leaves about three events (start, recording, end); more are read to fill a page.
constexpr std::size_t events_per_session = 4;
// Larger recordings are not sent through the web app (they are read whole into memory).
constexpr std::uintmax_t most_recording_bytes = 64ull << 20;

std::string replay_policy() {
  return std::string(content_security_policy) + "; script-src 'self' 'wasm-unsafe-eval'";
}

// The session `id` as its own session.* events describe it (empty when the log has none).
std::vector<audit_session> one_session(const std::string& log, const std::string& id,
                                       std::string& error) {
  if (log.empty()) return {};
  audit::query q;
  q.session = id;
  q.event = "session.*";
  return sessions_from_events(audit::find_events(audit::chain_files(log), q, error));
}

std::string number_or_blank(const std::optional<std::int64_t>& n) {
  return n ? std::to_string(*n) : std::string();
}

std::string target_of(const audit_session& s) {
  return s.account.empty() ? escape(s.server) : escape(s.account) + "@" + escape(s.server);
}

std::string duration_of(const audit_session& s) {
  return s.duration_s ? escape(format_duration(std::chrono::seconds(*s.duration_s))) : "";
}

std::string session_link(const audit_session& s) {
  return "<a href=\"/audit/sessions/" + url_encode(s.id) + "\">" + escape(s.id) + "</a>";
}

std::string recording_link(const std::string& path) {
  auto name = recording_name(path);
  return "<a href=\"/audit/recordings/" + url_encode(name) + "\" download>" + escape(name) + "</a>";
}

policy::recorded_session recorded(const audit_session& s) {
  return {s.id, s.person, s.server, s.account};
}

// What a viewer without approval sees instead of the recording: their request waiting (the page
// reloads itself until it is decided), or the form that files it.
std::string approval_needed(const audit_session& s, const policy::recording_access& access,
                            const std::string& csrf) {
  std::string out =
      "<div class=\"card\"><h2>Approval needed</h2><p class=\"notice\">Viewing the recording of "
      "this session needs an approved request (audit.recordings_need_approval), decided by its "
      "approvers, never by " +
      escape(s.person) + ".</p>";
  if (access.pending) {
    const auto& r = *access.pending;
    out += "<p>Your <a href=\"/requests/" + std::to_string(r.id) + "\">request #" +
           std::to_string(r.id) + "</a> is pending. " +
           escape(waiting_sentence(r, "the recording")) + "</p></div>";
    return out;
  }
  return out + "<form method=\"post\" action=\"/audit/sessions/" + url_encode(s.id) +
         "/request\"><input type=\"hidden\" name=\"csrf\" value=\"" + escape(csrf) +
         "\"><label for=\"reason\">Why you need to see it</label><textarea id=\"reason\" "
         "name=\"reason\" required maxlength=\"2000\"></textarea><div class=\"actions\"><button "
         "type=\"submit\">Ask to view the recording</button></div></form></div>";
}

std::string list_form(const audit_search& s) {
  return "<form class=\"card\" method=\"get\" action=\"/audit/sessions\"><div class=\"filters\">" +
         filter_field("person", "Person", s.value("person")) +
         filter_field("server", "Server", s.value("server")) +
         filter_field("since", "Since (UTC)", s.value("since"), "2026-11-22T10:00") +
         filter_field("until", "Until (UTC)", s.value("until")) +
         "</div><div class=\"actions\"><button type=\"submit\">Search</button></div></form>";
}
}  // namespace

web_reply app::audit_sessions(const config_ptr& cfg, const web_request& r, const viewer& v) {
  std::string url_query;
  if (auto q = r.target.find('?'); q != std::string::npos) url_query = r.target.substr(q + 1);
  std::string error;
  auto search = audit_search_from(url_query, sessions_shown, most_sessions_shown, error);
  if (!search) return message_page(400, "Bad filter", v, error);
  if (cfg->audit.log.empty())
    return message_page(404, "No audit log", v, "No audit log is configured (audit.log).");
  auto q = search->query;
  q.event = "session.*";
  q.limit = search->query.limit * events_per_session;
  auto events = audit::find_events(audit::chain_files(cfg->audit.log), q, error);
  if (!error.empty()) return message_page(500, "The audit log cannot be read", v, error);
  auto sessions = sessions_from_events(events);
  if (sessions.size() > search->query.limit) sessions.resize(search->query.limit);

  std::string rows;
  for (const auto& s : sessions) {
    std::string recordings;
    for (const auto& p : s.recordings)
      recordings += (recordings.empty() ? "" : " ") + recording_link(p);
    rows += "<tr><td>" + session_link(s) + "</td><td>" + escape(s.person) + "</td><td>" +
            target_of(s) + "</td><td class=\"time\">" + shown_time(s.started) +
            "</td><td class=\"time\">" +
            (s.ended.empty() ? "<span class=\"muted\">open</span>" : shown_time(s.ended)) +
            "</td><td>" + duration_of(s) + "</td><td>" + number_or_blank(s.bytes_in) + "</td><td>" +
            number_or_blank(s.bytes_out) + "</td><td>" + escape(s.end_reason) + "</td><td>" +
            recordings + "</td></tr>";
  }
  std::string body = "<h1>Sessions</h1>" + audit_tabs("Sessions") + list_form(*search);
  if (rows.empty()) {
    body += "<p class=\"muted\">No sessions match.</p>";
  } else {
    body +=
        "<table class=\"list audit\"><thead><tr><th>Session</th><th>Person</th><th>Target</th>"
        "<th>Start</th><th>End</th><th>Duration</th><th>Bytes in</th><th>Bytes out</th>"
        "<th>End reason</th><th>Recording</th></tr></thead><tbody>" +
        rows + "</tbody></table><p class=\"muted\">The newest " + std::to_string(sessions.size()) +
        " sessions, newest first.</p>";
  }
  return html_reply(200, "Sessions", v, body);
}

web_reply app::audit_replay(const config_ptr& cfg, const std::string& session_id, const viewer& v,
                            policy::access_service& access, const std::string& csrf) {
  std::string error;
  auto sessions = one_session(cfg->audit.log, session_id, error);
  if (!error.empty()) return message_page(500, "The audit log cannot be read", v, error);
  if (sessions.empty())
    return message_page(404, "Not found", v, "The audit log has no session " + session_id + ".");
  const auto& s = sessions.front();
  std::string body =
      "<h1>Session " + escape(s.id) + "</h1>" + audit_tabs("Sessions") +
      "<div class=\"card\"><dl class=\"facts\"><dt>Person</dt><dd>" + escape(s.person) +
      "</dd><dt>Target</dt><dd>" + target_of(s) + "</dd><dt>Protocol</dt><dd>" +
      escape(s.protocol) + "</dd><dt>Client</dt><dd>" + escape(s.client) +
      "</dd><dt>Start</dt><dd>" + shown_time(s.started) + "</dd><dt>End</dt><dd>" +
      (s.ended.empty() ? "open" : shown_time(s.ended)) + "</dd><dt>Duration</dt><dd>" +
      duration_of(s) + "</dd><dt>Bytes in / out</dt><dd>" + number_or_blank(s.bytes_in) + " / " +
      number_or_blank(s.bytes_out) + "</dd><dt>End reason</dt><dd>" + escape(s.end_reason) +
      "</dd></dl><p><a href=\"/audit?session=" + url_encode(s.id) +
      "\">Every event of this session</a></p></div>";
  if (s.recordings.empty()) {
    body += "<p class=\"muted\">This session was not recorded.</p>";
    return html_reply(200, "Session " + s.id, v, body);
  }
  const std::string person(v.person);
  auto allowed = access.recording_access_for(person, recorded(s));
  if (!allowed) return message_page(500, "Try again later", v, allowed.message());
  if (!allowed->allowed) {
    auto page = html_reply(403, "Session " + s.id, v, body + approval_needed(s, *allowed, csrf));
    if (allowed->pending) page.headers.emplace_back("Refresh", "10");
    return page;
  }
  access.recording_viewed(person, recorded(s), "replay", *allowed);
  const bool player = player_installed(cfg->listen.http ? cfg->listen.http->asciinema_player : "");
  for (const auto& path : s.recordings) {
    auto name = recording_name(path);
    body += "<h2>Recording " + escape(name) + "</h2>";
    if (player)
      body += "<div id=\"player\" data-cast=\"/audit/recordings/" + url_encode(name) + "\"></div>";
    body += "<p>Download: " + recording_link(path) +
            " <span class=\"muted\">(asciicast v2; <code>asciinema play FILE</code>)</span></p>";
    if (player) break;  // one player per page; the others are downloads
  }
  if (player) {
    body += "<link rel=\"stylesheet\" href=\"" + std::string(player_stylesheet) +
            "\"><script src=\"" + std::string(player_script) + "\" defer></script><script src=\"" +
            std::string(replay_script) + "\" defer></script>";
  } else {
    body +=
        "<p class=\"notice\">The in-browser player is not installed on this gate "
        "(listen.http.asciinema_player); download the recording instead.</p>";
  }
  auto reply = html_reply(200, "Session " + s.id, v, body);
  if (player) reply.headers.emplace_back("Content-Security-Policy", replay_policy());
  return reply;
}

web_reply app::audit_recording(const config_ptr& cfg, const std::string& name, const viewer& v,
                               policy::access_service& access) {
  auto id = session_of_recording_name(name);
  if (id.empty()) return message_page(404, "Not found", v, "There is no such recording.");
  std::string error;
  auto sessions = one_session(cfg->audit.log, id, error);
  if (!error.empty()) return message_page(500, "The audit log cannot be read", v, error);
  std::string path;
  const audit_session* session = nullptr;
  for (const auto& s : sessions)
    for (const auto& p : s.recordings)
      if (recording_name(p) == name) path = p, session = &s;
  std::error_code ec;
  if (path.empty() || !std::filesystem::is_regular_file(path, ec))
    return message_page(404, "Not found", v, "There is no such recording.");
  auto size = std::filesystem::file_size(path, ec);
  if (ec || size > most_recording_bytes)
    return message_page(413, "Too large", v,
                        "This recording is too large to send from the web app; read it on the "
                        "gate: " +
                            path);
  const std::string person(v.person);
  auto allowed = access.recording_access_for(person, recorded(*session));
  if (!allowed) return message_page(500, "Try again later", v, allowed.message());
  if (!allowed->allowed)
    return message_page(403, "Approval needed", v,
                        "Viewing this recording needs an approved request: ask for it on "
                        "/audit/sessions/" +
                            id + ".");
  access.recording_viewed(person, recorded(*session), "download", *allowed);
  std::ifstream in(path, std::ios::binary);
  if (!in) return message_page(500, "Not readable", v, "The recording cannot be read.");
  std::ostringstream text;
  text << in.rdbuf();
  web_reply reply{200, "application/x-asciicast", std::move(text).str(), {}};
  reply.headers.emplace_back("Content-Disposition", "inline; filename=\"" + name + "\"");
  return reply;
}

web_reply app::audit_recording_request(const config_ptr& cfg, const std::string& session_id,
                                       const viewer& v, policy::access_service& access,
                                       const std::string& reason) {
  std::string error;
  auto sessions = one_session(cfg->audit.log, session_id, error);
  if (!error.empty()) return message_page(500, "The audit log cannot be read", v, error);
  if (sessions.empty())
    return message_page(404, "Not found", v, "The audit log has no session " + session_id + ".");
  auto filed =
      access.file_recording_request(std::string(v.person), recorded(sessions.front()), reason);
  if (!filed)
    return message_page(filed.code() == policy::error_code::invalid ? 400 : 403, "Not done", v,
                        filed.message());
  return redirect("/audit/sessions/" + url_encode(session_id));
}

}  // namespace gatehouse::web
