#pragma once
// Command line of gatehoused.
#include <optional>
#include <string>

namespace gatehouse::daemon {

struct options {
  std::string config_path;
  bool check_only = false;
  bool verbose = false;
};

// nullopt after printing usage/version (exit_code says how to leave).
struct parsed_options {
  std::optional<options> value;
  int exit_code = 0;
};

parsed_options parse_options(int argc, char** argv);

}  // namespace gatehouse::daemon
