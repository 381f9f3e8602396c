#pragma once
// Test support: a scratch directory and the real OpenSSH ssh-keygen, to make CA keys and
// certificates and to read ours back.
#include <filesystem>
#include <string>

namespace gatehouse::certs::testing {

class scratch_dir {
 public:
  scratch_dir();
  ~scratch_dir();
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

 private:
  std::filesystem::path dir_;
};

// Runs `command` with sh; its stdout and stderr; `status` its exit status.
std::string run(const std::string& command, int* status = nullptr);
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& text);
// The blob of an OpenSSH public key or certificate file ("TYPE BASE64 [COMMENT]").
std::string blob_of_file(const std::string& path);

}  // namespace gatehouse::certs::testing
