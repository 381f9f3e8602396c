#include "daemon/options.hpp"

#include <cstdio>
#include <string_view>

namespace gatehouse::daemon {

namespace {
constexpr const char* usage =
    "usage: gatehoused -c FILE [--check] [--verbose]\n"
    "  -c, --config FILE   configuration file (YAML)\n"
    "      --check         validate the configuration and exit (0 valid, 1 problems)\n"
    "  -v, --verbose       debug logging\n"
    "      --version       print the version\n";
}

parsed_options parse_options(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if ((a == "-c" || a == "--config") && i + 1 < argc) {
      o.config_path = argv[++i];
    } else if (a.starts_with("--config=")) {
      o.config_path = std::string(a.substr(9));
    } else if (a == "--check") {
      o.check_only = true;
    } else if (a == "-v" || a == "--verbose") {
      o.verbose = true;
    } else if (a == "--version") {
      std::fputs("gatehoused " GATEHOUSE_VERSION "\n", stdout);
      return {std::nullopt, 0};
    } else if (a == "-h" || a == "--help") {
      std::fputs(usage, stdout);
      return {std::nullopt, 0};
    } else {
      std::fprintf(stderr, "gatehoused: unexpected argument '%s'\n%s", argv[i], usage);
      return {std::nullopt, 2};
    }
  }
  if (o.config_path.empty()) {
    std::fprintf(stderr, "gatehoused: a configuration file is required (-c FILE)\n%s", usage);
    return {std::nullopt, 2};
  }
  return {o, 0};
}

}  // namespace gatehouse::daemon
