#include "nodes/node_views.hpp"

#include <system_error>

#include "core/json_text.hpp"

namespace gatehouse::nodes {

boost::json::array nodes_view(const node_presence& presence, time_point now) {
  boost::json::array out;
  for (const auto& n : presence.peers()) {
    auto age = std::chrono::duration_cast<std::chrono::milliseconds>(now - n.heartbeat);
    out.push_back(boost::json::object{{"id", n.id},
                                      {"instance_name", n.instance_name},
                                      {"host", n.host},
                                      {"addresses", n.addresses},
                                      {"version", n.version},
                                      {"pid", n.pid},
                                      {"started", format_rfc3339(n.started)},
                                      {"heartbeat", format_rfc3339(n.heartbeat)},
                                      {"heartbeat_age_seconds", double(age.count()) / 1000.0},
                                      {"stale", presence.stale(n, now)},
                                      {"self", n.id == presence.id()}});
  }
  return out;
}

boost::json::array sessions_everywhere(boost::json::array local, const node_presence& presence,
                                       time_point now) {
  for (auto& s : local)
    if (auto* o = s.if_object()) (*o)["node"] = presence.id();
  for (const auto& n : presence.peers()) {
    if (n.id == presence.id() || presence.stale(n, now)) continue;
    std::error_code ec;
    auto theirs = json_parse_text(n.sessions, ec);
    if (ec || !theirs.is_array()) continue;
    for (auto& s : theirs.as_array())
      if (auto* o = s.if_object()) {
        (*o)["node"] = n.id;
        local.push_back(std::move(s));
      }
  }
  return local;
}

}  // namespace gatehouse::nodes
