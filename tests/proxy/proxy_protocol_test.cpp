// The PROXY protocol parser (proxy/proxy_protocol.hpp): every branch of v1 and v2, headers
// given at once and byte by byte, and the rule that need_more never covers a byte past the
// header.
#include "proxy/proxy_protocol.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace gatehouse::proxy::proxy_protocol {
namespace {

using bytes = std::vector<unsigned char>;

bytes of(std::string_view text) { return bytes(text.begin(), text.end()); }

result parse_text(std::string_view text) { return parse(of(text)); }

std::string reason(const result& r) {
  auto* e = std::get_if<error>(&r);
  return e ? e->reason : "(no error)";
}

header parsed(const result& r) {
  auto* h = std::get_if<header>(&r);
  EXPECT_NE(h, nullptr) << reason(r);
  return h ? *h : header{};
}

bool needs_more(const result& r) { return std::holds_alternative<need_more>(r); }

const bytes signature = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

// A v2 header: ver/cmd, family/transport, then `payload` (its length is written).
bytes v2(unsigned char ver_cmd, unsigned char family, const bytes& payload) {
  bytes out = signature;
  out.push_back(ver_cmd);
  out.push_back(family);
  out.push_back(static_cast<unsigned char>(payload.size() >> 8));
  out.push_back(static_cast<unsigned char>(payload.size() & 0xff));
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

const bytes tcp4_payload = {192, 0, 2, 7, 10, 0, 0, 1, 0xC3, 0x50, 0x08, 0xAE};  // 50000 -> 2222

TEST(ProxyProtocolV1, Tcp4) {
  auto r = parse_text("PROXY TCP4 192.0.2.7 10.0.0.1 50000 2222\r\nSSH-2.0-x\r\n");
  const auto& h = parsed(r);
  EXPECT_EQ(h.version, 1);
  EXPECT_EQ(h.length, 42u);
  ASSERT_TRUE(h.source && h.destination);
  EXPECT_EQ(h.source->ip, "192.0.2.7");
  EXPECT_EQ(h.source->port, 50000);
  EXPECT_FALSE(h.source->v6);
  EXPECT_EQ(h.destination->ip, "10.0.0.1");
  EXPECT_EQ(h.destination->port, 2222);
}

TEST(ProxyProtocolV1, Tcp6IsCanonicalised) {
  const auto& h = parsed(parse_text("PROXY TCP6 2001:DB8:0:0::7 ::1 65535 0\r\n"));
  ASSERT_TRUE(h.source);
  EXPECT_EQ(h.source->ip, "2001:db8::7");
  EXPECT_TRUE(h.source->v6);
  EXPECT_EQ(h.source->port, 65535);
  EXPECT_EQ(h.destination->port, 0);
}

TEST(ProxyProtocolV1, UnknownNamesNoClient) {
  const auto& h = parsed(parse_text("PROXY UNKNOWN\r\n"));
  EXPECT_EQ(h.length, 15u);
  EXPECT_FALSE(h.source);
  const auto& with_rest = parsed(parse_text("PROXY UNKNOWN ffff:f...f:ffff 1.2.3.4 0 0\r\n"));
  EXPECT_FALSE(with_rest.source);
}

TEST(ProxyProtocolV1, MalformedLines) {
  const std::string tcp4_bad = "v1 header's TCP4 addresses or ports are malformed";
  EXPECT_EQ(reason(parse_text("PROXY TCP4 192.0.2.7 10.0.0.1 50000 65536\r\n")), tcp4_bad);
  EXPECT_EQ(reason(parse_text("PROXY TCP4 192.0.2.7 10.0.0.1 050000 2222\r\n")), tcp4_bad);
  EXPECT_EQ(reason(parse_text("PROXY TCP4 192.0.2.7 10.0.0.1 -1 2222\r\n")), tcp4_bad);
  EXPECT_EQ(reason(parse_text("PROXY TCP4 ::1 10.0.0.1 1 2\r\n")), tcp4_bad);
  EXPECT_EQ(reason(parse_text("PROXY TCP4 192.0.2 10.0.0.1 1 2\r\n")), tcp4_bad);
  EXPECT_EQ(reason(parse_text("PROXY TCP6 192.0.2.7 ::1 1 2\r\n")),
            "v1 header's TCP6 addresses or ports are malformed");
  EXPECT_EQ(reason(parse_text("PROXY TCP4 192.0.2.7  10.0.0.1 1 2\r\n")),
            "v1 header needs source, destination and their ports, one space apart");
  EXPECT_EQ(reason(parse_text("PROXY TCP4 192.0.2.7 10.0.0.1 1\r\n")),
            "v1 header needs source, destination and their ports, one space apart");
  EXPECT_EQ(reason(parse_text("PROXY UDP4 192.0.2.7 10.0.0.1 1 2\r\n")),
            "v1 header's protocol is not TCP4, TCP6 or UNKNOWN");
  EXPECT_EQ(reason(parse_text("PROXY \r\n")), "v1 header's protocol is not TCP4, TCP6 or UNKNOWN");
  EXPECT_EQ(reason(parse_text("PROXY TCP4 1.2.3.4 1.2.3.4 1 2\rX")),
            "v1 header's CR is not followed by LF");
  EXPECT_EQ(reason(parse_text("PROXY TCP4 1.2.3.4 1.2.3.4 1 2\n")),
            "v1 header holds a byte that is not printable text");
  EXPECT_EQ(reason(parse(bytes{'P', 'R', 'O', 'X', 'Y', ' ', 0xC3})),
            "v1 header holds a byte that is not printable text");
  EXPECT_EQ(reason(parse_text("PROXY\r\n")), "not a PROXY protocol header");
  EXPECT_EQ(reason(parse_text("PRoXY")), "not a PROXY protocol header");
}

TEST(ProxyProtocolV1, LengthLimitIs107BytesWithTheCrlf) {
  std::string longest = "PROXY UNKNOWN " + std::string(107 - 16, 'x') + "\r\n";
  ASSERT_EQ(longest.size(), 107u);
  EXPECT_EQ(parsed(parse_text(longest)).length, 107u);
  std::string too_long = "PROXY UNKNOWN " + std::string(107 - 15, 'x') + "\r\n";
  EXPECT_EQ(reason(parse_text(too_long)), "v1 header longer than 107 bytes");
  // Refused as soon as the 106th byte is no CR, without waiting for more.
  EXPECT_EQ(reason(parse_text(too_long.substr(0, 106))), "v1 header longer than 107 bytes");
  EXPECT_TRUE(needs_more(parse_text(too_long.substr(0, 105))));
}

TEST(ProxyProtocolV1, NeedsMoreUntilTheLineEnds) {
  EXPECT_TRUE(needs_more(parse(bytes{})));
  EXPECT_TRUE(needs_more(parse_text("P")));
  EXPECT_TRUE(needs_more(parse_text("PROXY")));
  EXPECT_TRUE(needs_more(parse_text("PROXY TCP4 192.0.2.7")));
  EXPECT_TRUE(needs_more(parse_text("PROXY TCP4 192.0.2.7 10.0.0.1 50000 2222\r")));
}

TEST(ProxyProtocolV2, Tcp4WithTlvsSkipped) {
  bytes payload = tcp4_payload;
  bytes tlvs = {0x01, 0x00, 0x02, 'h', '2', 0x04, 0x00, 0x00};  // ALPN "h2", NOOP
  payload.insert(payload.end(), tlvs.begin(), tlvs.end());
  auto wire = v2(0x21, 0x11, payload);
  wire.push_back('S');  // the protocol's first byte, not the header's
  const auto& h = parsed(parse(wire));
  EXPECT_EQ(h.version, 2);
  EXPECT_EQ(h.length, 16u + 20u);
  ASSERT_TRUE(h.source && h.destination);
  EXPECT_EQ(h.source->ip, "192.0.2.7");
  EXPECT_EQ(h.source->port, 50000);
  EXPECT_EQ(h.destination->ip, "10.0.0.1");
  EXPECT_EQ(h.destination->port, 2222);
}

TEST(ProxyProtocolV2, Tcp6) {
  bytes payload(36, 0);
  payload[0] = 0x20, payload[1] = 0x01, payload[2] = 0x0d, payload[3] = 0xb8, payload[15] = 7;
  payload[31] = 1;
  payload[32] = 0x01, payload[33] = 0xBB, payload[34] = 0x00, payload[35] = 0x16;
  const auto& h = parsed(parse(v2(0x21, 0x21, payload)));
  ASSERT_TRUE(h.source);
  EXPECT_EQ(h.source->ip, "2001:db8::7");
  EXPECT_TRUE(h.source->v6);
  EXPECT_EQ(h.source->port, 443);
  EXPECT_EQ(h.destination->ip, "::1");
  EXPECT_EQ(h.destination->port, 22);
}

TEST(ProxyProtocolV2, LocalAndUnspecNameNoClient) {
  const auto& local = parsed(parse(v2(0x20, 0x00, {})));
  EXPECT_EQ(local.length, 16u);
  EXPECT_FALSE(local.source);
  // LOCAL ignores whatever family and addresses follow (a health check's own).
  const auto& local_tcp4 = parsed(parse(v2(0x20, 0x11, tcp4_payload)));
  EXPECT_EQ(local_tcp4.length, 28u);
  EXPECT_FALSE(local_tcp4.source);
  EXPECT_FALSE(parsed(parse(v2(0x21, 0x00, {1, 2, 3}))).source);
}

TEST(ProxyProtocolV2, Refusals) {
  EXPECT_EQ(reason(parse(v2(0x21, 0x31, bytes(216, 0)))),
            "v2 UNIX socket addresses are not accepted");
  EXPECT_EQ(reason(parse(v2(0x21, 0x41, tcp4_payload))), "v2 header's address family is unknown");
  EXPECT_EQ(reason(parse(v2(0x21, 0x12, tcp4_payload))),
            "v2 header's transport is not TCP (STREAM)");
  EXPECT_EQ(reason(parse(v2(0x21, 0x10, tcp4_payload))),
            "v2 header's transport is not TCP (STREAM)");
  EXPECT_EQ(reason(parse(v2(0x21, 0x11, bytes(11, 0)))), "v2 header too short for its addresses");
  EXPECT_EQ(reason(parse(v2(0x21, 0x21, bytes(35, 0)))), "v2 header too short for its addresses");
  EXPECT_EQ(reason(parse(v2(0x11, 0x11, tcp4_payload))), "v2 header of version 1");
  EXPECT_EQ(reason(parse(v2(0x22, 0x11, tcp4_payload))),
            "v2 header's command is neither LOCAL nor PROXY");
  bytes signature_off = v2(0x21, 0x11, tcp4_payload);
  signature_off[11] = 0x0B;
  EXPECT_EQ(reason(parse(signature_off)), "not a PROXY protocol header");
  EXPECT_EQ(reason(parse_text("SSH-2.0-OpenSSH_9.2\r\n")), "not a PROXY protocol header");
}

TEST(ProxyProtocolV2, LengthCapIsRefusedBeforeThePayloadArrives) {
  EXPECT_EQ(parsed(parse(v2(0x21, 0x11, bytes(most_v2_payload, 0)))).length, most_header_bytes);
  bytes head = v2(0x21, 0x11, {});
  head[14] = static_cast<unsigned char>((most_v2_payload + 1) >> 8);
  head[15] = static_cast<unsigned char>((most_v2_payload + 1) & 0xff);
  EXPECT_EQ(reason(parse(head)), "v2 header of 2049 bytes (at most 2048)");
}

TEST(ProxyProtocolV2, NeedsMoreUntilThePayloadEnds) {
  auto wire = v2(0x21, 0x11, tcp4_payload);
  for (std::size_t n = 0; n < wire.size(); ++n)
    EXPECT_TRUE(needs_more(parse({wire.data(), n}))) << n << " bytes";
  EXPECT_EQ(parsed(parse(wire)).length, wire.size());
}

// However the bytes arrive, need_more only ever covers header bytes, and the header found at
// the end is the one found at once.
TEST(ProxyProtocol, PrefixesNeverReachPastTheHeader) {
  std::vector<bytes> headers = {of("PROXY TCP4 192.0.2.7 10.0.0.1 50000 2222\r\n"),
                                of("PROXY UNKNOWN\r\n"), v2(0x21, 0x11, tcp4_payload),
                                v2(0x20, 0x00, {})};
  for (auto wire : headers) {
    const std::size_t length = parsed(parse(wire)).length;
    EXPECT_EQ(length, wire.size());
    wire.insert(wire.end(), {'S', 'S', 'H', '-', '\r', '\n'});
    for (std::size_t n = 0; n <= wire.size(); ++n) {
      auto r = parse({wire.data(), n});
      if (n < length) {
        EXPECT_TRUE(needs_more(r)) << n;
      } else {
        EXPECT_EQ(parsed(r).length, length) << n;
      }
    }
  }
}

}  // namespace
}  // namespace gatehouse::proxy::proxy_protocol
