#include "proxy/ssh/keys.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "proxy/ssh/host_keys.hpp"

namespace gatehouse::proxy::ssh {
namespace {

namespace fs = std::filesystem;

// Key pairs made with libssh itself (no ssh-keygen needed).
struct key_pair {
  unique_key key;
  std::string line;  // "ssh-ed25519 AAAA... comment"
};

key_pair make_key(ssh_keytypes_e type, int bits = 0) {
  ssh_key k = nullptr;
  EXPECT_EQ(ssh_pki_generate(type, bits, &k), SSH_OK);
  char* b64 = nullptr;
  EXPECT_EQ(ssh_pki_export_pubkey_base64(k, &b64), SSH_OK);
  std::string line = std::string(ssh_key_type_to_char(ssh_key_type(k))) + " " + b64 + " test@x";
  ssh_string_free_char(b64);
  return {unique_key(k), line};
}

TEST(Keys, KeyInList) {
  auto a = make_key(SSH_KEYTYPE_ED25519);
  auto b = make_key(SSH_KEYTYPE_ED25519);
  EXPECT_TRUE(key_in_list(a.key.get(), {"garbage", b.line, a.line}));
  EXPECT_FALSE(key_in_list(a.key.get(), {b.line}));
  EXPECT_FALSE(key_in_list(a.key.get(), {}));
  EXPECT_FALSE(key_in_list(nullptr, {a.line}));
  // extra blanks and no comment still match
  auto bare = a.line.substr(0, a.line.rfind(' '));
  EXPECT_TRUE(key_in_list(a.key.get(), {"  " + bare}));
}

TEST(Keys, PinByKeyAndFingerprint) {
  auto a = make_key(SSH_KEYTYPE_ED25519);
  auto b = make_key(SSH_KEYTYPE_ED25519);
  EXPECT_EQ(check_host_key_pin(a.key.get(), a.line), pin_result::match);
  EXPECT_EQ(check_host_key_pin(a.key.get(), b.line), pin_result::mismatch);
  auto fp = fingerprint_sha256(a.key.get());
  ASSERT_EQ(fp.rfind("SHA256:", 0), 0u);
  EXPECT_EQ(fp.size(), 7u + 43u);
  EXPECT_EQ(check_host_key_pin(a.key.get(), fp), pin_result::match);
  EXPECT_EQ(check_host_key_pin(b.key.get(), fp), pin_result::mismatch);
  EXPECT_EQ(check_host_key_pin(a.key.get(), "ssh-ed25519 notbase64!"), pin_result::bad_pin);
}

TEST(Keys, HostKeyAlgorithmsFollowThePin) {
  EXPECT_EQ(host_key_algorithms_for_pin("ssh-ed25519 AAAA"), "ssh-ed25519");
  EXPECT_EQ(host_key_algorithms_for_pin("ssh-rsa AAAA"), "rsa-sha2-512,rsa-sha2-256");
  EXPECT_NE(host_key_algorithms_for_pin("SHA256:abc").find("ssh-ed25519"), std::string::npos);
}

class HostKeyFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("gh-hostkeys-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, ssh_keytypes_e type, int bits = 0) {
    auto k = make_key(type, bits);
    auto path = (dir_ / name).string();
    EXPECT_EQ(ssh_pki_export_privkey_file(k.key.get(), nullptr, nullptr, nullptr, path.c_str()),
              SSH_OK);
    return path;
  }
  fs::path dir_;
};

TEST_F(HostKeyFiles, LoadsEd25519AndRsa) {
  auto loaded =
      load_host_keys({write("ed", SSH_KEYTYPE_ED25519), write("rsa", SSH_KEYTYPE_RSA, 2048)});
  EXPECT_TRUE(loaded.problems.empty()) << loaded.problems.front();
  EXPECT_EQ(loaded.keys.size(), 2u);
}

TEST_F(HostKeyFiles, RefusesWeakOrUnsuitableKeys) {
  auto small = write("small", SSH_KEYTYPE_RSA, 1024);
  auto ecdsa = write("ec", SSH_KEYTYPE_ECDSA_P256);
  auto problems = check_host_keys({small, ecdsa, (dir_ / "missing").string()});
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_NE(problems[0].find("at least 2048 bits"), std::string::npos) << problems[0];
  EXPECT_NE(problems[1].find("only ed25519 and RSA"), std::string::npos) << problems[1];
  EXPECT_NE(problems[2].find("cannot read"), std::string::npos) << problems[2];
  EXPECT_FALSE(check_host_keys({}).empty());
}

}  // namespace
}  // namespace gatehouse::proxy::ssh
