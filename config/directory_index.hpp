#pragma once
// Lookups by name over a parsed config, and group membership in both directions, for the
// checks that span sections. Holds views into the config, which must outlive it. Where a
// name is defined twice, the first definition counts (the second is reported elsewhere).
#include <cstddef>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "config/config.hpp"

namespace gatehouse::config {

struct name_table {
  std::unordered_map<std::string_view, std::size_t> first;
  std::vector<std::string_view> names;  // for suggestions

  void add(std::string_view name, std::size_t index);
  bool contains(std::string_view name) const { return first.contains(name); }
};

// Members (users or servers) and the groups they belong to.
struct grouping {
  name_table members;
  name_table groups;
  std::vector<std::vector<std::string_view>> groups_of;  // by member index
  std::unordered_map<std::string_view, std::vector<std::string_view>> members_of;

  void add_member(std::string_view name, const std::vector<std::string>& member_groups);
  const std::vector<std::string_view>& groups_of_member(std::string_view name) const;
  const std::vector<std::string_view>& members_of_group(std::string_view group) const;
};

struct directory_index {
  explicit directory_index(const config& c);

  grouping people;   // users and groups
  grouping servers;  // servers and server groups
  // Users in at least one group that lists managers (`manager` can approve for them), and
  // the groups with at least one such member.
  std::unordered_set<std::string_view> managed_users;
  std::unordered_set<std::string_view> groups_with_managed_members;
  // Account name -> the servers that have it.
  std::unordered_map<std::string_view, std::unordered_set<std::string_view>> account_holders;
};

}  // namespace gatehouse::config
