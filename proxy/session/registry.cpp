#include "proxy/session/registry.hpp"

namespace gatehouse::proxy::session {

boost::json::object session_object(const session_facts& f) {
  boost::json::object o;
  o["id"] = f.id;
  o["person"] = f.person;
  o["server"] = f.server;
  o["account"] = f.account;
  o["protocol"] = f.protocol;
  o["client"] = f.client;
  o["started"] = format_rfc3339(f.started);
  if (f.grant_id)
    o["grant_id"] = *f.grant_id;
  else
    o["grant_id"] = nullptr;
  o["bytes_in"] = f.bytes_in;
  o["bytes_out"] = f.bytes_out;
  o["state"] = f.state;
  if (f.request_id) o["request_id"] = *f.request_id;
  return o;
}


void registry::add(std::shared_ptr<live_session> s) {
  auto id = s->id();
  sessions_.emplace(std::move(id), std::move(s));
}

void registry::remove(const std::string& id) { sessions_.erase(id); }

boost::json::array registry::list() const {
  boost::json::array out;
  for (const auto& [id, s] : sessions_)
    if (auto o = s->describe()) out.push_back(std::move(*o));
  return out;
}

std::size_t registry::held() const {
  std::size_t n = 0;
  for (const auto& [id, s] : sessions_)
    if (s->held()) ++n;
  return n;
}

bool registry::shut(const std::string& id, const shut_reason& why) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return false;
  auto s = it->second;  // shut() may remove it
  s->shut(why);
  return true;
}

bool registry::kill(const std::string& id, const std::string& by) {
  std::string who = by.empty() ? std::string("an administrator") : by;
  return shut(id, {"Session " + id + " ended by " + who, "killed by " + who});
}

void registry::shut_all(const std::string& text) {
  auto all = sessions_;  // shut() may remove them
  for (auto& [id, s] : all) s->shut({text, text});
}

std::size_t registry::shut_live(const shut_reason& why) {
  auto all = sessions_;  // shut() may remove them
  std::size_t ended = 0;
  for (auto& [id, s] : all)
    if (!s->held()) {
      s->shut(why);
      ++ended;
    }
  return ended;
}

}  // namespace gatehouse::proxy::session
