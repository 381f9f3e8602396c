#include "web/request_views.hpp"

#include <algorithm>

#include "core/duration.hpp"
#include "web/html.hpp"

namespace gatehouse::web {

std::string state_badge(std::string_view state) {
  return "<span class=\"badge " + escape(state) + "\">" + escape(state) + "</span>";
}

namespace {
std::string verb(policy::verdict v) {
  return v == policy::verdict::approve ? "approved" : "denied";
}

std::string approvers_text(const policy::request& r) {
  std::string out;
  for (std::size_t k = 0; k < r.levels.size(); ++k) {
    if (k) out += "; then ";
    std::string names;
    for (const auto& n : r.levels[k].approvers) names += (names.empty() ? "" : ", ") + n;
    out += escape(names) + " (" + escape(policy::to_string(r.levels[k].condition)) + ")";
  }
  return out.empty() ? "nobody" : out;
}
std::string quoted(const std::string& text) {
  return text.empty() ? std::string() : ": &ldquo;" + escape(text) + "&rdquo;";
}

// A comment, or another step kept with the comments (policy::record_kind), as a timeline item.
std::string record_html(const policy::comment_record& c) {
  const std::string who = "<strong>" + escape(c.author) + "</strong>";
  switch (c.kind) {
    case policy::record_kind::comment: return who + " commented" + quoted(c.text);
    case policy::record_kind::reassigned:
      return who + " reassigned the approval (" + escape(c.text) + ")";
    case policy::record_kind::revoked: return who + " revoked the grant" + quoted(c.text);
    case policy::record_kind::grant_ended: return "The grant ended";
    case policy::record_kind::fulfilled: return who + " fulfilled the request" + quoted(c.text);
    case policy::record_kind::fulfilment_failed:
      return who + " could not fulfil the request" + quoted(c.text);
  }
  return escape(c.text);
}
}  // namespace

std::string request_facts(const policy::request& r) {
  std::string out = "<dl class=\"facts\">";
  auto row = [&](std::string_view name, const std::string& html) {
    out += "<dt>" + std::string(name) + "</dt><dd>" + html + "</dd>";
  };
  if (!r.title.empty()) row("Title", escape(r.title));
  row("Requester", escape(r.requester));
  row("Server", escape(r.server));
  row("Account", escape(r.account));
  if (!r.more_targets.empty()) {  // decided together, granted per target
    std::string list = "<ul class=\"targets\">";
    for (const auto& t : policy::targets_of(r))
      list += "<li>" + escape(t.account.empty() ? t.server : t.account + "@" + t.server) +
              (t.grant ? " (grant #" + std::to_string(*t.grant) + ")" : std::string()) + "</li>";
    row("Targets", list + "</ul>");
  }
  row("Protocol", escape(policy::to_string(r.protocol)));
  row("Window", escape(when(r.window.start)) + " &ndash; " + escape(when(r.window.end)) + " (" +
                    escape(format_duration(
                        std::chrono::duration_cast<std::chrono::seconds>(r.window.length()))) +
                    ")");
  row("Justification", r.justification.empty() ? "<span class=\"muted\">none given</span>"
                                               : escape(r.justification));
  row("Emergency",
      r.emergency ? "<span class=\"emergency\">yes: access was taken at once</span>" : "no");
  std::string state = state_badge(policy::to_string(r.state));
  if (r.post_approval != policy::post_approval::none)
    state += " post-approval " + state_badge(policy::to_string(r.post_approval));
  row("State", state);
  row("Approvers", approvers_text(r));
  out += "</dl>";
  return out;
}

std::string decisions_text(const policy::request& r) {
  std::string out;
  for (const auto& d : r.decisions) {
    out += "<li><strong>" + escape(d.approver) + "</strong> " + verb(d.verdict) + " at " +
           escape(when(d.at));
    if (!d.comment.empty()) out += ": &ldquo;" + escape(d.comment) + "&rdquo;";
    out += "</li>";
  }
  return out.empty() ? out : "<ul>" + out + "</ul>";
}

std::string timeline(const policy::request& r) {
  struct item {
    time_point at;
    std::string html;
  };
  std::vector<item> items;
  std::string filed = "<strong>" + escape(r.filed_by.empty() ? r.requester : r.filed_by) +
                      "</strong> filed the request";
  if (!r.filed_by.empty() && r.filed_by != r.requester) filed += " for " + escape(r.requester);
  items.push_back({r.created, filed});
  for (const auto& d : r.decisions) {
    std::string h = "<strong>" + escape(d.approver) + "</strong> " + verb(d.verdict);
    if (!d.comment.empty()) h += ": &ldquo;" + escape(d.comment) + "&rdquo;";
    items.push_back({d.at, h});
  }
  for (const auto& c : r.comments) items.push_back({c.at, record_html(c)});
  if (r.state == policy::request_state::expired || r.state == policy::request_state::cancelled)
    items.push_back({r.updated, "The request was " + escape(policy::to_string(r.state))});
  std::stable_sort(items.begin(), items.end(),
                   [](const item& a, const item& b) { return a.at < b.at; });
  std::string out = "<ol class=\"timeline\">";
  for (const auto& i : items)
    out += "<li><time>" + escape(when(i.at)) + "</time>" + i.html + "</li>";
  return out + "</ol>";
}

std::string request_table(const std::vector<policy::request>& rs, std::string_view empty_text,
                          const std::function<std::string(const policy::request&)>& actions) {
  if (rs.empty()) return "<p class=\"muted\">" + escape(empty_text) + "</p>";
  std::string out =
      "<table class=\"list\"><thead><tr><th>#</th><th>Requester</th><th>Target</th>"
      "<th>Window</th><th>State</th>" +
      std::string(actions ? "<th></th>" : "") + "</tr></thead><tbody>";
  for (const auto& r : rs) {
    std::string id = std::to_string(r.id);
    out += "<tr><td><a href=\"/requests/" + id + "\">#" + id + "</a>" +
           (r.title.empty() ? std::string() : " " + escape(r.title)) + "</td><td>" +
           escape(r.requester) + "</td><td>" + escape(policy::targets_text(r)) +
           (r.emergency ? " <span class=\"emergency\">emergency</span>" : "") + "</td><td>" +
           escape(when(r.window.start)) + " (" +
           escape(format_duration(
               std::chrono::duration_cast<std::chrono::seconds>(r.window.length()))) +
           ")</td><td>" + state_badge(policy::to_string(r.state)) + "</td>" +
           (actions ? "<td>" + actions(r) + "</td>" : std::string()) + "</tr>";
  }
  return out + "</tbody></table>";
}

}  // namespace gatehouse::web
