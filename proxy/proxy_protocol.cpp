#include "proxy/proxy_protocol.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <string_view>
#include <vector>

namespace gatehouse::proxy::proxy_protocol {

namespace {

constexpr std::string_view v1_prefix = "PROXY ";
constexpr std::array<unsigned char, 12> v2_signature = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                                        0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

// Whether `bytes` (possibly shorter) agrees with `prefix` on their common length.
bool agrees_with(std::span<const unsigned char> bytes, std::span<const unsigned char> prefix) {
  const std::size_t n = std::min(bytes.size(), prefix.size());
  return std::equal(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n), prefix.begin());
}

std::span<const unsigned char> as_bytes(std::string_view text) {
  return {reinterpret_cast<const unsigned char*>(text.data()), text.size()};
}

// A decimal port without sign or leading zeros, 0-65535.
std::optional<std::uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5 || (text.size() > 1 && text.front() == '0'))
    return std::nullopt;
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

// inet_ntop's form of 4 or 16 address bytes.
std::string address_text(const unsigned char* raw, bool v6) {
  char text[INET6_ADDRSTRLEN] = {};
  if (v6) {
    in6_addr a{};
    std::memcpy(&a, raw, 16);
    inet_ntop(AF_INET6, &a, text, sizeof text);
  } else {
    in_addr a{};
    std::memcpy(&a, raw, 4);
    inet_ntop(AF_INET, &a, text, sizeof text);
  }
  return text;
}

// A textual address of the given family, canonicalised; nullopt when it is none.
std::optional<client_address> v1_address(std::string_view ip, std::string_view port, bool v6) {
  const std::string written(ip);
  unsigned char raw[16] = {};
  if (inet_pton(v6 ? AF_INET6 : AF_INET, written.c_str(), raw) != 1) return std::nullopt;
  auto p = parse_port(port);
  if (!p) return std::nullopt;
  return client_address{address_text(raw, v6), *p, v6};
}

result parse_v1(std::span<const unsigned char> bytes) {
  if (bytes.size() < v1_prefix.size()) return need_more{};
  // The line ends at the first CR, which must be followed by LF; before it only printable
  // ASCII. Anything else is refused as soon as it is seen.
  std::size_t end = 0;
  for (; end < bytes.size(); ++end) {
    const unsigned char c = bytes[end];
    if (c == '\r') break;
    if (c < 0x20 || c > 0x7e) return error{"v1 header holds a byte that is not printable text"};
    if (end + 2 >= most_v1_bytes) return error{"v1 header longer than 107 bytes"};
  }
  if (end == bytes.size() || end + 1 == bytes.size()) return need_more{};
  if (bytes[end + 1] != '\n') return error{"v1 header's CR is not followed by LF"};

  const std::string_view line(reinterpret_cast<const char*>(bytes.data()) + v1_prefix.size(),
                              end - v1_prefix.size());
  std::vector<std::string_view> fields;
  for (std::size_t at = 0;;) {
    auto space = line.find(' ', at);
    fields.push_back(line.substr(at, space == std::string_view::npos ? line.npos : space - at));
    if (space == std::string_view::npos) break;
    at = space + 1;
  }
  header h;
  h.version = 1;
  h.length = end + 2;
  if (fields.front() == "UNKNOWN") return h;  // the rest of the line is to be ignored
  const bool v6 = fields.front() == "TCP6";
  if (!v6 && fields.front() != "TCP4")
    return error{"v1 header's protocol is not TCP4, TCP6 or UNKNOWN"};
  if (fields.size() != 5)
    return error{"v1 header needs source, destination and their ports, one space apart"};
  h.source = v1_address(fields[1], fields[3], v6);
  h.destination = v1_address(fields[2], fields[4], v6);
  if (!h.source || !h.destination)
    return error{v6 ? "v1 header's TCP6 addresses or ports are malformed"
                    : "v1 header's TCP4 addresses or ports are malformed"};
  return h;
}

result parse_v2(std::span<const unsigned char> bytes) {
  if (bytes.size() < v2_fixed_bytes) return need_more{};
  const unsigned version = bytes[12] >> 4, command = bytes[12] & 0x0F;
  const unsigned family = bytes[13] >> 4, transport = bytes[13] & 0x0F;
  const std::size_t payload = std::size_t(bytes[14]) << 8 | bytes[15];
  if (version != 2) return error{"v2 header of version " + std::to_string(version)};
  if (command > 1) return error{"v2 header's command is neither LOCAL nor PROXY"};
  if (payload > most_v2_payload)
    return error{"v2 header of " + std::to_string(payload) + " bytes (at most " +
                 std::to_string(most_v2_payload) + ")"};
  const bool local = command == 0;
  std::size_t address_bytes = 0;
  if (!local) {
    if (family == 3) return error{"v2 UNIX socket addresses are not accepted"};
    if (family > 3) return error{"v2 header's address family is unknown"};
    if (family != 0 && transport != 1) return error{"v2 header's transport is not TCP (STREAM)"};
    address_bytes = family == 1 ? 12 : family == 2 ? 36 : 0;
    if (payload < address_bytes) return error{"v2 header too short for its addresses"};
  }
  if (bytes.size() < v2_fixed_bytes + payload) return need_more{};
  header h;
  h.version = 2;
  h.length = v2_fixed_bytes + payload;
  if (address_bytes == 0) return h;  // LOCAL or UNSPEC: the connection's own peer stands
  const bool v6 = family == 2;
  const unsigned char* a = bytes.data() + v2_fixed_bytes;
  const std::size_t size = v6 ? 16 : 4;
  auto port_at = [&](std::size_t offset) {
    return static_cast<std::uint16_t>(a[offset] << 8 | a[offset + 1]);
  };
  h.source = client_address{address_text(a, v6), port_at(2 * size), v6};
  h.destination = client_address{address_text(a + size, v6), port_at(2 * size + 2), v6};
  return h;  // the TLVs after the addresses are skipped
}

}  // namespace

result parse(std::span<const unsigned char> bytes) {
  if (bytes.empty()) return need_more{};
  if (bytes.front() == v1_prefix.front()) {
    if (!agrees_with(bytes, as_bytes(v1_prefix))) return error{"not a PROXY protocol header"};
    return parse_v1(bytes);
  }
  if (!agrees_with(bytes, v2_signature)) return error{"not a PROXY protocol header"};
  return parse_v2(bytes);
}

}  // namespace gatehouse::proxy::proxy_protocol
