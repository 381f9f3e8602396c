#pragma once
// A scratch directory per test and small helpers to build events and read lines back.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "policy/audit_sink.hpp"

namespace gatehouse::audit::testing {

// Removed when the test program exits.
inline std::filesystem::path scratch_dir(const std::string& name) {
  static std::vector<std::filesystem::path> made;
  if (made.empty()) {
    std::atexit([] {
      std::error_code ignored;
      for (const auto& d : made) std::filesystem::remove_all(d, ignored);
    });
  }
  auto dir = std::filesystem::temp_directory_path() /
             ("gatehouse-audit-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  made.push_back(dir);
  return dir;
}

inline policy::audit_event make_event(std::string name, policy::audit_fields fields = {}) {
  policy::audit_event e;
  e.name = std::move(name);
  e.at = time_point(std::chrono::milliseconds(1795000000123));
  e.fields = std::move(fields);
  return e;
}

inline std::vector<std::string> read_lines(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

inline void write_lines(const std::filesystem::path& file, const std::vector<std::string>& lines) {
  std::ofstream out(file, std::ios::trunc);
  for (const auto& l : lines) out << l << '\n';
}

}  // namespace gatehouse::audit::testing
