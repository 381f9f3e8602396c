#pragma once
// What `ssh person@gate` with no target serves (SPEC "SSH"): the person's own view and their
// exec commands (`request root@web01 --reason R`, `requests`, `cancel N`, `approve N`, ...).
// An interface, so that the SSH front end builds and is tested without the policy core; the
// daemon's implementation (service_own_commands, own_commands.cpp) goes through the
// operations API. A connection sees only the asynchronous calls, answered on its own io
// thread; the synchronous ones exist only on service_own_commands, for the daemon's first io
// thread (operations and gate_service live there).
#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace gatehouse::operations {
class service;
}

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

// `rdp-file SERVER`: the person's .rdp file for a server, or why there is none (the RDP
// front end's; handed in by the daemon so that no front end includes another's headers).
struct rdp_file_text {
  std::string text;
  std::string error;
};
using rdp_file_maker = std::function<rdp_file_text(
    const std::string& person, const std::string& server, std::chrono::seconds valid)>;

// The daemon's own commands: every action goes through the operations API as the person, which
// tells the gate service itself, so held connections and timers learn of it at once. The
// daemon's first io thread only: the *_async calls answer at once there, and the further
// threads' connections reach it through the daemon's lane_own_commands.
class service_own_commands final : public own_commands {
 public:
  service_own_commands(operations::service& ops, rdp_file_maker rdp_file)
      : ops_(ops), rdp_file_(std::move(rdp_file)) {}
  std::string own_view(const std::string& person);
  command_result run_command(const std::string& person, const std::vector<std::string>& args);
  void own_view_async(const std::string& person, std::function<void(std::string)> done) override {
    done(own_view(person));
  }
  void run_command_async(const std::string& person, std::vector<std::string> args,
                         std::function<void(command_result)> done) override {
    done(run_command(person, args));
  }

 private:
  operations::service& ops_;
  rdp_file_maker rdp_file_;
};

}  // namespace gatehouse::proxy::ssh
