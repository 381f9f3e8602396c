#include "cli/arguments.hpp"

#include <cstdlib>

namespace gatehouse::cli {

const std::set<std::string> flag_names = {"--json", "--emergency", "--failed", "--help"};

std::optional<std::string> arguments::option(const std::string& name) const {
  auto it = options.find(name);
  if (it == options.end()) return std::nullopt;
  return it->second;
}

std::optional<arguments> parse_arguments(int argc, char** argv, std::string& error) {
  arguments a;
  if (const char* env = std::getenv("GATEHOUSE_SOCKET"); env && *env) a.socket = env;
  int i = 1;
  // Global options come before the verb.
  for (; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--socket") {
      if (i + 1 >= argc) {
        error = "--socket needs a path";
        return std::nullopt;
      }
      a.socket = argv[++i];
    } else if (arg.rfind("--socket=", 0) == 0) {
      a.socket = arg.substr(9);
    } else {
      break;
    }
  }
  if (i >= argc) {
    error = "no verb given";
    return std::nullopt;
  }
  a.verb = argv[i++];
  for (; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.size() > 2 && arg.rfind("--", 0) == 0) {
      if (auto eq = arg.find('='); eq != std::string::npos) {
        a.options[arg.substr(0, eq)] = arg.substr(eq + 1);
      } else if (flag_names.count(arg)) {
        a.flags.insert(arg);
      } else if (i + 1 < argc) {
        a.options[arg] = argv[++i];
      } else {
        error = arg + " needs a value";
        return std::nullopt;
      }
    } else {
      a.positional.push_back(std::move(arg));
    }
  }
  return a;
}

}  // namespace gatehouse::cli
