#pragma once
// What `ssh person@gate` with no target serves (SPEC "SSH"): the person's own view and their
// exec commands (`request root@web01 --reason R`, `requests`, `cancel N`, `approve N`, ...).
// An interface, so that the SSH front end builds and is tested without the policy core; the
// daemon's implementation is service_own_commands (service_own_commands.hpp, apart: a
// connection's code that saw that final class would be devirtualized into it by g++ -O3 and
// need the policy core to link). A connection sees only the asynchronous calls, answered on
// its own io thread.
#include <functional>
#include <string>
#include <vector>

namespace gatehouse::proxy::ssh {

struct command_result {
  int exit_code = 0;
  std::string out;  // printed to stdout
  std::string err;  // printed to stderr
};

class own_commands {
 public:
  virtual ~own_commands() = default;
  // The person's own view (`ssh alice@gate`: their grants and requests, as text), and one exec
  // command; `done` gets the answer on the caller's io thread.
  virtual void own_view_async(const std::string& person, std::function<void(std::string)> done) = 0;
  virtual void run_command_async(const std::string& person, std::vector<std::string> args,
                                 std::function<void(command_result)> done) = 0;
};

}  // namespace gatehouse::proxy::ssh
