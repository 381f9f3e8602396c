// One test per class of error within the settings added after the first release (audit file
// size and signing key, web SFTP caps, workers, session recording, accepted env names, sent
// mail retention and the admin group, gated web apps), each asserting the exact diagnostics.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/config/test_support.hpp"

namespace gatehouse::config::testing {
namespace {

TEST(ConfigErrors, BadAuditFileSize) {
  EXPECT_EQ(problems("audit: { max_file_size: 12X }\n"),
            (lines{"test.yaml:1:25: bad size '12X' for 'max_file_size': expected bytes with an "
                   "optional K, M or G suffix, at least 4K (e.g. 64M)"}));
  EXPECT_EQ(problems("audit: { max_file_size: 100 }\n").size(), 1u);
}

TEST(ConfigErrors, BadWebSftpCaps) {
  EXPECT_EQ(problems("web_sftp: { max_upload_bytes: 2T }\n"),
            (lines{"test.yaml:1:31: bad size '2T' for 'max_upload_bytes': expected bytes with an "
                   "optional K, M or G suffix, at least 1 (e.g. 2G)"}));
  EXPECT_EQ(problems("web_sftp: { idle_time: 5s }\n"),
            (lines{"test.yaml:1:24: 'idle_time' must be at least 10s"}));
  EXPECT_EQ(problems("web_sftp: { sessions_per_person: 0 }\n").size(), 1u);
  EXPECT_EQ(problems("web_sftp: { max_listing_entries: many }\n").size(), 1u);
  EXPECT_EQ(problems("web_sftp: { max_files: 3 }\n").size(), 1u);
}

TEST(ConfigErrors, BadWorkers) {
  EXPECT_EQ(problems("workers: 0\n").size(), 1u);
  EXPECT_EQ(problems("workers: 257\n").size(), 1u);
  EXPECT_EQ(problems("workers: many\n").size(), 1u);
  EXPECT_EQ(problems("workers: [2]\n").size(), 1u);
}

TEST(ConfigErrors, BadRecordMode) {
  EXPECT_EQ(problems("audit: { record: everything }\n"),
            (lines{"test.yaml:1:18: bad value 'everything' for 'record': expected pty or all"}));
}

TEST(ConfigErrors, BadAcceptEnv) {
  EXPECT_EQ(problems("ssh:\n  accept_env: [LANG, \"LC *\", \"\", [X]]\n"),
            (lines{
                "test.yaml:2:22: bad environment variable name 'LC *': letters, digits and '_', "
                "with '*' and '?' as wildcards (e.g. LC_*)",
                "test.yaml:2:30: bad environment variable name '': letters, digits and '_', "
                "with '*' and '?' as wildcards (e.g. LC_*)",
                "test.yaml:2:34: entries of 'accept_env' must be strings, not a list",
            }));
  EXPECT_EQ(problems("ssh: { accept_env: LANG }\n").size(), 1u);
  EXPECT_EQ(problems("ssh: { acept_env: [LANG] }\n"),
            (lines{"test.yaml:1:8: unknown key 'acept_env' (did you mean 'accept_env'?)"}));
}

TEST(ConfigErrors, BadKeepSentAndAdminGroup) {
  EXPECT_EQ(problems(R"(listen:
  admin: { socket: /tmp/a.sock, group: no-such-group-here }
mail:
  smtp: "smtp://127.0.0.1:25"
  from: gate@example.com
  keep_sent: 30s
)"),
            (lines{
                "test.yaml:2:40: no group 'no-such-group-here' on this host (create it, e.g. "
                "with sysusers.d)",
                "test.yaml:6:14: 'keep_sent' must be at least 1m",
            }));
  EXPECT_EQ(
      problems("mail: { smtp: \"smtp://127.0.0.1:25\", from: g@example.com, keep_sent: 7x }\n"),
      (lines{"test.yaml:1:70: bad duration '7x' for 'keep_sent' "
             "(examples: 30s, 15m, 8h, 7d, 1h30m)"}));
}

TEST(ConfigErrors, AuditSigningKeyMustBeLongAndPrivate) {
  temp_dir dir;
  auto short_key = dir.write("short.key", "0123456789");
  auto open_key = dir.write("open.key", std::string(32, 'k'));
  auto good_key = dir.write("good.key", std::string(32, 'k'));
  std::filesystem::permissions(short_key, std::filesystem::perms(0600));
  std::filesystem::permissions(open_key, std::filesystem::perms(0644));
  std::filesystem::permissions(good_key, std::filesystem::perms(0640));
  EXPECT_EQ(problems("audit: { signing_key: short.key }\n", dir.path()),
            (lines{"test.yaml:1:23: audit signing key '" + short_key +
                   "' holds 10 bytes, needs at least 32 random bytes (head -c 32 /dev/urandom > "
                   "FILE)"}));
  EXPECT_EQ(
      problems("audit: { signing_key: open.key }\n", dir.path()),
      (lines{"test.yaml:1:23: audit signing key '" + open_key +
             "' is open to others (mode 0644): chmod 0600 (or 0640 for the daemon's group)"}));
  EXPECT_EQ(problems("audit: { signing_key: missing.key }\n", dir.path()),
            (lines{"test.yaml:1:23: cannot read key file '" + (dir / "missing.key") +
                   "': No such file or directory"}));
  EXPECT_EQ(problems("audit: { signing_key: good.key, checkpoint_every: 500 }\n", dir.path()),
            lines{});
  EXPECT_EQ(problems("audit: { checkpoint_every: 5 }\n"),
            (lines{"test.yaml:1:28: 'checkpoint_every' must be a whole number from 10 to 1000000, "
                   "not '5'"}));
}

// Gated web apps: served at NAME.<apps_domain> (so NAME must be a host label), host names each
// app's own, an https:// upstream verified, and a known pass_identity.
TEST(ConfigErrors, HttpAppsNeedServableNames) {
  EXPECT_EQ(problems(R"(listen:
  http: { address: "127.0.0.1:8443", tls_cert: /dev/null, tls_key: /dev/null, apps_domain: "apps..x" }
)"),
            (lines{"test.yaml:2:92: bad host name 'apps..x': each dot-separated part has 1 to 63 "
                   "characters"}));
  EXPECT_EQ(
      problems(R"(listen:
  http: { address: "127.0.0.1:8443", tls_cert: /dev/null, tls_key: /dev/null, apps_domain: apps.x }
servers:
  - { name: web_ui, protocol: http, url: "http://10.0.0.2" }
  - { name: grafana, protocol: http, url: "http://10.0.0.3", hosts: [metrics.x, "-bad"] }
  - { name: kibana, protocol: http, url: "http://10.0.0.4", hosts: [grafana.apps.x], pass_identity: cookie }
  - { name: ssh1, address: "10.0.0.5:22", host_key: "SHA256:fyzNMfe4PyZ9ZgSqa3NHNT2os9nJfacly/kAaVPx3Fo", hosts: [a.x] }
)"),
      (lines{
          "test.yaml:4:13: http server names are host name labels (letters, digits, '-'): "
          "'web_ui' cannot be one",
          "test.yaml:5:69: bad host name '-bad': a part may not begin or end with '-'",
          "test.yaml:6:13: host name 'grafana.apps.x' of http server 'kibana' is already "
          "'grafana''s",
          "test.yaml:6:101: bad value 'cookie' for 'pass_identity': expected jwt, header or none",
          "test.yaml:7:107: 'hosts' is not used by ssh servers",
      }));
}

}  // namespace
}  // namespace gatehouse::config::testing
