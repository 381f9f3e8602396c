#include "approval/secrets.hpp"

#include <gtest/gtest.h>

#include <set>

namespace gatehouse::approval {
namespace {

TEST(Secrets, Base64urlMatchesRfc4648WithoutPadding) {
  EXPECT_EQ(base64url(""), "");
  EXPECT_EQ(base64url("f"), "Zg");
  EXPECT_EQ(base64url("fo"), "Zm8");
  EXPECT_EQ(base64url("foo"), "Zm9v");
  EXPECT_EQ(base64url("\xfb\xff"), "-_8");
}

TEST(Secrets, RandomTokensAreLongAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto t = random_base64url(20);
    EXPECT_EQ(t.size(), 27u);
    EXPECT_TRUE(seen.insert(t).second);
  }
}

TEST(Secrets, Sha256AndHmacKnownAnswers) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231 test case 2.
  EXPECT_EQ(hmac_base64url("Jefe", "what do ya want for nothing?"),
            "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM");
}

TEST(Secrets, EqualSecrets) {
  EXPECT_TRUE(equal_secrets("abc", "abc"));
  EXPECT_FALSE(equal_secrets("abc", "abd"));
  EXPECT_FALSE(equal_secrets("abc", "abcd"));
  EXPECT_TRUE(equal_secrets("", ""));
}

}  // namespace
}  // namespace gatehouse::approval
