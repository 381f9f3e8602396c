#pragma once
// Who is connecting and to which server, from the Connection Request: a signed routing token,
// or (only when listen.rdp.trust_mstshash_cookie is on and the client's address is in
// trusted_networks) a cookie "Cookie: mstshash=PERSON@SERVER" (FreeRDP sends its /u: value).
// Pure: the caller supplies the key, the client's address and the time.
#include <string>
#include <string_view>
#include <variant>

#include "config/config.hpp"
#include "proxy/rdp/token.hpp"
#include "proxy/rdp/x224.hpp"

namespace gatehouse::proxy::rdp {

struct identity {
  std::string person;
  std::string server;
  std::string method;  // "routing token" | "mstshash cookie"
};

struct identity_failure {
  std::string reason;  // for the audit log: "no routing token", "token expired", ...
  std::string user;    // the name the client claimed, if any
};

// `key` is empty when no token key is configured (or it cannot be read).
std::variant<identity, identity_failure> identify(const connection_request& r,
                                                  const config::rdp_listener& listener,
                                                  std::string_view key,
                                                  std::string_view client_address,
                                                  unix_seconds now);

}  // namespace gatehouse::proxy::rdp
