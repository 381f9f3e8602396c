#include "proxy/rdp/identity.hpp"

#include "core/peer_address.hpp"

namespace gatehouse::proxy::rdp {

std::variant<identity, identity_failure> identify(const connection_request& r,
                                                  const config::rdp_listener& listener,
                                                  std::string_view key,
                                                  std::string_view client_address,
                                                  unix_seconds now) {
  using kind = connection_request::identity;
  if (r.kind == kind::routing_token) {
    if (key.empty()) return identity_failure{"routing tokens are not configured", {}};
    auto v = verify_token(key, r.token, now);
    if (auto* e = std::get_if<std::string>(&v)) return identity_failure{"token " + *e, {}};
    auto& c = std::get<token_claims>(v);
    return identity{c.person, c.server, "routing token"};
  }
  if (r.kind == kind::cookie) {
    if (!listener.trust_mstshash_cookie)
      return identity_failure{"mstshash cookies are not trusted", r.cookie};
    bool trusted = false;
    for (const auto& n : listener.trusted_networks)
      trusted = trusted || network_contains(n, client_address);
    if (!trusted) return identity_failure{"mstshash cookie from an untrusted network", r.cookie};
    auto at = r.cookie.rfind('@');
    if (at == std::string::npos || at == 0 || at + 1 == r.cookie.size())
      return identity_failure{"mstshash cookie names no server (use PERSON@SERVER)", r.cookie};
    return identity{r.cookie.substr(0, at), r.cookie.substr(at + 1), "mstshash cookie"};
  }
  return identity_failure{"no routing token", {}};
}

}  // namespace gatehouse::proxy::rdp
