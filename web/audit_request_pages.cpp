// Request history for auditors: GET /audit/requests (filters: person, server, state, emergency
// only, request) and /audit/requests.csv, every request the store holds, newest first.
#include "operations/operations.hpp"
#include "web/app.hpp"
#include "web/audit_views.hpp"
#include "web/forms.hpp"
#include "web/request_history.hpp"
#include "web/request_views.hpp"

namespace gatehouse::web {

namespace {
constexpr std::size_t requests_shown = 500;

std::string history_form(const std::map<std::string, std::string>& given) {
  auto value = [&](const char* key) {
    auto it = given.find(key);
    return it == given.end() ? std::string() : it->second;
  };
  std::string states =
      "<div><label for=\"f-state\">State</label><select id=\"f-state\" "
      "name=\"state\"><option value=\"\">any</option>";
  for (const char* s : {"pending", "approved", "denied", "expired", "cancelled"})
    states +=
        std::string("<option") + (value("state") == s ? " selected" : "") + ">" + s + "</option>";
  states += "</select></div>";
  const auto emergency = value("emergency");
  return "<form class=\"card\" method=\"get\" action=\"/audit/requests\"><div class=\"filters\">" +
         filter_field("person", "Requester", value("person")) +
         filter_field("server", "Server", value("server")) + states +
         filter_checkbox("emergency", "Emergency only",
                         !emergency.empty() && emergency != "0" && emergency != "false") +
         "</div><div class=\"actions\"><button type=\"submit\">Search</button></div></form>";
}

std::string history_row(const policy::request& r) {
  std::string comments;
  for (const auto& c : r.comments)
    comments += c.kind == policy::record_kind::comment
                    ? "<div><strong>" + escape(c.author) + "</strong>: " + escape(c.text) + "</div>"
                    : "<div class=\"muted\">" + escape(record_text(c)) + "</div>";
  return "<tr><td>#" + std::to_string(r.id) + "</td><td>" + escape(r.requester) + "</td><td>" +
         escape(r.account) + "@" + escape(r.server) +
         (r.emergency ? " <span class=\"emergency\">emergency</span>" : "") + "</td><td>" +
         escape(r.justification) + "</td><td>" + state_badge(policy::to_string(r.state)) +
         (r.post_approval != policy::post_approval::none
              ? " post-approval " + state_badge(policy::to_string(r.post_approval))
              : std::string()) +
         "</td><td>" + escape(decided_by(r)) + "</td><td>" + comments + "</td><td>" +
         escape(when(r.created)) + "</td><td>" + escape(when(r.window.start)) + " &ndash; " +
         escape(when(r.window.end)) + "</td></tr>";
}
}  // namespace

web_reply app::audit_requests(const web_request& r, bool csv, const viewer& v) {
  std::string url_query;
  if (auto q = r.target.find('?'); q != std::string::npos) url_query = r.target.substr(q + 1);
  std::string error;
  auto filter = request_history_filter_from(url_query, error);
  if (!filter) return message_page(400, "Bad filter", v, error);
  auto all = context_.operations.list_requests(filter->store);
  if (!all) return message_page(500, "Try again later", v, all.message());
  std::vector<policy::request> found;
  for (auto& q : *all)
    if (matches(*filter, q)) found.push_back(std::move(q));

  if (csv) {
    std::string out = request_csv_header();
    for (const auto& q : found) out += request_csv_row(q);
    return csv_download("gatehouse-requests.csv", std::move(out));
  }
  std::string rows;
  for (std::size_t i = 0; i < found.size() && i < requests_shown; ++i)
    rows += history_row(found[i]);
  std::string body = "<h1>Requests</h1>" + audit_tabs("Requests") +
                     history_form(parse_form(url_query)) + "<p><a href=\"/audit/requests.csv?" +
                     escape(url_query) +
                     "\">Download CSV</a> <span class=\"muted\">(every match)</span></p>";
  if (rows.empty()) {
    body += "<p class=\"muted\">No requests match.</p>";
  } else {
    body +=
        "<table class=\"list audit\"><thead><tr><th>#</th><th>Requester</th><th>Target</th>"
        "<th>Reason</th><th>State</th><th>Decided by</th><th>Comments</th><th>Filed</th>"
        "<th>Window</th></tr></thead><tbody>" +
        rows + "</tbody></table>";
    if (found.size() > requests_shown)
      body += "<p class=\"muted\">The newest " + std::to_string(requests_shown) + " of " +
              std::to_string(found.size()) + "; narrow the filters or download the CSV.</p>";
  }
  return html_reply(200, "Requests", v, body);
}

}  // namespace gatehouse::web
