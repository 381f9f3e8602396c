#pragma once
// Client addresses as keys of per-source limits.
//   parse_ip        textual IPv4/IPv6 -> 16 bytes (IPv4 as IPv4-mapped IPv6) and whether it
//                   is IPv4 (an IPv4-mapped IPv6 address counts as IPv4);
//   source_address  the key one client is counted under, from the peer as Gatehouse writes it
//                   ("10.0.0.1:5555" -> "10.0.0.1"): an IPv4 address as is (also when it came
//                   IPv4-mapped, "[::ffff:10.0.0.1]:22" -> "10.0.0.1"), an IPv6 address as its
//                   /64 ("[2001:db8:1:2::7]:22" -> "2001:db8:1:2::/64"), since one host is
//                   given a whole /64 and could otherwise rotate through it freely. Text that
//                   is no address is returned as written.
//   peer_host       the address of a peer as Gatehouse writes it, without its port and
//                   brackets ("[fd00::1]:22" -> "fd00::1");
//   network_contains whether a textual address lies in a network ("10.0.0.0/8", "fd00::/8",
//                   or one address); IPv4-mapped IPv6 addresses match IPv4 networks
//                   (rdp trusted_networks, certificates' source-address, the
//                   listeners' proxy_protocol_from).
// Pure functions.
#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace gatehouse {

struct ip_bytes {
  std::array<unsigned char, 16> bytes{};
  bool v4 = false;
};

std::optional<ip_bytes> parse_ip(std::string_view text);

std::string source_address(const std::string& peer);

std::string peer_host(std::string_view peer);

// `address` may be bracketed ("[fd12::1]"); IPv4-mapped IPv6 addresses match IPv4 networks. A
// malformed network or address matches nothing.
bool network_contains(std::string_view network, std::string_view address);

}  // namespace gatehouse
