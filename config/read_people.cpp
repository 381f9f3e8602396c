// The people: users (with their SSH keys, inline or from a file) and user groups.
#include <fstream>
#include <string_view>

#include "config/field_readers.hpp"
#include "config/schema.hpp"
#include "config/ssh_key_text.hpp"
#include "config/value_checks.hpp"

namespace gatehouse::config {

namespace {
constexpr std::string_view user_keys[] = {"name", "email", "ssh_keys", "ssh_keys_file", "groups"};
constexpr std::string_view group_keys[] = {"name", "managers", "require_manager_approval"};
// An authorized_keys file for one person is a few kilobytes; anything far larger is a mistake.
constexpr std::streamsize max_keys_file_size = 1 << 20;

std::string malformed_key(const std::string& problem) { return "malformed ssh key: " + problem; }

// Appends the keys of an authorized_keys-style file, skipping blank and '#' lines; a bad
// line is reported at its own line in that file.
void read_keys_file(const map_reader& m, user& out) {
  std::string path;
  if (!read_key_file(m, "ssh_keys_file", path, need::optional)) return;
  auto anchor = m.value_at("ssh_keys_file");
  std::ifstream file(path, std::ios::binary);
  std::string text(max_keys_file_size + 1, '\0');
  file.read(text.data(), max_keys_file_size + 1);
  if (file.bad()) {
    m.report().error(anchor, "cannot read key file " + quote(path));
    return;
  }
  text.resize(static_cast<std::size_t>(file.gcount()));
  if (text.size() > static_cast<std::size_t>(max_keys_file_size)) {
    m.report().error(anchor, "key file " + quote(path) + " is larger than 1 MiB");
    return;
  }
  std::size_t start = 0;
  for (int line_number = 1; start < text.size(); ++line_number) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    if (line.ends_with('\r')) line.remove_suffix(1);
    auto first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;
    line.remove_prefix(first);
    if (auto problem = check_public_key(line); !problem.empty()) {
      m.report().error_in(path, {line_number, static_cast<int>(first) + 1}, anchor,
                          malformed_key(problem));
      continue;
    }
    out.ssh_keys.emplace_back(line);
  }
}

void read_user(const map_reader& m, config& out, source_map& where) {
  user u;
  user_source at;
  read_name(m, u.name, at.name);
  read_checked(m, "email", u.email, need::optional, check_email);
  std::vector<position> key_at;
  m.read_strings("ssh_keys", u.ssh_keys, &key_at);
  for (std::size_t i = 0; i < u.ssh_keys.size(); ++i) {
    if (auto problem = check_public_key(u.ssh_keys[i]); !problem.empty())
      m.report().error(key_at[i], malformed_key(problem));
  }
  read_keys_file(m, u);
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
