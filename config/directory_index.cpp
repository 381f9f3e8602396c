#include "config/directory_index.hpp"

namespace gatehouse::config {

namespace {
const std::vector<std::string_view> no_names;
}

void name_table::add(std::string_view name, std::size_t index) {
  if (name.empty()) return;
  if (first.emplace(name, index).second) names.push_back(name);
}

void grouping::add_member(std::string_view name, const std::vector<std::string>& member_groups) {
  std::size_t index = groups_of.size();
  groups_of.emplace_back(member_groups.begin(), member_groups.end());
  if (name.empty() || members.contains(name)) return;
  members.add(name, index);
  for (const auto& g : member_groups) members_of[g].push_back(name);
}

const std::vector<std::string_view>& grouping::groups_of_member(std::string_view name) const {
  auto it = members.first.find(name);
  return it == members.first.end() ? no_names : groups_of[it->second];
}

const std::vector<std::string_view>& grouping::members_of_group(std::string_view group) const {
  auto it = members_of.find(group);
  return it == members_of.end() ? no_names : it->second;
}

directory_index::directory_index(const config& c) {
  for (const auto& u : c.users) people.add_member(u.name, u.groups);
  for (std::size_t i = 0; i < c.groups.size(); ++i) people.groups.add(c.groups[i].name, i);
  for (const auto& s : c.servers) servers.add_member(s.name, s.groups);
  for (std::size_t i = 0; i < c.server_groups.size(); ++i)
    servers.groups.add(c.server_groups[i].name, i);

  std::unordered_set<std::string_view> managed_groups;
  for (const auto& g : c.groups) {
    if (!g.managers.empty()) managed_groups.insert(g.name);
  }
  for (const auto& u : c.users) {
    for (const auto& g : u.groups) {
      if (managed_groups.contains(g)) managed_users.insert(u.name);
    }
    if (managed_users.contains(u.name))
      groups_with_managed_members.insert(u.groups.begin(), u.groups.end());
  }
  for (const auto& s : c.servers) {
    for (const auto& a : s.accounts) account_holders[a.name].insert(s.name);
  }
}

}  // namespace gatehouse::config
