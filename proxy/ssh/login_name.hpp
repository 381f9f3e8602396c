#pragma once
// The SSH login name people type (SPEC "SSH"): `person@account@server`, `person@server` when
// the server has one account, or just `person` for the person's own view. OpenSSH splits the
// destination at its last '@', so everything before that reaches us as the user name.
//
// parse_login_name() is pure syntax; resolve_login() looks the names up in a configuration
// snapshot and says in words what is wrong. Both are pure and thread-safe.
#include <string>
#include <string_view>
#include <variant>

#include "config/config.hpp"

namespace gatehouse::proxy::ssh {

struct login_name {
  std::string person;
  std::string account;  // empty: the server's only account
  std::string server;   // empty: the person's own view
  bool own_view() const { return server.empty(); }
};

// The parts, or why the name is malformed (empty parts, spaces or control characters, too long).
std::variant<login_name, std::string> parse_login_name(std::string_view user);

// Where a login leads, resolved against one configuration snapshot (pointers into it).
struct login_target {
  const config::server* server = nullptr;
  const config::account* account = nullptr;
};

// Finds the server and account. Errors are sentences for the person, e.g.
// "unknown server 'web02'", "web01 has no account 'admin' (accounts: root, deploy)",
// "web01 has several accounts (root, deploy): log in as alice@ACCOUNT@web01".
std::variant<login_target, std::string> resolve_login(const config::config& cfg,
                                                      const login_name& login);

}  // namespace gatehouse::proxy::ssh
