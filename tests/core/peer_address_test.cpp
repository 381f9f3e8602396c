#include "core/peer_address.hpp"

#include <gtest/gtest.h>

namespace gatehouse {
namespace {

TEST(SourceAddress, FromPeer) {
  EXPECT_EQ(source_address("10.0.0.1:5555"), "10.0.0.1");
  EXPECT_EQ(source_address("[::1]:22"), "::/64");
  EXPECT_EQ(source_address("::1:22"), "::/64");  // as the daemon writes peers: no brackets
  EXPECT_EQ(source_address("not-an-address:22"), "not-an-address");
}

TEST(SourceAddress, IPv6AddressesOfOneSlash64ShareOneKey) {
  auto a = source_address("[2001:db8:1:2::7]:22");
  EXPECT_EQ(a, "2001:db8:1:2::/64");
  EXPECT_EQ(source_address("[2001:db8:1:2:ffff:ffff:ffff:ffff]:40000"), a);
  EXPECT_EQ(source_address("[2001:db8:1:2:a:b:c:d]:1"), a);
  EXPECT_EQ(source_address("2001:db8:1:2::8:22"), a);
}

TEST(SourceAddress, DifferentSlash64sAreDifferentKeys) {
  EXPECT_NE(source_address("[2001:db8:1:2::7]:22"), source_address("[2001:db8:1:3::7]:22"));
  EXPECT_NE(source_address("[2001:db8:1:2::7]:22"), source_address("[2001:db9:1:2::7]:22"));
}

TEST(SourceAddress, IPv4MappedCountsAsTheIPv4Address) {
  EXPECT_EQ(source_address("[::ffff:192.0.2.9]:22"), "192.0.2.9");
  EXPECT_EQ(source_address("::ffff:192.0.2.9:22"), "192.0.2.9");
  EXPECT_EQ(source_address("[::ffff:192.0.2.9]:22"), source_address("192.0.2.9:5000"));
  EXPECT_NE(source_address("[::ffff:192.0.2.9]:22"), source_address("[::ffff:192.0.2.10]:22"));
}

TEST(ParseIp, BothFamilies) {
  auto v4 = parse_ip("10.1.2.3");
  ASSERT_TRUE(v4);
  EXPECT_TRUE(v4->v4);
  EXPECT_EQ(v4->bytes[12], 10);
  auto mapped = parse_ip("::ffff:10.1.2.3");
  ASSERT_TRUE(mapped);
  EXPECT_TRUE(mapped->v4);
  EXPECT_EQ(mapped->bytes, v4->bytes);
  auto v6 = parse_ip("fd00::1");
  ASSERT_TRUE(v6);
  EXPECT_FALSE(v6->v4);
  EXPECT_FALSE(parse_ip("web01"));
  EXPECT_FALSE(parse_ip("[::1]"));
}

TEST(NetworkContains, Cidrs) {
  EXPECT_TRUE(network_contains("127.0.0.0/8", "127.0.0.1"));
  EXPECT_TRUE(network_contains("127.0.0.0/8", "::ffff:127.0.0.1"));
  EXPECT_FALSE(network_contains("127.0.0.0/8", "128.0.0.1"));
  EXPECT_TRUE(network_contains("10.0.0.5", "10.0.0.5"));
  EXPECT_FALSE(network_contains("10.0.0.5", "10.0.0.6"));
  EXPECT_TRUE(network_contains("0.0.0.0/0", "8.8.8.8"));
  EXPECT_TRUE(network_contains("fd00::/8", "[fd12::1]"));
  EXPECT_FALSE(network_contains("fd00::/8", "fe80::1"));
  EXPECT_FALSE(network_contains("10.0.0.0/8", "fd00::1"));
  EXPECT_FALSE(network_contains("10.0.0.0/33", "10.0.0.1"));
  EXPECT_FALSE(network_contains("garbage", "10.0.0.1"));
}

}  // namespace
}  // namespace gatehouse
