// gatehouse: the command-line client of gatehoused's admin socket (SPEC "Programs").
// Exit codes: 0 ok, 1 failure (one-line reason on stderr), 2 usage.
#include <cstdio>
#include <string>

#include "cli/arguments.hpp"
#include "cli/verbs.hpp"

int main(int argc, char** argv) {
  using namespace gatehouse::cli;
  std::string error;
  auto args = parse_arguments(argc, argv, error);
  if (!args) {
    std::fprintf(stderr, "gatehouse: %s\n%s", error.c_str(), usage_text().c_str());
    return 2;
  }
  return run_verb(*args);
}
