#pragma once
// The SSH host keys named in listen.ssh.host_keys, loaded with libssh, so that an unreadable,
// malformed or unsuitable key is a startup error rather than a failure on the first
// connection. The listener offers ed25519 and RSA (rsa-sha2, at least 2048 bits) host keys
// only (see algorithms.hpp); other types are refused here.
#include <libssh/libssh.h>

#include <memory>
#include <string>
#include <type_traits>
#include <vector>

namespace gatehouse::proxy::ssh {

struct ssh_key_deleter {
  void operator()(ssh_key k) const { ssh_key_free(k); }
};
using unique_key = std::unique_ptr<std::remove_pointer_t<ssh_key>, ssh_key_deleter>;

struct loaded_host_keys {
  std::vector<unique_key> keys;       // in the order given
  std::vector<std::string> problems;  // "host key FILE: ...", one per bad key
};

loaded_host_keys load_host_keys(const std::vector<std::string>& paths);

// Empty when every key loads; otherwise one message per bad key ("host key FILE: ...").
std::vector<std::string> check_host_keys(const std::vector<std::string>& paths);

}  // namespace gatehouse::proxy::ssh
