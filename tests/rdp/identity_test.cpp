#include "proxy/rdp/identity.hpp"

#include <gtest/gtest.h>

#include "core/peer_address.hpp"

namespace gatehouse::proxy::rdp {
namespace {

const std::string key(32, 'k');
const unix_seconds now{std::chrono::seconds(1'800'000'000)};

connection_request token_request(const std::string& token) {
  connection_request r;
  r.kind = connection_request::identity::routing_token;
  r.token = token;
  return r;
}

connection_request cookie_request(const std::string& cookie) {
  connection_request r;
  r.kind = connection_request::identity::cookie;
  r.cookie = cookie;
  return r;
}

std::string failure(const std::variant<identity, identity_failure>& v) {
  return v.index() == 1 ? std::get<1>(v).reason : "";
}

TEST(RdpIdentity, ASignedTokenNamesPersonAndServer) {
  config::rdp_listener l;
  auto token = std::get<0>(make_token(key, "alice", "win01", now + std::chrono::hours(1)));
  auto v = identify(token_request(token), l, key, "192.0.2.7", now);
  ASSERT_EQ(v.index(), 0u) << failure(v);
  EXPECT_EQ(std::get<0>(v).person, "alice");
  EXPECT_EQ(std::get<0>(v).server, "win01");
  EXPECT_EQ(failure(identify(token_request(token), l, "", "192.0.2.7", now)),
            "routing tokens are not configured");
  EXPECT_EQ(failure(identify(token_request(token), l, key, "x", now + std::chrono::hours(2))),
            "token expired");
  EXPECT_EQ(failure(identify(connection_request{}, l, key, "x", now)), "no routing token");
}

TEST(RdpIdentity, CookiesOnlyWhenTrustedAndFromTrustedNetworks) {
  config::rdp_listener l;
  l.trusted_networks = {"10.0.0.0/8", "fd00::/8"};
  EXPECT_EQ(failure(identify(cookie_request("alice@win01"), l, key, "10.1.2.3", now)),
            "mstshash cookies are not trusted");
  l.trust_mstshash_cookie = true;
  EXPECT_EQ(failure(identify(cookie_request("alice@win01"), l, key, "192.0.2.7", now)),
            "mstshash cookie from an untrusted network");
  auto v = identify(cookie_request("alice@win01"), l, key, "10.1.2.3", now);
  ASSERT_EQ(v.index(), 0u) << failure(v);
  EXPECT_EQ(std::get<0>(v).person, "alice");
  EXPECT_EQ(identify(cookie_request("bob@win01"), l, key, "fd00::5", now).index(), 0u);
  EXPECT_NE(failure(identify(cookie_request("alice"), l, key, "10.1.2.3", now)), "");
}

}  // namespace
}  // namespace gatehouse::proxy::rdp
