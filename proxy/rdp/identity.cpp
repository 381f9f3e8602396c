#include "proxy/rdp/identity.hpp"

#include <charconv>

#include "core/peer_address.hpp"

namespace gatehouse::proxy::rdp {

bool network_contains(std::string_view network, std::string_view address) {
  auto slash = network.find('/');
  auto parsed_net = parse_ip(network.substr(0, slash));
  if (!parsed_net) return false;
  if (address.size() > 2 && address.front() == '[' && address.back() == ']')
    address = address.substr(1, address.size() - 2);
  auto parsed_addr = parse_ip(address);
  if (!parsed_addr) return false;
  const auto& net = parsed_net->bytes;
  const auto& addr = parsed_addr->bytes;
  const bool net_v4 = parsed_net->v4, addr_v4 = parsed_addr->v4;
  if (net_v4 != addr_v4) return false;
  int prefix = net_v4 ? 32 : 128;
  if (slash != std::string_view::npos) {
    auto p = network.substr(slash + 1);
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), prefix);
    if (ec != std::errc() || end != p.data() + p.size() || prefix < 0 ||
        prefix > (net_v4 ? 32 : 128))
      return false;
  }
  int bits = net_v4 ? prefix + 96 : prefix;
  for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    unsigned char mask = bits >= 8 ? 0xff : static_cast<unsigned char>(0xff << (8 - bits));
    if ((net[std::size_t(i)] & mask) != (addr[std::size_t(i)] & mask)) return false;
  }
  return true;
}

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
