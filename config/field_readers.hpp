#pragma once
// Reads of the value forms several sections share (names, addresses, key files), each a
// typed read plus the form check of value_checks.hpp, reported at the value.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/yaml_reader.hpp"

namespace gatehouse::config {

// Reads `key` as a string and reports check(value)'s complaint, if any, at the value.
template <typename Check>
bool read_checked(const map_reader& m, std::string_view key, std::string& out, need n,
                  Check check) {
  std::string text;
  if (!m.read_string(key, text, n)) return false;
  if (auto problem = check(text); !problem.empty()) {
    m.report().error(m.value_at(key), std::move(problem));
    return false;
  }
  out = std::move(text);
  return true;
}

// The required `name` of an entry; `at` receives its position (the map's when absent).
bool read_name(const map_reader& m, std::string& out, position& at);

bool read_endpoint(const map_reader& m, std::string_view key, endpoint& out, bool listener, need n);

// A list of networks ("10.0.0.0/8", "fd00::/8", one address), each checked and reported at
// its own position.
bool read_networks(const map_reader& m, std::string_view key, std::vector<std::string>& out);

// A local path the daemon will use (a log, a socket), resolved against the configuration's
// directory.
bool read_path(const map_reader& m, std::string_view key, std::string& out);

// A file the daemon will read (a key or certificate): resolved against the configuration's
// directory and reported when it cannot be opened.
bool read_key_file(const map_reader& m, std::string_view key, std::string& out, need n);
bool read_key_files(const map_reader& m, std::string_view key, std::vector<std::string>& out,
                    need n);

// A list of public key lines ("TYPE BASE64 [COMMENT]"), each checked (ssh_key_text).
bool read_public_keys(const map_reader& m, std::string_view key, std::vector<std::string>& out);

// A file of lines (an authorized_keys file, a revocation list) named by `key`: its path goes
// to `path` and each line, blank and '#' lines skipped and leading blanks trimmed, is appended
// to `lines` when check(line) finds nothing; a bad line is reported at its own line in that
// file. Files over 1 MiB are refused.
bool read_lines_file(const map_reader& m, std::string_view key, std::string& path,
                     std::vector<std::string>& lines,
                     const std::function<std::string(std::string_view)>& check);

}  // namespace gatehouse::config
