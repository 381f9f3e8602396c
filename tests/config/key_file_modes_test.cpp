// Which private key files the daemon warns about: readable by everyone, or by a group that is
// not the daemon's own (operators must not read account keys).
#include "config/key_file_modes.hpp"

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/config/test_support.hpp"

namespace gatehouse::config::testing {
namespace {

TEST(KeyFileModes, OnlyFilesOthersMayReadAreNamed) {
  temp_dir dir;
  auto own = dir.write("own", "k");              // 0600: fine
  auto own_group = dir.write("own_group", "k");  // 0640, the daemon's group: fine
  auto everyone = dir.write("everyone", "k");    // 0644
  auto assertion = dir.write("assertion", "k");  // 0644: the web apps' assertion key
  ASSERT_EQ(::chmod(own.c_str(), 0600), 0);
  ASSERT_EQ(::chmod(own_group.c_str(), 0640), 0);
  ASSERT_EQ(::chmod(everyone.c_str(), 0644), 0);
  ASSERT_EQ(::chmod(assertion.c_str(), 0644), 0);
  config c;
  c.listen.ssh = ssh_listener{};
  c.listen.ssh->host_keys = {own};
  c.listen.http = http_listener{};
  c.listen.http->tls_key = own_group;
  c.listen.http->assertion_key = assertion;
  c.servers.push_back({});
  c.servers.back().accounts = {{"root", everyone}, {"deploy", dir / "missing"}};
  std::vector<std::string> expected{assertion + " is readable by everyone (mode 0644)",
                                    everyone + " is readable by everyone (mode 0644)"};
  if (::geteuid() == 0) {  // only root may give a file another group
    auto other_group = dir.write("other_group", "k");
    const gid_t other = ::getegid() == 65534 ? 0 : 65534;
    ASSERT_EQ(::chown(other_group.c_str(), static_cast<uid_t>(-1), other), 0);
    ASSERT_EQ(::chmod(other_group.c_str(), 0640), 0);
    c.listen.rdp = rdp_listener{};
    c.listen.rdp->token_key = other_group;
    const ::group* named = ::getgrgid(other);
    ASSERT_NE(named, nullptr);
    expected.push_back(other_group + " is readable by group '" + named->gr_name + "' (mode 0640)");
  }
  EXPECT_EQ(exposed_key_files(c), expected);
}

TEST(KeyFileModes, TheCaKeyIsForTheDaemonsUserAloneAndCertificateAccountsHaveNoKeyFile) {
  temp_dir dir;
  auto ca = dir.write("user_ca", "k");
  auto old_ca = dir.write("old_ca.pub", "ssh-ed25519 AAAA");  // a public key: never named
  ASSERT_EQ(::chmod(ca.c_str(), 0640), 0);  // the daemon's own group: still too wide
  ASSERT_EQ(::chmod(old_ca.c_str(), 0644), 0);
  config c;
  c.ssh.ca_keys = {ca, old_ca};
  c.servers.push_back({});
  c.servers.back().accounts = {{"root", "", account_auth::certificate}};
  EXPECT_EQ(
      exposed_key_files(c),
      std::vector<std::string>{ca + " is readable by group '" +
                               std::string(::getgrgid(::getegid())->gr_name) + "' (mode 0640)"});
  ASSERT_EQ(::chmod(ca.c_str(), 0600), 0);
  EXPECT_TRUE(exposed_key_files(c).empty());
}

}  // namespace
}  // namespace gatehouse::config::testing
