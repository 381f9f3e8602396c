#pragma once
// Parsing of `gatehouse [--socket PATH] VERB [ARGS…] [--option VALUE…] [--flag…]`.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace gatehouse::cli {

struct arguments {
  std::string socket = "/run/gatehouse/admin.sock";
  std::string verb;
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;  // "--comment" -> "ok"
  std::set<std::string> flags;                 // "--json"

  bool has(const std::string& flag) const { return flags.count(flag) != 0; }
  std::optional<std::string> option(const std::string& name) const;
};

// Options that never take a value; every other "--x" takes the next argument.
extern const std::set<std::string> flag_names;

// nullopt with `error` set on a usage error.
std::optional<arguments> parse_arguments(int argc, char** argv, std::string& error);

}  // namespace gatehouse::cli
