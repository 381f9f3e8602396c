#include "policy/policy_index.hpp"

#include <algorithm>
#include <unordered_set>

namespace gatehouse::policy {

namespace {
using kind = config::principal::kind;

// Appends `name` unless already present (lists are short, or built once per snapshot).
void append_unique(std::vector<std::string>& out, std::unordered_set<std::string>& seen,
                   const std::string& name) {
  if (seen.insert(name).second) out.push_back(name);
}
}  // namespace

rule_terms terms_of(const config::rule& rule) {
  rule_terms t;
  t.name = rule.name;
  t.default_duration = std::min(rule.default_duration, rule.max_duration);
  t.max_duration = rule.max_duration;
  t.pending_timeout = rule.pending_timeout;
  t.hold_timeout = rule.hold_timeout;
  t.emergency = rule.emergency;
  t.requester_chooses_approvers = rule.requester_chooses_approvers;
  t.auto_approve_if_requester_is_approver = rule.auto_approve_if_requester_is_approver;
  t.allow_port_forwarding = rule.allow_port_forwarding;
  return t;
}

policy_index::policy_index(const config::config& cfg)
    : config_(&cfg), words_((cfg.rules.size() + 63) / 64) {
  build_people();
  build_servers();
  build_rules();
}

void policy_index::build_people() {
  const auto& users = config_->users;
  people_.resize(users.size());
  person_by_name_.reserve(users.size());
  for (index_t p = 0; p < users.size(); ++p) {
    person_by_name_.emplace(users[p].name, p);
    std::unordered_set<std::string> seen;
    for (const auto& group_name : users[p].groups) {
      members_of_group_[group_name].push_back(p);
      const config::group* g = config_->find_group(group_name);
      if (!g) continue;
      for (const auto& m : g->managers) append_unique(people_[p].managers, seen, m);
      if (g->require_manager_approval && people_[p].flag.empty())
        people_[p].flag = "group " + g->name;
    }
  }
}

void policy_index::build_servers() {
  const auto& servers = config_->servers;
  servers_.resize(servers.size());
  server_by_name_.reserve(servers.size());
  for (index_t s = 0; s < servers.size(); ++s) {
    server_by_name_.emplace(servers[s].name, s);
    for (const auto& a : servers[s].accounts) servers_[s].accounts.push_back(a.name);
    for (const auto& group_name : servers[s].groups) {
      const config::server_group* g = config_->find_server_group(group_name);
      if (g && g->require_manager_approval && servers_[s].flag.empty())
        servers_[s].flag = "server group " + g->name;
    }
  }
}

void policy_index::build_rules() {
  const auto& rules = config_->rules;
  const std::size_t people = config_->users.size(), servers = config_->servers.size();
  person_match_.assign(people * words_, 0);
  person_named_.assign(people * words_, 0);
  server_match_.assign(servers * words_, 0);
  server_named_.assign(servers * words_, 0);

  // Server groups: group name -> servers listing it.
  std::unordered_map<std::string_view, std::vector<index_t>> servers_in_group;
  for (index_t s = 0; s < servers; ++s)
    for (const auto& g : config_->servers[s].groups) servers_in_group[g].push_back(s);

  rules_.resize(rules.size());
  terms_.reserve(rules.size());
  for (index_t r = 0; r < rules.size(); ++r) {
    const config::rule& rule = rules[r];
    terms_.push_back(terms_of(rule));

    for (const auto& who : rule.users) {
      if (who.what == kind::everyone) {
        for (index_t p = 0; p < people; ++p) set_bit(person_match_, p, r);
      } else if (who.what == kind::name) {
        if (index_t p = find_person(who.name); p != npos) {
          set_bit(person_match_, p, r);
          set_bit(person_named_, p, r);
        }
      } else if (who.what == kind::group) {
        if (auto it = members_of_group_.find(who.name); it != members_of_group_.end())
          for (index_t p : it->second) {
            set_bit(person_match_, p, r);
            set_bit(person_named_, p, r);
          }
      }
    }
    for (const auto& what : rule.servers) {
      if (what.what == kind::everyone) {
        for (index_t s = 0; s < servers; ++s) set_bit(server_match_, s, r);
      } else if (what.what == kind::name) {
        if (index_t s = find_server(what.name); s != npos) {
          set_bit(server_match_, s, r);
          set_bit(server_named_, s, r);
        }
      } else if (what.what == kind::group) {
        if (auto it = servers_in_group.find(what.name); it != servers_in_group.end())
          for (index_t s : it->second) {
            set_bit(server_match_, s, r);
            set_bit(server_named_, s, r);
          }
      }
    }

    rule_info& info = rules_[r];
    for (const auto& a : rule.accounts) {
      if (a == "*") info.any_account = true;
      info.accounts.push_back(a);
    }
    for (const auto& level : rule.levels) {
      level_info li;
      li.condition = level.condition;
      std::unordered_set<std::string> seen;
      for (const auto& who : level.approvers) {
        switch (who.what) {
          case kind::name: append_unique(li.fixed, seen, who.name); break;
          case kind::manager: li.manager = true; break;
          case kind::group:
            if (auto it = members_of_group_.find(who.name); it != members_of_group_.end())
              for (index_t p : it->second) append_unique(li.fixed, seen, config_->users[p].name);
            break;
          case kind::everyone:
            for (const auto& u : config_->users) append_unique(li.fixed, seen, u.name);
            break;
        }
      }
      info.levels.push_back(std::move(li));
    }
  }
}

policy_index::index_t policy_index::find_person(std::string_view name) const {
  auto it = person_by_name_.find(name);
  return it == person_by_name_.end() ? npos : it->second;
}

policy_index::index_t policy_index::find_server(std::string_view name) const {
  auto it = server_by_name_.find(name);
  return it == server_by_name_.end() ? npos : it->second;
}

bool policy_index::has_account(index_t s, std::string_view account) const {
  const auto& accounts = servers_[s].accounts;
  return accounts.empty() || std::find(accounts.begin(), accounts.end(), account) != accounts.end();
}

policy_index::index_t policy_index::first_matching_rule(index_t p, index_t s,
                                                        std::string_view account) const {
  const std::uint64_t* pm = person_match_.data() + std::size_t(p) * words_;
  const std::uint64_t* sm = server_match_.data() + std::size_t(s) * words_;
  for (std::size_t w = 0; w < words_; ++w) {
    for (std::uint64_t m = pm[w] & sm[w]; m != 0; m &= m - 1) {
      index_t r = index_t(w * 64 + std::size_t(__builtin_ctzll(m)));
      const rule_info& info = rules_[r];
      if (info.any_account ||
          std::find(info.accounts.begin(), info.accounts.end(), account) != info.accounts.end())
        return r;
    }
  }
  return npos;
}

bool policy_index::matches_explicitly(index_t rule, index_t p, index_t s) const {
  return bit(person_named_, p, rule) && bit(server_named_, s, rule);
}

std::string_view policy_index::manager_flag(index_t p, index_t s) const {
  if (!people_[p].flag.empty()) return people_[p].flag;
  return servers_[s].flag;
}

std::vector<approver_level> policy_index::resolve_levels(index_t rule, index_t requester) const {
  std::vector<approver_level> out;
  out.reserve(rules_[rule].levels.size());
  for (const level_info& li : rules_[rule].levels) {
    approver_level level;
    level.condition = li.condition;
    level.approvers = li.fixed;
    if (li.manager)
      for (const auto& m : people_[requester].managers)
        if (std::find(li.fixed.begin(), li.fixed.end(), m) == li.fixed.end())
          level.approvers.push_back(m);
    out.push_back(std::move(level));
  }
  return out;
}

}  // namespace gatehouse::policy
