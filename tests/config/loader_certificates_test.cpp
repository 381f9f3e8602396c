// The certificate settings: ssh.ca_key (one file or a list), certificate_source_address,
// certificate_validity, user_ca_keys, revoked_keys (its lines read at load), users[].ssh_cas
// and accounts' `auth: certificate` (no key file, but a CA must be configured).
#include <gtest/gtest.h>

#include "tests/config/test_support.hpp"

namespace gatehouse::config::testing {
namespace {

std::string server_with(const std::string& account) {
  return "servers:\n  - name: web01\n    address: 10.0.0.1:22\n    host_key: " + host_key +
         "\n    accounts:\n      - " + account + "\n";
}

TEST(ConfigCertificates, EverySettingIsRead) {
  temp_dir dir;
  dir.write("ca", "key");
  dir.write("old_ca.pub", "key");
  dir.write("revoked", "# revoked\nserial 42\n\n  " + bob_key + "\n" + host_fingerprint + "\n");
  auto yaml =
      "ssh:\n  ca_key: [ca, old_ca.pub]\n  certificate_source_address: "
      "10.0.0.5/32,fd00::/8\n  certificate_validity: 5m\n  user_ca_keys: [\"" +
      alice_key +
      "\"]\n  revoked_keys: revoked\n"
      "users:\n  - name: alice\n    ssh_cas: [\"" +
      ecdsa_key + "\"]\n" + server_with("{ name: root, auth: certificate }");
  auto result = load_string(yaml, "test.yaml", dir.path());
  ASSERT_TRUE(result.value) << joined(result.problems);
  const auto& s = result.value->ssh;
  EXPECT_EQ(s.ca_keys, (lines{dir / "ca", dir / "old_ca.pub"}));
  EXPECT_EQ(s.certificate_source_address, "10.0.0.5/32,fd00::/8");
  EXPECT_EQ(s.certificate_validity, std::chrono::minutes(5));
  EXPECT_EQ(s.user_ca_keys, lines{alice_key});
  EXPECT_EQ(s.revoked_keys, dir / "revoked");
  EXPECT_EQ(s.revoked, (lines{"serial 42", bob_key, host_fingerprint}));
  EXPECT_EQ(result.value->users.at(0).ssh_cas, lines{ecdsa_key});
  const auto& account = result.value->servers.at(0).accounts.at(0);
  EXPECT_EQ(account.auth, account_auth::certificate);
  EXPECT_EQ(account.key_file, "");
}

TEST(ConfigCertificates, OneCaFileAndTheDefaults) {
  temp_dir dir;
  dir.write("ca", "key");
  auto result = load_string("ssh:\n  ca_key: ca\n", "test.yaml", dir.path());
  ASSERT_TRUE(result.value) << joined(result.problems);
  EXPECT_EQ(result.value->ssh.ca_keys, lines{dir / "ca"});
  EXPECT_EQ(result.value->ssh.certificate_validity, std::chrono::minutes(10));
  EXPECT_TRUE(result.value->ssh.certificate_source_address.empty());
}

TEST(ConfigCertificates, CertificateAccountsNeedACaAndNoKeyFile) {
  temp_dir dir;
  dir.write("ca", "key");
  EXPECT_EQ(problems(server_with("{ name: root, auth: certificate }"), dir.path()),
            lines{"test.yaml:6:17: account 'root' has 'auth: certificate' but no CA signs "
                  "certificates: set ssh.ca_key"});
  EXPECT_EQ(problems("ssh: { ca_key: ca }\n" +
                         server_with("{ name: root, auth: certificate, key_file: ca }"),
                     dir.path()),
            lines{"test.yaml:7:42: 'key_file' is not used by an account with 'auth: certificate'"});
  auto password = problems(server_with("{ name: root, auth: password }"), dir.path());
  ASSERT_FALSE(password.empty());
  EXPECT_NE(password.back().find("password"), std::string::npos) << password.back();
}

TEST(ConfigCertificates, BadValuesAreReportedWhereTheyAre) {
  temp_dir dir;
  dir.write("revoked", "serial 1\nserial x\nssh-ed25519 AAAA\n");
  auto got = problems(
      "ssh:\n  ca_key: missing\n  certificate_source_address: 10.0.0.0/33\n"
      "  certificate_validity: 48h\n  user_ca_keys: [\"ssh-ed25519 !!\"]\n"
      "  revoked_keys: revoked\n",
      dir.path());
  ASSERT_EQ(got.size(), 6u) << ::testing::PrintToString(got);
  EXPECT_NE(got[0].find("test.yaml:2:11: cannot read key file"), std::string::npos);
  EXPECT_NE(got[1].find("test.yaml:3:31:"), std::string::npos);
  EXPECT_EQ(got[2], "test.yaml:4:25: 'certificate_validity' must be between 1m and 24h");
  EXPECT_NE(got[3].find("test.yaml:5:18: malformed ssh key"), std::string::npos);
  EXPECT_NE(got[4].find(dir / "revoked" + ":2:1: a serial must be a number"), std::string::npos);
  EXPECT_NE(got[5].find(dir / "revoked" + ":3:1: expected \"serial N\""), std::string::npos);
}

}  // namespace
}  // namespace gatehouse::config::testing
