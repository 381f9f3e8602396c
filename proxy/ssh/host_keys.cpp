#include "proxy/ssh/host_keys.hpp"

#include <libssh/libssh.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace gatehouse::proxy::ssh {

std::vector<std::string> check_host_keys(const std::vector<std::string>& paths) {
  std::vector<std::string> problems;
  for (const auto& path : paths) {
    std::ifstream probe(path);
    if (!probe) {
      problems.push_back("host key " + path + ": cannot read: " + std::strerror(errno));
      continue;
    }
    ssh_key key = nullptr;
    if (ssh_pki_import_privkey_file(path.c_str(), nullptr, nullptr, nullptr, &key) != SSH_OK) {
      problems.push_back("host key " + path + ": not a private key libssh can load");
      continue;
    }
    ssh_key_free(key);
  }
  return problems;
}

}  // namespace gatehouse::proxy::ssh
