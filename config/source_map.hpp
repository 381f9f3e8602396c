#pragma once
// Where things were written: positions kept beside the parsed config so that checks across
// sections (duplicates, references, rule reachability) can point at the offending text.
// Each vector runs parallel to the config vector of the same name: entry i describes
// config.users[i], and so on; likewise for the lists inside each entry.
#include <vector>

#include "config/diagnostics.hpp"

namespace gatehouse::config {

struct user_source {
  position name;
  std::vector<position> groups;
};

struct group_source {
  position name;
  std::vector<position> managers;
  position require_manager_approval;  // line 0 when not written
};

struct server_source {
  position name;
  std::vector<position> accounts;  // the name of each account
  std::vector<position> groups;
};

struct server_group_source {
  position name;
};

struct level_source {
  position approvers;  // the list as a whole
  std::vector<position> each;
};

struct rule_source {
  position name;  // the name, or the rule's map when it has none
  position mode;
  std::vector<position> users;
  std::vector<position> servers;
  std::vector<position> accounts;
  std::vector<level_source> levels;
  std::vector<position> fulfillers;
  // False when users/servers/accounts had problems of their own; such a rule is left out of
  // the reachability checks, which would only add confusing follow-on complaints.
  bool matchers_complete = true;
};

struct source_map {
  std::vector<user_source> users;
  std::vector<group_source> groups;
  std::vector<server_source> servers;
  std::vector<server_group_source> server_groups;
  std::vector<rule_source> rules;
};

}  // namespace gatehouse::config
