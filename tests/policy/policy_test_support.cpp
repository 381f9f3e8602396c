#include "policy_test_support.hpp"

#include <algorithm>

namespace gatehouse::policy::testing {

config::principal who(const std::string& text) {
  using kind = config::principal::kind;
  if (text == "*") return {kind::everyone, {}};
  if (text == "manager") return {kind::manager, {}};
  if (text.starts_with("group:")) return {kind::group, text.substr(6)};
  return {kind::name, text};
}

std::vector<config::principal> whos(const std::vector<std::string>& texts) {
  std::vector<config::principal> out;
  for (const auto& t : texts) out.push_back(who(t));
  return out;
}

config::approval_level level(const std::vector<std::string>& approvers, config::condition c) {
  return config::approval_level{whos(approvers), c};
}

config::rule make_rule(const std::string& name, config::rule_mode mode,
                       const std::vector<std::string>& users,
                       const std::vector<std::string>& servers,
                       const std::vector<std::string>& accounts,
                       std::vector<config::approval_level> levels) {
  config::rule r;
  r.name = name;
  r.mode = mode;
  r.users = whos(users);
  r.servers = whos(servers);
  r.accounts = accounts;
  r.levels = std::move(levels);
  return r;
}

config::rule prod_rule(std::vector<config::approval_level> levels) {
  return make_rule("prod", config::rule_mode::approve, {"group:developers"}, {"group:production"},
                   {"*"}, std::move(levels));
}

config_builder& config_builder::person(const std::string& name,
                                       const std::vector<std::string>& groups) {
  cfg_.users.push_back(config::user{name, name + "@example.com", {}, groups, {}});
  return *this;
}

config_builder& config_builder::group(const std::string& name,
                                      const std::vector<std::string>& managers,
                                      bool require_manager_approval) {
  cfg_.groups.push_back(config::group{name, managers, require_manager_approval});
  return *this;
}

config_builder& config_builder::server(const std::string& name,
                                       const std::vector<std::string>& accounts,
                                       const std::vector<std::string>& groups, config::protocol p) {
  config::server s;
  s.name = name;
  s.protocol = p;
  for (const auto& a : accounts)
    s.accounts.push_back(config::account{a, "/keys/" + name + "_" + a});
  s.groups = groups;
  cfg_.servers.push_back(std::move(s));
  return *this;
}

config_builder& config_builder::server_group(const std::string& name,
                                             bool require_manager_approval) {
  cfg_.server_groups.push_back(config::server_group{name, require_manager_approval});
  return *this;
}

config_builder& config_builder::rule(config::rule r) {
  cfg_.rules.push_back(std::move(r));
  return *this;
}

std::shared_ptr<const config::config> config_builder::build() const {
  return std::make_shared<const config::config>(cfg_);
}

config_builder standard_people() {
  config_builder b;
  b.person("alice", {"developers"})
      .person("dave", {"developers"})
      .person("bob", {"leads"})
      .person("carol")
      .person("erin")
      .person("frank")
      .person("admin")
      .group("developers", {"bob"})
      .group("leads", {"carol"})
      .server("web01", {"root", "deploy"}, {"production"})
      .server("dev01", {"root"})
      .server_group("production");
  return b;
}

target to(const std::string& person, const std::string& server, const std::string& account) {
  return target{person, server, account, config::protocol::ssh};
}

time_point t0() { return *parse_rfc3339("2026-11-22T09:00:00Z"); }

std::vector<std::string> recording_audit::names() const {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.name);
  return out;
}

bool recording_notifier::ask_approvers(const request& r, std::size_t level,
                                       const std::vector<std::string>& people,
                                       std::string_view once) {
  if (refuse) return false;
  calls.push_back({"ask", r.id, level, people, {}, {}, std::string(once)});
  return true;
}

bool recording_notifier::tell_requester(const request& r, happening_kind what,
                                        const std::string& by, const std::string& comment,
                                        std::string_view once) {
  if (refuse) return false;
  calls.push_back({"tell",
                   r.id,
                   0,
                   {r.requester},
                   std::string(audit_name(what)),
                   by,
                   std::string(once),
                   comment});
  return true;
}

bool recording_notifier::tell_emergency(const request& r, const std::vector<std::string>& approvers,
                                        std::string_view once) {
  if (refuse) return false;
  calls.push_back({"emergency", r.id, 0, approvers, {}, {}, std::string(once)});
  return true;
}

std::vector<std::string> recording_notifier::asked(request_id id, std::size_t level) const {
  std::vector<std::string> out;
  for (const auto& c : calls)
    if (c.what == "ask" && c.request == id && c.level == level)
      out.insert(out.end(), c.people.begin(), c.people.end());
  return out;
}

void service_fixture::use(std::shared_ptr<const config::config> cfg) {
  auto s = open_store("sqlite::memory:");
  ASSERT_TRUE(s.ok()) << s.message();
  store_ = std::move(*s);
  service_ = std::make_unique<access_service>(std::move(cfg), *store_, audit_, notifier_, clock_);
}

void service_fixture::use(const config::rule& r) { use(standard_people().rule(r).build()); }

request service_fixture::file(const std::string& person, const filing& f, const std::string& server,
                              const std::string& account) {
  filing with_reason = f;
  if (with_reason.justification.empty()) with_reason.justification = "deploying the fix";
  auto r = svc().file_request(to(person, server, account), with_reason);
  EXPECT_TRUE(r.ok()) << r.message();
  return r.ok() ? *r : request{};
}

grant service_fixture::grant_of(const request& r) {
  EXPECT_TRUE(r.grant.has_value()) << "request #" << r.id << " has no grant";
  if (!r.grant) return {};
  auto g = svc().get_grant(*r.grant);
  EXPECT_TRUE(g.ok()) << g.message();
  return g.ok() ? *g : grant{};
}

}  // namespace gatehouse::policy::testing
