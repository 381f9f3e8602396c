#include "cli/printing.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstdio>

#include "core/untrusted_text.hpp"

namespace gatehouse::cli {

namespace json = boost::json;

void print_table(const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(header.size());
  for (std::size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size() && i < width.size(); ++i)
      width[i] = std::max(width[i], r[i].size());
  auto print_row = [&](const std::vector<std::string>& r) {
    std::string line;
    for (std::size_t i = 0; i < width.size(); ++i) {
      std::string cell = i < r.size() ? r[i] : "";
      line += cell;
      if (i + 1 < width.size()) line += std::string(width[i] - cell.size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::printf("%s\n", line.c_str());
  };
  print_row(header);
  for (const auto& r : rows) print_row(r);
}

std::string text_of(const json::value* v) {
  if (v == nullptr || v->is_null()) return "-";
  // Text a person wrote reaches an operator's terminal: escape sequences shown, not run.
  if (v->is_string()) return visible_text(v->get_string());
  return visible_text(json::serialize(*v));
}

void print_status(const json::value& status) {
  const auto& o = status.as_object();
  for (const char* key : {"instance_name", "version", "pid", "config_file", "config_loaded_at",
                          "reloads", "uptime_seconds", "store"})
    std::printf("%-18s %s\n", key, text_of(o.if_contains(key)).c_str());
  if (const auto* l = o.if_contains("listeners"); l && l->is_object())
    for (const auto& [name, where] : l->as_object())
      std::printf("%-18s %s\n", ("listener " + std::string(name)).c_str(), text_of(&where).c_str());
  // The daemons sharing the store (issue 16): this one's id, then every live node.
  if (const auto* node = o.if_contains("node"))
    std::printf("%-18s %s\n", "node", text_of(node).c_str());
  const auto* nodes = o.if_contains("nodes");
  if (nodes == nullptr || !nodes->is_array() || nodes->as_array().empty()) return;
  std::vector<std::vector<std::string>> rows;
  for (const auto& n : nodes->as_array()) {
    const auto* fields = n.if_object();
    if (fields == nullptr) continue;
    auto text = [&](const char* key) { return text_of(fields->if_contains(key)); };
    char age[32];
    const auto* seconds = fields->if_contains("heartbeat_age_seconds");
    std::snprintf(age, sizeof age, "%.1fs",
                  seconds && seconds->is_number() ? seconds->to_number<double>() : 0.0);
    const auto* stale = fields->if_contains("stale");
    const auto* self = fields->if_contains("self");
    std::string state = stale && stale->is_bool() && stale->get_bool() ? "STALE" : "live";
    if (self && self->is_bool() && self->get_bool()) state += " (this)";
    rows.push_back(
        {text("id"), text("instance_name"), text("addresses"), text("version"), age, state});
  }
  std::printf("\n");
  print_table({"NODE", "NAME", "ADDRESSES", "VERSION", "HEARTBEAT", "STATE"}, rows);
}

namespace {
std::string field(const json::value& v, const char* key) {
  const auto* o = v.if_object();
  return text_of(o ? o->if_contains(key) : nullptr);
}

// "root@web01", or "win01" for targets without an account (RDP).
std::string one_target_text(const json::value& v) {
  auto account = field(v, "account");
  return account.empty() ? field(v, "server") : account + "@" + field(v, "server");
}

// A grant's target, or every target of a request ("root@web01, deploy@web02").
std::string target_text(const json::value& v) {
  const auto* o = v.if_object();
  const auto* targets = o ? o->if_contains("targets") : nullptr;
  if (!targets || !targets->is_array() || targets->as_array().empty()) return one_target_text(v);
  std::string out;
  for (const auto& t : targets->as_array()) out += (out.empty() ? "" : ", ") + one_target_text(t);
  return out;
}

// "#12", or "#12, #13" for a request granted per target; "-" before any grant.
std::string grants_text(const json::value& request) {
  const auto* o = request.if_object();
  const auto* ids = o ? o->if_contains("grant_ids") : nullptr;
  if (!ids || !ids->is_array() || ids->as_array().empty()) return field(request, "grant_id");
  std::string out;
  for (const auto& id : ids->as_array()) out += (out.empty() ? "#" : ", #") + text_of(&id);
  return out;
}

// "bob, carol (any)" per level, levels joined by " then ".
std::string approvers_text(const json::value& request) {
  const auto* o = request.if_object();
  const auto* levels = o ? o->if_contains("approvers") : nullptr;
  if (!levels || !levels->is_array()) return "-";
  std::string out;
  for (const auto& level : levels->as_array()) {
    if (!out.empty()) out += " then ";
    std::string names;
    if (const auto* a = level.as_object().if_contains("approvers"); a && a->is_array())
      for (const auto& n : a->as_array()) names += (names.empty() ? "" : ", ") + text_of(&n);
    out += names + " (" + field(level, "condition") + ")";
  }
  return out.empty() ? "-" : out;
}

std::string window_end(const json::value& request) {
  const auto* o = request.if_object();
  const auto* w = o ? o->if_contains("window") : nullptr;
  return w ? field(*w, "end") : "-";
}

// "  revoked        AT by bob: no longer needed", "  reassigned     AT by bob: bob -> dave",
// "  grant ended    AT".
std::string history_line(const json::value& x) {
  std::string event = field(x, "event");
  if (event == "grant_ended") event = "grant ended";
  std::string line =
      "  " + event + std::string(event.size() < 15 ? 15 - event.size() : 1, ' ') + field(x, "at");
  if (auto actor = field(x, "actor"); actor != "-") line += " by " + actor;
  if (auto text = field(x, "text"); text != "-" && !text.empty()) line += ": " + text;
  return line;
}

}  // namespace

void print_requests(const json::value& list) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : list.as_array())
    rows.push_back({field(r, "id"), field(r, "state"), field(r, "requester"), target_text(r),
                    field(r, "protocol"), window_end(r), approvers_text(r),
                    field(r, "emergency") == "true" ? "emergency" : ""});
  if (rows.empty()) {
    std::printf("no requests\n");
    return;
  }
  print_table({"ID", "STATE", "REQUESTER", "TARGET", "PROTOCOL", "UNTIL", "APPROVERS", ""}, rows);
}

void print_request(const json::value& r) {
  std::printf("request #%s  %s\n", field(r, "id").c_str(), field(r, "state").c_str());
  std::printf("  requester      %s\n", field(r, "requester").c_str());
  std::printf("  target         %s (%s)\n", target_text(r).c_str(), field(r, "protocol").c_str());
  if (auto title = field(r, "title"); !title.empty())
    std::printf("  title          %s\n", title.c_str());
  std::printf("  justification  %s\n", field(r, "justification").c_str());
  const auto& o = r.as_object();
  if (const auto* w = o.if_contains("window"))
    std::printf("  window         %s .. %s\n", field(*w, "start").c_str(),
                field(*w, "end").c_str());
  std::printf("  approvers      %s\n", approvers_text(r).c_str());
  if (field(r, "emergency") == "true")
    std::printf("  emergency      yes, post-approval %s\n", field(r, "post_approval").c_str());
  std::printf("  grant          %s\n", grants_text(r).c_str());
  if (const auto* d = o.if_contains("decisions"); d && d->is_array())
    for (const auto& x : d->as_array())
      std::printf("  decision       %s %s by %s: %s\n", field(x, "at").c_str(),
                  field(x, "verdict").c_str(), field(x, "approver").c_str(),
                  field(x, "comment").c_str());
  if (const auto* c = o.if_contains("comments"); c && c->is_array())
    for (const auto& x : c->as_array())
      std::printf("  comment        %s %s: %s\n", field(x, "at").c_str(),
                  field(x, "author").c_str(), field(x, "text").c_str());
  if (const auto* h = o.if_contains("history"); h && h->is_array())
    for (const auto& x : h->as_array()) std::printf("%s\n", history_line(x).c_str());
}

void print_request_outcome(const json::value& r) {
  std::string line = "request #" + field(r, "id") + " " + field(r, "state");
  if (auto g = grants_text(r); g != "-")
    line += (g.find(',') == std::string::npos ? ", grant " : ", grants ") + g + " until " +
            window_end(r);
  std::printf("%s\n", line.c_str());
}

void print_grants(const json::value& list) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& g : list.as_array())
    rows.push_back({field(g, "id"), field(g, "request_id"), field(g, "person"), target_text(g),
                    field(g, "start"), field(g, "end"), field(g, "state")});
  if (rows.empty()) {
    std::printf("no grants\n");
    return;
  }
  print_table({"ID", "REQUEST", "PERSON", "TARGET", "START", "END", "STATE"}, rows);
}

void print_grant_outcome(const json::value& g) {
  std::printf("grant #%s %s\n", field(g, "id").c_str(), field(g, "state").c_str());
}

void print_http_token(const json::value& t) {
  const auto token = field(t, "token");
  std::printf(
      "%s\n\nA personal token of %s for %s; hand it over, then forget it. Sent as:\n"
      "  curl -H \"Authorization: Bearer %s\" %s\n",
      token.c_str(), field(t, "person").c_str(), field(t, "app").c_str(), token.c_str(),
      field(t, "url").c_str());
}

void print_sessions(const json::value& list) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : list.as_array())
    rows.push_back({field(s, "id"), field(s, "person"), target_text(s), field(s, "protocol"),
                    field(s, "client"), field(s, "started"), field(s, "grant_id"),
                    field(s, "bytes_in"), field(s, "bytes_out"), field(s, "node")});
  if (rows.empty()) {
    std::printf("no live sessions\n");
    return;
  }
  print_table(
      {"ID", "PERSON", "TARGET", "PROTOCOL", "CLIENT", "STARTED", "GRANT", "IN", "OUT", "NODE"},
      rows);
}

// One line each, nothing else: `gatehouse ca export > /etc/ssh/gatehouse_user_ca.pub`.
void print_trusted_ca_keys(const json::value& answer) {
  const auto* keys =
      answer.is_object() ? answer.as_object().if_contains("trusted_user_ca_keys") : nullptr;
  if (keys == nullptr || !keys->is_array()) return;
  for (const auto& line : keys->as_array()) std::printf("%s\n", text_of(&line).c_str());
}

}  // namespace gatehouse::cli
