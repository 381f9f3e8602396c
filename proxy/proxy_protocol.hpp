#pragma once
// The PROXY protocol header a load balancer puts in front of a connection (haproxy's
// `send-proxy` = version 1, `send-proxy-v2` = version 2), parsed from the bytes received so far.
//   version 1: "PROXY TCP4|TCP6 SRC DST SPORT DPORT\r\n" or "PROXY UNKNOWN …\r\n", at most 107
//              bytes with the CRLF;
//   version 2: the 12-byte signature, version/command, family/transport, a 16-bit length and
//              that many bytes (addresses, then TLVs, which are skipped); the length is capped
//              at most_v2_payload. PROXY over TCP on IPv4 or IPv6 gives the client's address;
//              LOCAL (a balancer's health check), UNSPEC and v1 UNKNOWN give none (the
//              connection's own peer stands); UNIX sockets and datagrams are refused.
// parse() answers one of: need more bytes, a header (with its exact length, so the caller
// consumes exactly it and the protocol after it keeps every following byte), or an error with
// its reason. While it answers need_more, every byte given so far belongs to the header: a
// caller may consume them all without reading past it.
// Pure: no sockets, no state; thread-safe.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>

namespace gatehouse::proxy::proxy_protocol {

inline constexpr std::size_t most_v1_bytes = 107;     // with the CRLF (the protocol's limit)
inline constexpr std::size_t v2_fixed_bytes = 16;     // signature, ver/cmd, family, length
inline constexpr std::size_t most_v2_payload = 2048;  // addresses and TLVs; more is refused
inline constexpr std::size_t most_header_bytes = v2_fixed_bytes + most_v2_payload;

// The client as the balancer saw it: the address in the form inet_ntop writes it ("10.0.0.7",
// "2001:db8::1"), an IPv4-mapped IPv6 address as written by the balancer.
struct client_address {
  std::string ip;
  std::uint16_t port = 0;
  bool v6 = false;
};

struct header {
  int version = 0;         // 1 or 2
  std::size_t length = 0;  // bytes the header takes, from the first
  // The real client and the address it connected to; nullopt for LOCAL, UNSPEC and v1
  // UNKNOWN, where the connection's own peer is the one to use.
  std::optional<client_address> source;
  std::optional<client_address> destination;
};

struct need_more {};

struct error {
  std::string reason;  // "not a PROXY protocol header", "v2 UNIX sockets are not accepted", …
};

using result = std::variant<need_more, header, error>;

result parse(std::span<const unsigned char> bytes);

}  // namespace gatehouse::proxy::proxy_protocol
