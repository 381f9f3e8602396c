#include "core/peer_address.hpp"

#include <arpa/inet.h>

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

}  // namespace gatehouse
