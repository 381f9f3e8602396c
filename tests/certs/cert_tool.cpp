#include "tests/certs/cert_tool.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "certs/person_certificate.hpp"
#include "config/ssh_key_text.hpp"

namespace gatehouse::certs::testing {

scratch_dir::scratch_dir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "gh-certs-XXXXXX").string();
  dir_ = ::mkdtemp(pattern.data());
}

scratch_dir::~scratch_dir() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string run(const std::string& command, int* status) {
  std::string out;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return out;
  std::array<char, 4096> buffer{};
  while (auto n = std::fread(buffer.data(), 1, buffer.size(), pipe)) out.append(buffer.data(), n);
  int rc = ::pclose(pipe);
  if (status != nullptr) *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string blob_of_file(const std::string& path) {
  std::istringstream text(read_file(path));
  std::string type, data;
  text >> type >> data;
  auto blob = config::decode_base64(data, true);
  return blob ? *blob : std::string();
}

}  // namespace gatehouse::certs::testing
