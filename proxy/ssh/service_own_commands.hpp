#pragma once
// The daemon's own commands (own_commands.hpp): every action goes through the operations API
// as the person, which tells the gate service itself, so held connections and timers learn of
// it at once. The synchronous calls are for the daemon's first io thread only (operations and
// gate_service live there); the *_async calls answer at once there, and the further threads'
// connections reach it through the daemon's lane_own_commands. Only the daemon includes this.
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "proxy/ssh/own_commands.hpp"

namespace gatehouse::operations {
class service;
}

namespace gatehouse::proxy::ssh {

// `rdp-file SERVER`: the person's .rdp file for a server, or why there is none (the RDP
// front end's; handed in by the daemon so that no front end includes another's headers).
struct rdp_file_text {
  std::string text;
  std::string error;
};
using rdp_file_maker = std::function<rdp_file_text(
    const std::string& person, const std::string& server, std::chrono::seconds valid)>;

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
