#pragma once
// Operators are not key readers: the private key files a configuration names (SSH host keys,
// the RDP token key, the TLS key, the web apps' assertion key, upstream account keys) should be
// readable by the daemon's user alone, or by its own group (which holds nobody else;
// systemd/gatehouse.sysusers); the signing CA key (ssh.ca_key, first file) by the daemon's user
// alone. Accounts on certificates (`auth: certificate`) have no key file at all.
// This finds the ones that others, or another group, may read, for a warning at start, at
// reload and from --check (a warning, not a refusal: the file works, it is only exposed).
#include <string>
#include <vector>

#include "config/config.hpp"

namespace gatehouse::config {

// One line per exposed file: "PATH is readable by everyone (mode 0644)" or "PATH is readable
// by group 'NAME' (mode 0640)". Files that cannot be read are the loader's business.
std::vector<std::string> exposed_key_files(const config& c);

}  // namespace gatehouse::config
