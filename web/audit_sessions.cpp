#include "web/audit_sessions.hpp"

#include <boost/json/string.hpp>

#include <algorithm>
#include <map>

namespace gatehouse::web {

namespace json = boost::json;

namespace {
std::string text(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::optional<std::int64_t> number(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v && v->is_int64()) return v->get_int64();
  if (v && v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  return std::nullopt;
}

void add_recording(audit_session& s, std::string path) {
  if (path.empty() ||
      std::find(s.recordings.begin(), s.recordings.end(), path) != s.recordings.end())
    return;
  s.recordings.push_back(std::move(path));
}

bool id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}
}  // namespace

std::vector<audit_session> sessions_from_events(const std::vector<json::object>& events) {
  std::vector<audit_session> rows;
  std::map<std::string, std::size_t> index;
  for (const auto& e : events) {
    auto name = text(e, "event");
    if (!name.starts_with("session.")) continue;
    auto id = text(e, "session");
    if (id.empty()) continue;
    auto [it, fresh] = index.emplace(id, rows.size());
    if (fresh) rows.emplace_back().id = id;
    auto& s = rows[it->second];
    const std::pair<const char*, std::string*> common[] = {{"person", &s.person},
                                                           {"account", &s.account},
                                                           {"server", &s.server},
                                                           {"protocol", &s.protocol},
                                                           {"client", &s.client}};
    for (auto [key, field] : common)
      if (field->empty()) *field = text(e, key);
    if (name == "session.start") {
      s.started = text(e, "ts");
    } else if (name == "session.recording") {
      add_recording(s, text(e, "path"));
    } else if (name == "session.end") {
      s.ended = text(e, "ts");
      s.duration_s = number(e, "duration_s");
      s.bytes_in = number(e, "bytes_in");
      s.bytes_out = number(e, "bytes_out");
      s.end_reason = text(e, "reason");
      if (const auto* list = e.if_contains("recordings"); list && list->is_array())
        for (const auto& p : list->get_array())
          if (p.is_string()) add_recording(s, std::string(p.get_string()));
    }
  }
  std::reverse(rows.begin(), rows.end());
  return rows;
}

std::string recording_name(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string session_of_recording_name(std::string_view name) {
  constexpr std::string_view suffix = ".cast";
  if (!name.ends_with(suffix)) return {};
  name.remove_suffix(suffix.size());
  auto dot = name.find('.');
  auto id = name.substr(0, dot);
  if (id.empty() || !std::all_of(id.begin(), id.end(), id_char)) return {};
  if (dot != std::string_view::npos) {
    auto n = name.substr(dot + 1);
    if (n.empty() || !std::all_of(n.begin(), n.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return {};
  }
  return std::string(id);
}

}  // namespace gatehouse::web
