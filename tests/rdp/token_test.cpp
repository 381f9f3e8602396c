#include "proxy/rdp/token.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace gatehouse::proxy::rdp {
namespace {

const std::string key(32, 'k');
const unix_seconds now{std::chrono::seconds(1'800'000'000)};
const unix_seconds later = now + std::chrono::hours(8);

std::string made(std::string_view k = key, std::string_view person = "alice",
                 std::string_view server = "win01", unix_seconds until = later) {
  auto t = make_token(k, person, server, until);
  EXPECT_EQ(t.index(), 0u) << std::get<1>(t);
  return std::get<0>(t);
}

std::string verify_error(const std::string& token, unix_seconds at = now) {
  auto v = verify_token(key, token, at);
  return v.index() == 1 ? std::get<1>(v) : "";
}

TEST(RoutingToken, RoundTripsPersonServerAndExpiry) {
  auto token = made();
  auto v = verify_token(key, token, now);
  ASSERT_EQ(v.index(), 0u) << std::get<1>(v);
  const auto& c = std::get<0>(v);
  EXPECT_EQ(c.person, "alice");
  EXPECT_EQ(c.server, "win01");
  EXPECT_EQ(c.expires, later);
  EXPECT_EQ(c.nonce.size(), 16u);
}

TEST(RoutingToken, FitsTheRoutingTokenRules) {
  auto token = made(key, std::string(64, 'p'), std::string(64, 's'));
  EXPECT_LE(token.size(), max_token_length);
  for (char c : token) EXPECT_TRUE(c > 0x20 && c < 0x7f) << int(c);
  EXPECT_NE(made(), made()) << "a fresh nonce each time";
}

TEST(RoutingToken, RejectsTamperingExpiryAndOtherKeys) {
  auto token = made();
  EXPECT_EQ(verify_error(token, later), "expired");
  std::string other = token;
  other.replace(other.find("alice"), 5, "mallo");
  EXPECT_EQ(verify_error(other), "bad signature");
  std::string flipped = token;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(verify_error(flipped), "bad signature");
  EXPECT_EQ(verify_error(made(std::string(32, 'z'))), "bad signature");
  auto extended = made(key, "alice", "win01", later);
  std::string stretched = extended;
  auto exp = std::to_string(later.time_since_epoch().count());
  stretched.replace(stretched.find(exp), exp.size(),
                    std::to_string(later.time_since_epoch().count() + 9999));
  EXPECT_EQ(verify_error(stretched, later + std::chrono::seconds(1)), "bad signature");
}

TEST(RoutingToken, RejectsMalformedText) {
  for (const std::string& bad : std::vector<std::string>{
           "", "gh1", "gh1~alice~win01~1~0011223344556677", "gh2~a~b~1~0011223344556677~x",
           "gh1~alice~win01~-5~0011223344556677~" + std::string(43, 'A'),
           "gh1~al ce~win01~1~0011223344556677~" + std::string(43, 'A'),
           "gh1~alice~win01~1~00112233445566zz~" + std::string(43, 'A'), std::string(400, '~')})
    EXPECT_EQ(verify_error(bad), "malformed") << bad;
}

TEST(RoutingToken, MakeRefusesBadNamesAndShortKeys) {
  EXPECT_EQ(make_token(std::string(31, 'k'), "alice", "win01", later).index(), 1u);
  EXPECT_EQ(make_token(key, "al~ice", "win01", later).index(), 1u);
  EXPECT_EQ(make_token(key, "alice", "", later).index(), 1u);
}

TEST(RoutingToken, KeyFileNeedsThirtyTwoBytes) {
  std::string path = ::testing::TempDir() + "/rdp-token-key";
  std::ofstream(path, std::ios::binary) << std::string(31, 'x');
  auto short_key = load_token_key(path);
  ASSERT_EQ(short_key.index(), 1u);
  EXPECT_NE(std::get<1>(short_key).find("32 to 4096 bytes"), std::string::npos);
  std::ofstream(path, std::ios::binary) << std::string(48, '\0');
  auto ok = load_token_key(path);
  ASSERT_EQ(ok.index(), 0u);
  EXPECT_EQ(std::get<0>(ok).size(), 48u);
  EXPECT_EQ(load_token_key(path + ".missing").index(), 1u);
  std::remove(path.c_str());
}

TEST(Base64Url, KnownVectors) {
  EXPECT_EQ(base64url(""), "");
  EXPECT_EQ(base64url("f"), "Zg");
  EXPECT_EQ(base64url("foob"), "Zm9vYg");
  EXPECT_EQ(base64url("\xfb\xff"), "-_8");
}

}  // namespace
}  // namespace gatehouse::proxy::rdp
