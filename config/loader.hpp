#pragma once
// Reading and validating the YAML configuration. Every problem is reported, each with the
// place it was found, as "FILE:LINE:COLUMN: message" (1-based line and column); a config is
// returned only when there are none.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace gatehouse::config {

struct diagnostic {
  std::string file;
  int line = 0;    // 1-based; 0 when the problem concerns the whole file
  int column = 0;  // 1-based
  std::string message;

  std::string to_string() const;  // "FILE:LINE:COLUMN: message"
};

struct load_result {
  std::shared_ptr<const config> value;  // null when problems is not empty
  std::vector<diagnostic> problems;
};

// Relative paths inside the file (key files, ssh_keys_file) are taken relative to the
// directory of `path`.
load_result load_file(const std::string& path);

// `file_name` is used in diagnostics; relative paths are resolved against `base_dir`.
load_result load_string(std::string_view text, const std::string& file_name,
                        const std::string& base_dir);

}  // namespace gatehouse::config
