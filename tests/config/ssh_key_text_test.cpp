// The text forms of SSH public keys and fingerprints.
#include "config/ssh_key_text.hpp"

#include <gtest/gtest.h>

#include "tests/config/test_support.hpp"

namespace gatehouse::config::testing {
namespace {

TEST(SshKeyText, Base64) {
  EXPECT_EQ(decode_base64("aGVsbG8=", true), "hello");
  EXPECT_EQ(decode_base64("aGVsbG8", false), "hello");
  EXPECT_EQ(decode_base64("", true), "");
  EXPECT_FALSE(decode_base64("aGVsbG8", true));    // padding missing
  EXPECT_FALSE(decode_base64("aGVsbG8=", false));  // padding not allowed
  EXPECT_FALSE(decode_base64("aGVsbG9=", true));   // stray bits
  EXPECT_FALSE(decode_base64("aGV*bG8=", true));
  EXPECT_FALSE(decode_base64("a", false));
}

TEST(SshKeyText, AcceptsEverySupportedForm) {
  EXPECT_EQ(check_public_key(alice_key), "");
  EXPECT_EQ(check_public_key(ecdsa_key), "");
  EXPECT_EQ(check_public_key(host_key), "");  // no comment
  EXPECT_EQ(check_public_key(alice_key + " with  a long\tcomment"), "");
  EXPECT_EQ(check_host_key(host_key), "");
  EXPECT_EQ(check_host_key(host_fingerprint), "");
}

TEST(SshKeyText, RejectsMalformedKeys) {
  EXPECT_EQ(check_public_key(""), "expected 'TYPE BASE64 [COMMENT]'");
  EXPECT_EQ(check_public_key("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICUC4i4HdAa96yJHeynjmJxJhUb799"),
            "key data is not valid base64");
  EXPECT_EQ(check_public_key("ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQAB"),
            "key data is for 'ssh-rsa', not 'ssh-ed25519'");
  EXPECT_EQ(check_public_key("ssh-ed25519 AAAAZ3NzaC1y"), "key data is truncated");
  EXPECT_EQ(check_host_key("SHA256:" + std::string(42, 'A')),
            "a SHA256 fingerprint is 'SHA256:' and 43 characters of unpadded base64");
  EXPECT_EQ(check_host_key("MD5:aa:bb"), "expected 'TYPE BASE64 [COMMENT]'");
}

}  // namespace
}  // namespace gatehouse::config::testing
