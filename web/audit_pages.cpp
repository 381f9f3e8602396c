// The audit pages' door (the auditors group only) and the event search: GET /audit (a form
// and the newest matching events) and GET /audit.csv (the same filters, as CSV).
//
// The log is read on the web server's worker thread (web_reply::off_thread). A page reads the
// log's files from the end and stops at its row limit, so the newest events come fast however
// long the log is; a filter that matches little (or the CSV of everything) reads the whole
// log, and only that request waits for it (bench/web/audit_page_bench.py).
#include <algorithm>

#include "audit/log_files.hpp"
#include "audit/query.hpp"
#include "policy/async/gate_service.hpp"
#include "web/app.hpp"
#include "web/audit_search.hpp"
#include "web/audit_views.hpp"
#include "web/forms.hpp"

namespace gatehouse::web {

namespace {
constexpr std::size_t rows_shown = 200;
constexpr std::size_t most_rows_shown = 5000;
constexpr std::size_t most_csv_rows = 100000;

std::size_t column(std::string_view name) {
  return static_cast<std::size_t>(std::find(audit::columns.begin(), audit::columns.end(), name) -
                                  audit::columns.begin());
}

std::string event_row(const boost::json::object& e) {
  auto v = audit::column_values(e);
  auto cell = [&](std::string_view name) { return escape(v[column(name)]); };
  std::string target =
      v[column("account")].empty() ? cell("server") : cell("account") + "@" + cell("server");
  std::string session = v[column("session")].empty()
                            ? std::string()
                            : "<a href=\"/audit/sessions/" + url_encode(v[column("session")]) +
                                  "\">" + cell("session") + "</a>";
  std::string request =
      v[column("request")].empty()
          ? std::string()
          : "<a href=\"/audit/requests?request=" + url_encode(v[column("request")]) + "\">#" +
                cell("request") + "</a>";
  std::string what = cell("reason");
  if (!v[column("path")].empty()) what += (what.empty() ? "" : " ") + cell("path");
  return "<tr><td class=\"time\">" + shown_time(v[column("ts")]) + "</td><td>" + cell("event") +
         "</td><td>" + cell("person") + "</td><td>" + target + "</td><td>" + session + "</td><td>" +
         request + "</td><td>" + what + "</td><td class=\"details\">" + cell("details") +
         "</td></tr>";
}

std::string search_form(const audit_search& s) {
  return "<form class=\"card\" method=\"get\" action=\"/audit\"><div class=\"filters\">" +
         filter_field("person", "Person", s.value("person")) +
         filter_field("server", "Server", s.value("server")) +
         filter_field("event", "Event", s.value("event"), "session.* or auth.failure") +
         filter_field("since", "Since (UTC)", s.value("since"), "2026-11-22T10:00") +
         filter_field("until", "Until (UTC)", s.value("until")) +
         filter_field("request", "Request", s.value("request")) +
         filter_field("session", "Session", s.value("session")) +
         filter_checkbox("emergency", "Emergency only", s.query.emergency_only) +
         "</div><div class=\"actions\"><button type=\"submit\">Search</button></div></form>";
}
}  // namespace

bool is_auditor(const config::config& c, std::string_view person) {
  const auto* u = c.find_user(person);
  return u && std::find(u->groups.begin(), u->groups.end(), auditors_group) != u->groups.end();
}

web_reply app::audit_routes(const web_request& r, std::string_view path, const session& s) {
  if (!is_auditor(*context_.current_config(), s.person))
    return message_page(403, "Auditors only", s.person,
                        "The audit pages are for members of the auditors group. Ask an "
                        "administrator to add you to it in the configuration.");
  const viewer v{s.person, true};
  auto parts = path_segments(path);
  // The one form of the audit pages: asking to see a recording (recordings_need_approval).
  const bool recording_request =
      r.method == "POST" && parts.size() == 4 && parts[1] == "sessions" && parts[3] == "request";
  if (r.method != "GET" && r.method != "HEAD" && !recording_request)
    return message_page(405, "Method not allowed", v, "The audit pages only show.");
  if (path == "/audit/requests" || path == "/audit/requests.csv")
    return audit_requests(r, path == "/audit/requests.csv", v);
  // The pages that read the log (a search that matches little reads all of it) run on the
  // web server's worker thread, so that SSH sessions and other requests go on meanwhile.
  auto off_thread = [](std::function<web_reply()> work) {
    web_reply reply;
    reply.off_thread = std::move(work);
    return reply;
  };
  auto cfg = context_.current_config();
  // The workers get their own copy of the viewer's name: `s` is gone once this returns (a
  // viewer only points at a name).
  if (path == "/audit" || path == "/audit.csv")
    return off_thread([cfg, r, person = s.person, csv = path == "/audit.csv"] {
      return audit_events(cfg, r, csv, viewer{person, true});
    });
  if (path == "/audit/sessions")
    return off_thread([cfg, r, person = s.person] {
      return audit_sessions(cfg, r, viewer{person, true});
    });
  // The access service is thread-safe.
  auto* access = &context_.gate.access();
  if (recording_request) {
    if (!same_origin(r))
      return message_page(403, "Refused", v, "This form was sent from another site.");
    auto form = parse_form(r.body);
    if (!csrf_ok("session:" + s.token, form["csrf"]))
      return message_page(403, "Refused", v,
                          "The form has expired; reload the page and try again.");
    return off_thread(
        [cfg, access, person = s.person, id = std::string(parts[2]), reason = form["reason"]] {
          return audit_recording_request(cfg, id, viewer{person, true}, *access, reason);
        });
  }
  if (parts.size() == 3 && parts[1] == "sessions")
    return off_thread([cfg, access, person = s.person, id = std::string(parts[2]),
                       csrf = csrf_token("session:" + s.token)] {
      return audit_replay(cfg, id, viewer{person, true}, *access, csrf);
    });
  if (parts.size() == 3 && parts[1] == "recordings")
    return off_thread([cfg, access, person = s.person, name = std::string(parts[2])] {
      return audit_recording(cfg, name, viewer{person, true}, *access);
    });
  return message_page(404, "Not found", v, "There is no such page.");
}

web_reply app::audit_events(const config_ptr& cfg, const web_request& r, bool csv,
                            const viewer& v) {
  std::string url_query;
  if (auto q = r.target.find('?'); q != std::string::npos) url_query = r.target.substr(q + 1);
  std::string error;
  auto search = audit_search_from(url_query, csv ? most_csv_rows : rows_shown,
                                  csv ? most_csv_rows : most_rows_shown, error);
  if (!search) return message_page(400, "Bad filter", v, error);
  if (cfg->audit.log.empty())
    return message_page(404, "No audit log", v, "No audit log is configured (audit.log).");
  // One more than shown tells whether there are more.
  auto q = search->query;
  if (!csv) ++q.limit;
  auto found = audit::find_events(audit::chain_files(cfg->audit.log), q, error);
  if (!error.empty()) return message_page(500, "The audit log cannot be read", v, error);

  if (csv) {
    std::string out = audit::csv_header();
    for (const auto& e : found) out += audit::csv_row(e);
    return csv_download("gatehouse-audit.csv", std::move(out));
  }
  const bool more = found.size() > search->query.limit;
  const std::size_t shown = std::min(found.size(), search->query.limit);
  std::string rows;
  for (std::size_t i = 0; i < shown; ++i) rows += event_row(found[found.size() - 1 - i]);
  std::string body = "<h1>Audit</h1>" + audit_tabs("Events") + search_form(*search);
  body += "<p><a href=\"/audit.csv?" + escape(search->query_string()) +
          "\">Download CSV</a> <span class=\"muted\">(every match, up to " +
          std::to_string(most_csv_rows) + " rows)</span></p>";
  if (rows.empty()) {
    body += "<p class=\"muted\">No events match.</p>";
  } else {
    body +=
        "<table class=\"list audit\"><thead><tr><th>Time</th><th>Event</th><th>Person</th>"
        "<th>Target</th><th>Session</th><th>Request</th><th>Reason / path</th><th>Details</th>"
        "</tr></thead><tbody>" +
        rows + "</tbody></table>";
    body += "<p class=\"muted\">The newest " + std::to_string(shown) + " matches, newest first.";
    if (more && search->query.limit < most_rows_shown)
      body += " <a href=\"/audit?" +
              escape(search->query_string(
                  "limit=" + std::to_string(std::min(2 * search->query.limit, most_rows_shown)))) +
              "\">Show more</a>";
    else if (more)
      body += " Narrow the filters or download the CSV for the rest.";
    body += "</p>";
  }
  return html_reply(200, "Audit", v, body);
}

}  // namespace gatehouse::web
