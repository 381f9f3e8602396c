#include "config/cross_check.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <string>

#include "config/directory_index.hpp"
#include "config/rule_analysis.hpp"
#include "config/value_checks.hpp"

namespace gatehouse::config {

namespace {
// Reports every later entry whose name an earlier one already had.
template <typename NameOf, typename PlaceOf>
void report_duplicates(std::size_t count, NameOf name_of, PlaceOf place_of, std::string_view what,
                       reporter& report) {
  std::unordered_map<std::string_view, position> first;
  for (std::size_t i = 0; i < count; ++i) {
    std::string_view name = name_of(i);
    if (name.empty()) continue;
    auto [it, inserted] = first.emplace(name, place_of(i));
    if (!inserted) {
      report.error(place_of(i), "duplicate " + std::string(what) + " " + quote(name) +
                                    " (first defined at line " + std::to_string(it->second.line) +
                                    ")");
    }
  }
}

// Whether `name` is defined in `table`; reports "undefined WHAT 'name'" otherwise.
bool check_defined(const name_table& table, std::string_view name, position at,
                   std::string_view what, reporter& report) {
  if (table.contains(name)) return true;
  auto hint = report.full() ? "" : did_you_mean(name, table.names);
  report.error(at, "undefined " + std::string(what) + " " + quote(name) + hint);
  return false;
}

bool check_principals(const std::vector<principal>& list, const std::vector<position>& at,
                      const grouping& g, std::string_view member, std::string_view group,
                      reporter& report) {
  bool ok = true;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& p = list[i];
    if (p.what == principal::kind::name) {
      ok = check_defined(g.members, p.name, at[i], member, report) && ok;
    } else if (p.what == principal::kind::group) {
      ok = check_defined(g.groups, p.name, at[i], group, report) && ok;
    }
  }
  return ok;
}

void check_duplicates(const config& c, const source_map& where, reporter& report) {
  report_duplicates(
      c.users.size(), [&](std::size_t i) -> std::string_view { return c.users[i].name; },
      [&](std::size_t i) { return where.users[i].name; }, "user", report);
  report_duplicates(
      c.groups.size(), [&](std::size_t i) -> std::string_view { return c.groups[i].name; },
      [&](std::size_t i) { return where.groups[i].name; }, "group", report);
  report_duplicates(
      c.servers.size(), [&](std::size_t i) -> std::string_view { return c.servers[i].name; },
      [&](std::size_t i) { return where.servers[i].name; }, "server", report);
  report_duplicates(
      c.server_groups.size(),
      [&](std::size_t i) -> std::string_view { return c.server_groups[i].name; },
      [&](std::size_t i) { return where.server_groups[i].name; }, "server group", report);
  report_duplicates(
      c.rules.size(), [&](std::size_t i) -> std::string_view { return c.rules[i].name; },
      [&](std::size_t i) { return where.rules[i].name; }, "rule", report);
  for (std::size_t s = 0; s < c.servers.size(); ++s) {
    const auto& accounts = c.servers[s].accounts;
    report_duplicates(
        accounts.size(), [&](std::size_t i) -> std::string_view { return accounts[i].name; },
        [&](std::size_t i) { return where.servers[s].accounts[i]; }, "account", report);
  }
}

void check_directory(const config& c, const source_map& where, const directory_index& index,
                     reporter& report) {
  for (std::size_t u = 0; u < c.users.size(); ++u) {
    for (std::size_t i = 0; i < c.users[u].groups.size(); ++i)
      check_defined(index.people.groups, c.users[u].groups[i], where.users[u].groups[i], "group",
                    report);
  }
  for (std::size_t g = 0; g < c.groups.size(); ++g) {
    const auto& group = c.groups[g];
    for (std::size_t i = 0; i < group.managers.size(); ++i)
      check_defined(index.people.members, group.managers[i], where.groups[g].managers[i], "user",
                    report);
    if (group.require_manager_approval && group.managers.empty()) {
      report.error(where.groups[g].require_manager_approval,
                   "group " + quote(group.name) + " requires manager approval but has no managers");
    }
  }
  for (std::size_t s = 0; s < c.servers.size(); ++s) {
    for (std::size_t i = 0; i < c.servers[s].groups.size(); ++i)
      check_defined(index.servers.groups, c.servers[s].groups[i], where.servers[s].groups[i],
                    "server group", report);
  }
}

// A named account must exist on at least one server the rule can match.
bool check_accounts(const directory_index& index, const rule& r, const rule_source& at,
                    reporter& report) {
  bool ok = true;
  for (std::size_t i = 0; i < r.accounts.size(); ++i) {
    const auto& name = r.accounts[i];
    if (name == "*" || reaches_account(r, name, index)) continue;
    report.error(at.accounts[i], "undefined account " + quote(name) + ": no server " +
                                     rule_label(r.name) + " matches has it");
    ok = false;
  }
  return ok;
}

// Checks a rule's references; true when they all resolve.
bool check_rule(const directory_index& index, const rule& r, const rule_source& at,
                reporter& report) {
  bool ok = check_principals(r.users, at.users, index.people, "user", "group", report);
  bool servers_ok =
      check_principals(r.servers, at.servers, index.servers, "server", "server group", report);
  for (std::size_t l = 0; l < r.levels.size(); ++l) {
    check_principals(r.levels[l].approvers, at.levels[l].each, index.people, "user", "group",
                     report);
  }
  check_principals(r.fulfillers, at.fulfillers, index.people, "user", "group", report);
  ok = ok && servers_ok && at.matchers_complete;
  return servers_ok && check_accounts(index, r, at, report) && ok;
}
// Gated web apps are served on listen.http under apps_domain: an http server without them
// would be accepted and never served. Each app's host names must be its own.
void check_http_apps(const config& c, const source_map& where, reporter& report) {
  const bool served = c.listen.http && !c.listen.http->apps_domain.empty();
  std::map<std::string, std::string> owner;  // host name -> app
  for (std::size_t i = 0; i < c.servers.size(); ++i) {
    const auto& s = c.servers[i];
    if (s.protocol != protocol::http) continue;
    if (!served) {
      report.error(where.servers[i].name,
                   "http server " + quote(s.name) +
                       " cannot be served: set listen.http with apps_domain (it is served at "
                       "https://" +
                       s.name + ".<apps_domain>/)");
      continue;
    }
    if (auto problem = check_host_name(s.name);
        !problem.empty() || s.name.find('.') != std::string::npos) {
      report.error(where.servers[i].name,
                   "http server names are host name labels (letters, digits, "
                   "'-'): " +
                       quote(s.name) + " cannot be one");
      continue;
    }
    std::vector<std::string> names{s.name + "." + c.listen.http->apps_domain};
    for (auto& n : names[0]) n = static_cast<char>(std::tolower(static_cast<unsigned char>(n)));
    names.insert(names.end(), s.hosts.begin(), s.hosts.end());
    for (const auto& n : names) {
      auto [it, fresh] = owner.emplace(n, s.name);
      if (!fresh && it->second != s.name)
        report.error(where.servers[i].name, "host name " + quote(n) + " of http server " +
                                                quote(s.name) + " is already " + quote(it->second) +
                                                "'s");
    }
  }
}

// An account on certificates needs the CA that signs them.
void check_certificate_accounts(const config& c, const source_map& where, reporter& report) {
  if (!c.ssh.ca_keys.empty()) return;
  for (std::size_t s = 0; s < c.servers.size(); ++s)
    for (std::size_t a = 0; a < c.servers[s].accounts.size(); ++a)
      if (c.servers[s].accounts[a].auth == account_auth::certificate)
        report.error(where.servers[s].accounts[a],
                     "account " + quote(c.servers[s].accounts[a].name) +
                         " has 'auth: certificate' but no CA signs certificates: set ssh.ca_key");
}
}  // namespace

void cross_check(const config& c, const source_map& where, reporter& report) {
  directory_index index(c);
  check_duplicates(c, where, report);
  check_directory(c, where, index, report);
  check_certificate_accounts(c, where, report);
  std::vector<bool> sound(c.rules.size());
  for (std::size_t i = 0; i < c.rules.size(); ++i)
    sound[i] = check_rule(index, c.rules[i], where.rules[i], report);
  check_reachability(c, where, index, sound, report);
  check_approvers(c, where, index, sound, report);
  check_fulfillers(c, where, index, sound, report);
  check_http_apps(c, where, report);
}

}  // namespace gatehouse::config
