#include "config/rule_analysis.hpp"

#include <algorithm>
#include <string>

namespace gatehouse::config {

namespace {
// Comparing every pair of rules costs rules^2 / 2; past this many rules, a rule is only
// compared with the earlier rules that match everything.
constexpr std::size_t max_pairwise_rules = 4000;

bool lists_group(const std::vector<principal>& set, std::string_view group) {
  return std::any_of(set.begin(), set.end(), [&](const principal& p) {
    return p.what == principal::kind::group && p.name == group;
  });
}

bool has_everyone(const std::vector<principal>& set) {
  return std::any_of(set.begin(), set.end(),
                     [](const principal& p) { return p.what == principal::kind::everyone; });
}

// Whether `set` matches the member (user or server) called `name`.
bool matches_member(const std::vector<principal>& set, std::string_view name, const grouping& g) {
  const auto& groups = g.groups_of_member(name);
  return std::any_of(set.begin(), set.end(), [&](const principal& p) {
    switch (p.what) {
      case principal::kind::everyone: return true;
      case principal::kind::name: return p.name == name;
      case principal::kind::group:
        return std::find(groups.begin(), groups.end(), p.name) != groups.end();
      case principal::kind::manager: return false;
    }
    return false;
  });
}

// Whether `a` matches every member `b` matches. Errs towards false: a rule is only called
// unreachable when it certainly is.
bool covers(const std::vector<principal>& a, const std::vector<principal>& b, const grouping& g) {
  if (has_everyone(a)) return true;
  for (const auto& p : b) {
    switch (p.what) {
      case principal::kind::everyone:
      case principal::kind::manager: return false;
      case principal::kind::name:
        if (!matches_member(a, p.name, g)) return false;
        break;
      case principal::kind::group: {
        if (lists_group(a, p.name)) break;
        // An empty group matches nobody yet; it may be filled later, so it is not "covered".
        const auto& members = g.members_of_group(p.name);
        if (members.empty()) return false;
        for (auto m : members) {
          if (!matches_member(a, m, g)) return false;
        }
        break;
      }
    }
  }
  return true;
}

bool all_accounts(const std::vector<std::string>& accounts) {
  return std::find(accounts.begin(), accounts.end(), "*") != accounts.end();
}

bool covers_accounts(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (all_accounts(a)) return true;
  return std::all_of(b.begin(), b.end(), [&](const std::string& name) {
    return name != "*" && std::find(a.begin(), a.end(), name) != a.end();
  });
}

bool matches_everything(const rule& r) {
  return has_everyone(r.users) && has_everyone(r.servers) && all_accounts(r.accounts);
}

bool shadows(const rule& earlier, const rule& later, const directory_index& index) {
  return covers(earlier.users, later.users, index.people) &&
         covers(earlier.servers, later.servers, index.servers) &&
         covers_accounts(earlier.accounts, later.accounts);
}

// Whether `manager` names anyone for some person the rule matches.
bool someone_has_manager(const std::vector<principal>& users, const directory_index& index) {
  return std::any_of(users.begin(), users.end(), [&](const principal& p) {
    switch (p.what) {
      case principal::kind::everyone: return !index.managed_users.empty();
      case principal::kind::name: return index.managed_users.contains(p.name);
      case principal::kind::group: return index.groups_with_managed_members.contains(p.name);
      case principal::kind::manager: return false;
    }
    return false;
  });
}

bool all_defined(const approval_level& level, const directory_index& index) {
  return std::all_of(level.approvers.begin(), level.approvers.end(), [&](const principal& p) {
    switch (p.what) {
      case principal::kind::name: return index.people.members.contains(p.name);
      case principal::kind::group: return index.people.groups.contains(p.name);
      default: return true;
    }
  });
}

bool has_possible_approver(const approval_level& level, const rule& r,
                           const directory_index& index) {
  return std::any_of(level.approvers.begin(), level.approvers.end(), [&](const principal& p) {
    switch (p.what) {
      case principal::kind::name: return true;
      case principal::kind::group: return !index.people.members_of_group(p.name).empty();
      case principal::kind::manager: return someone_has_manager(r.users, index);
      case principal::kind::everyone: return false;
    }
    return false;
  });
}
}  // namespace

bool reaches_account(const rule& r, std::string_view account_name, const directory_index& index) {
  auto holders = index.account_holders.find(account_name);
  if (holders == index.account_holders.end()) return false;
  return std::any_of(holders->second.begin(), holders->second.end(), [&](std::string_view s) {
    return matches_member(r.servers, s, index.servers);
  });
}

void check_reachability(const config& c, const source_map& where, const directory_index& index,
                        const std::vector<bool>& sound, reporter& report) {
  const bool pairwise = c.rules.size() <= max_pairwise_rules;
  std::vector<std::size_t> earlier_rules;  // the sound rules each later rule is compared with
  for (std::size_t later = 0; later < c.rules.size(); ++later) {
    if (!sound[later]) continue;
    const rule& r = c.rules[later];
    for (auto earlier : earlier_rules) {
      if (!shadows(c.rules[earlier], r, index)) continue;
      report.error(where.rules[later].name,
                   rule_label(r.name) + " can never match: " + rule_label(c.rules[earlier].name) +
                       " (line " + std::to_string(where.rules[earlier].name.line) +
                       ") comes first and matches everything it does");
      break;
    }
    if (pairwise || matches_everything(r)) earlier_rules.push_back(later);
  }
}

void check_approvers(const config& c, const source_map& where, const directory_index& index,
                     const std::vector<bool>& sound, reporter& report) {
  for (std::size_t i = 0; i < c.rules.size(); ++i) {
    const rule& r = c.rules[i];
    if (!sound[i] || r.mode != rule_mode::approve) continue;
    for (std::size_t l = 0; l < r.levels.size(); ++l) {
      const auto& level = r.levels[l];
      if (!all_defined(level, index) || has_possible_approver(level, r, index)) continue;
      std::string who = rule_label(r.name);
      if (r.levels.size() > 1) who += " level " + std::to_string(l + 1);
      report.error(where.rules[i].levels[l].approvers,
                   who + " has no possible approver: " +
                       (level.approvers.empty() ? "'approvers' is empty"
                                                : "its approvers resolve to nobody"));
    }
  }
}

// A rule that lets people reach a manual server leads to requests nobody can fulfil unless it
// names fulfillers; `allow` would open nothing at all (nobody connects to a manual server).
void check_fulfillers(const config& c, const source_map& where, const directory_index& index,
                      const std::vector<bool>& sound, reporter& report) {
  for (std::size_t i = 0; i < c.rules.size(); ++i) {
    const rule& r = c.rules[i];
    if (!sound[i] || r.mode == rule_mode::deny) continue;
    for (const auto& s : c.servers) {
      if (s.protocol != protocol::manual || !matches_member(r.servers, s.name, index.servers))
        continue;
      if (r.mode == rule_mode::allow)
        report.error(where.rules[i].mode, rule_label(r.name) + " allows manual server " +
                                              quote(s.name) +
                                              ", which nobody connects to: use mode approve");
      else if (r.fulfillers.empty())
        report.error(where.rules[i].name, rule_label(r.name) + " matches manual server " +
                                              quote(s.name) + " but names no 'fulfillers'");
      break;
    }
  }
}

}  // namespace gatehouse::config
