#include "core/peer_address.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace gatehouse {

std::optional<ip_bytes> parse_ip(std::string_view text) {
  const std::string s(text);
  ip_bytes out;
  in_addr a4{};
  in6_addr a6{};
  if (inet_pton(AF_INET, s.c_str(), &a4) == 1) {
    out.bytes[10] = out.bytes[11] = 0xff;
    std::memcpy(out.bytes.data() + 12, &a4, 4);
    out.v4 = true;
    return out;
  }
  if (inet_pton(AF_INET6, s.c_str(), &a6) == 1) {
    std::memcpy(out.bytes.data(), &a6, 16);
    static constexpr unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    out.v4 = std::memcmp(out.bytes.data(), mapped, 12) == 0;
    return out;
  }
  return std::nullopt;
}

std::string source_address(const std::string& peer) {
  auto colon = peer.rfind(':');
  std::string host = colon == std::string::npos ? peer : peer.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  auto ip = parse_ip(host);
  if (!ip) return host;
  char text[INET6_ADDRSTRLEN] = {};
  if (ip->v4) {
    in_addr a4{};
    std::memcpy(&a4, ip->bytes.data() + 12, 4);
    inet_ntop(AF_INET, &a4, text, sizeof text);
    return text;
  }
  in6_addr a6{};
  std::memcpy(&a6, ip->bytes.data(), 8);  // the /64: the interface half stays zero
  inet_ntop(AF_INET6, &a6, text, sizeof text);
  return std::string(text) + "/64";
}

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

}  // namespace gatehouse
