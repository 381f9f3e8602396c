#include "config/field_readers.hpp"

#include <fstream>

#include "config/ssh_key_text.hpp"
#include "config/value_checks.hpp"

namespace gatehouse::config {

namespace {
// The resolved path when readable; reports at `at` otherwise.
std::optional<std::string> checked_file(const map_reader& m, const std::string& written,
                                        position at) {
  auto path = resolve_path(m.context().base_dir(), written);
  if (auto problem = readable_problem(path)) {
    m.report().error(at, "cannot read key file " + quote(path) + ": " + *problem);
    return std::nullopt;
  }
  return path;
}
}  // namespace

bool read_name(const map_reader& m, std::string& out, position& at) {
  at = m.where();
  if (!read_checked(m, "name", out, need::required, check_name)) return false;
  at = m.value_at("name");
  return true;
}

bool read_endpoint(const map_reader& m, std::string_view key, endpoint& out, bool listener,
                   need n) {
  std::string text;
  if (!m.read_string(key, text, n)) return false;
  if (auto problem = parse_endpoint(text, listener, out); !problem.empty()) {
    m.report().error(m.value_at(key),
                     "bad address " + quote(text) + " for " + quote(key) + ": " + problem);
    return false;
  }
  return true;
}

bool read_networks(const map_reader& m, std::string_view key, std::vector<std::string>& out) {
  std::vector<std::string> written;
  std::vector<position> at;
  if (!m.read_strings(key, written, &at)) return false;
  bool ok = true;
  for (std::size_t i = 0; i < written.size(); ++i) {
    if (auto problem = check_network(written[i]); !problem.empty()) {
      m.report().error(at[i], std::move(problem));
      ok = false;
    }
  }
  out = std::move(written);
  return ok;
}

bool read_path(const map_reader& m, std::string_view key, std::string& out) {
  std::string written;
  if (!m.read_string(key, written)) return false;
  if (written.empty()) {
    m.report().error(m.value_at(key), quote(key) + " must not be empty");
    return false;
  }
  out = resolve_path(m.context().base_dir(), written);
  return true;
}

bool read_key_file(const map_reader& m, std::string_view key, std::string& out, need n) {
  std::string written;
  if (!m.read_string(key, written, n)) return false;
  auto path = checked_file(m, written, m.value_at(key));
  if (!path) return false;
  out = std::move(*path);
  return true;
}

bool read_key_files(const map_reader& m, std::string_view key, std::vector<std::string>& out,
                    need n) {
  std::vector<std::string> written;
  std::vector<position> at;
  if (!m.read_strings(key, written, &at, n)) return false;
  out.clear();
  bool ok = true;
  for (std::size_t i = 0; i < written.size(); ++i) {
    auto path = checked_file(m, written[i], at[i]);
    ok = ok && path.has_value();
    if (path) out.push_back(std::move(*path));
  }
  return ok;
}

bool read_public_keys(const map_reader& m, std::string_view key, std::vector<std::string>& out) {
  std::vector<position> at;
  if (!m.read_strings(key, out, &at)) return false;
  bool ok = true;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (auto problem = check_public_key(out[i]); !problem.empty()) {
      m.report().error(at[i], "malformed ssh key: " + problem);
      ok = false;
    }
  }
  return ok;
}

bool read_lines_file(const map_reader& m, std::string_view key, std::string& path,
                     std::vector<std::string>& lines,
                     const std::function<std::string(std::string_view)>& check) {
  // A person's authorized_keys or a revocation list is kilobytes; far larger is a mistake.
  constexpr std::streamsize max_size = 1 << 20;
  if (!read_key_file(m, key, path, need::optional) || path.empty()) return false;
  auto anchor = m.value_at(key);
  std::ifstream file(path, std::ios::binary);
  std::string text(max_size + 1, '\0');
  file.read(text.data(), max_size + 1);
  if (file.bad()) {
    m.report().error(anchor, "cannot read key file " + quote(path));
    return false;
  }
  text.resize(static_cast<std::size_t>(file.gcount()));
  if (text.size() > static_cast<std::size_t>(max_size)) {
    m.report().error(anchor, "key file " + quote(path) + " is larger than 1 MiB");
    return false;
  }
  bool ok = true;
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
    if (auto problem = check(line); !problem.empty()) {
      m.report().error_in(path, {line_number, static_cast<int>(first) + 1}, anchor,
                          std::move(problem));
      ok = false;
      continue;
    }
    lines.emplace_back(line);
  }
  return ok;
}

}  // namespace gatehouse::config
