#include "config/field_readers.hpp"

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

}  // namespace gatehouse::config
