#pragma once
// Loading the SSH host keys named in listen.ssh.host_keys with libssh, so that an unreadable
// or malformed key is a startup error rather than a failure on the first connection.
#include <string>
#include <vector>

namespace gatehouse::proxy::ssh {

// Empty when every key loads; otherwise one message per bad key ("host key FILE: ...").
std::vector<std::string> check_host_keys(const std::vector<std::string>& paths);

}  // namespace gatehouse::proxy::ssh
