// The people: users (with their SSH keys, inline or from a file) and user groups.
#include <string_view>

#include "config/field_readers.hpp"
#include "config/schema.hpp"
#include "config/ssh_key_text.hpp"
#include "config/value_checks.hpp"

namespace gatehouse::config {

namespace {
constexpr std::string_view user_keys[] = {"name",    "email",         "ssh_keys",
                                          "ssh_cas", "ssh_keys_file", "groups"};
constexpr std::string_view group_keys[] = {"name", "managers", "require_manager_approval"};
void read_user(const map_reader& m, config& out, source_map& where) {
  user u;
  user_source at;
  read_name(m, u.name, at.name);
  read_checked(m, "email", u.email, need::optional, check_email);
  read_public_keys(m, "ssh_keys", u.ssh_keys);
  read_public_keys(m, "ssh_cas", u.ssh_cas);
  std::string keys_file;
  read_lines_file(m, "ssh_keys_file", keys_file, u.ssh_keys, [](std::string_view line) {
    auto problem = check_public_key(line);
    return problem.empty() ? problem : "malformed ssh key: " + problem;
  });
  m.read_strings("groups", u.groups, &at.groups);
  out.users.push_back(std::move(u));
  where.users.push_back(std::move(at));
}

void read_group(const map_reader& m, config& out, source_map& where) {
  group g;
  group_source at;
  read_name(m, g.name, at.name);
  m.read_strings("managers", g.managers, &at.managers);
  if (m.read_bool("require_manager_approval", g.require_manager_approval))
    at.require_manager_approval = m.value_at("require_manager_approval");
  out.groups.push_back(std::move(g));
  where.groups.push_back(std::move(at));
}
}  // namespace

void read_people(const map_reader& top, config& out, source_map& where) {
  for (const auto& node : top.read_list("users")) {
    map_reader m(top.context(), node, top.value_at("users"), "entries of 'users' must be maps",
                 user_keys);
    if (m.valid()) read_user(m, out, where);
  }
  for (const auto& node : top.read_list("groups")) {
    map_reader m(top.context(), node, top.value_at("groups"), "entries of 'groups' must be maps",
                 group_keys);
    if (m.valid()) read_group(m, out, where);
  }
}

}  // namespace gatehouse::config
