#pragma once
// A person's .rdp file for one server, as `ssh alice@gate rdp-file win01` prints it and the web
// app serves it: the policy is asked first (a server the person may never reach is refused
// here; the gate decides again when the client connects), then a signed routing token is made.
#include <chrono>
#include <string>

namespace gatehouse::policy {
class gate_service;
}

namespace gatehouse::proxy::rdp {

struct rdp_file_outcome {
  std::string text;   // the .rdp file (CR LF lines) when `error` is empty
  std::string error;  // why there is none, in words for the person
};

rdp_file_outcome rdp_file_for(policy::gate_service& gate, const std::string& person,
                              const std::string& server, std::chrono::seconds valid);

}  // namespace gatehouse::proxy::rdp
