// One test per class of error within single entries (unknown keys, types, value forms, key
// files, SSH keys), each asserting the exact diagnostics, positions included.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/config/test_support.hpp"

namespace gatehouse::config::testing {
namespace {

TEST(ConfigErrors, UnknownKeysAtEveryLevel) {
  EXPECT_EQ(problems(R"(usres: []
listen:
  ssh: { adress: "0.0.0.0:22", host_keys: [] }
users: [{ name: bob, emial: bob@example.com }]
rules:
  - name: r
    users: ["*"]
    servers: ["*"]
    emergncy: true
    mode: approve
    levels: [{approvers: [bob], conditon: all}]
)"),
            (lines{
                "test.yaml:1:1: unknown key 'usres' (did you mean 'users'?)",
                "test.yaml:3:8: missing required key 'address'",
                "test.yaml:3:10: unknown key 'adress' (did you mean 'address'?)",
                "test.yaml:3:43: 'host_keys' is empty: name at least one key",
                "test.yaml:4:22: unknown key 'emial' (did you mean 'email'?)",
                "test.yaml:9:5: unknown key 'emergncy' (did you mean 'emergency'?)",
                "test.yaml:11:33: unknown key 'conditon' (did you mean 'condition'?)",
            }));
}

TEST(ConfigErrors, MetricsTokenFiles) {
  temp_dir dir;
  dir.write("short.token", "abc\n");
  dir.write("spaced.token", "a token with spaces in it\n");
  dir.write("two-lines.token", "0123456789abcdef\n0123456789abcdef\n");
  dir.write("good.token", "0123456789abcdef\n");
  auto with = [&](const std::string& file) {
    return problems(R"(listen:
  http: { address: "0.0.0.0:8443", tls_cert: good.token, tls_key: good.token,
          metrics_token: )" +
                        file + " }\n",
                    dir.path());
  };
  auto bad = [&](const std::string& file) {
    return lines{"test.yaml:3:26: the metrics token in '" + (dir / file) +
                 "' must be one line of 16 to 4096 printable characters without spaces"};
  };
  EXPECT_EQ(with("short.token"), bad("short.token"));
  EXPECT_EQ(with("spaced.token"), bad("spaced.token"));
  EXPECT_EQ(with("two-lines.token"), bad("two-lines.token"));
  EXPECT_EQ(with("missing.token"),
            (lines{"test.yaml:3:26: cannot read key file '" + (dir / "missing.token") +
                   "': No such file or directory"}));
  EXPECT_EQ(with("good.token"), lines{});
}

// The assertion key must be a readable file; what is in it is the daemon's check (--check too).
TEST(ConfigErrors, AssertionKeyFile) {
  temp_dir dir;
  dir.write("good.pem", "key");
  EXPECT_EQ(problems(R"(listen:
  http: { address: "0.0.0.0:8443", tls_cert: good.pem, tls_key: good.pem,
          assertion_key: missing.pem }
)",
                     dir.path()),
            (lines{"test.yaml:3:26: cannot read key file '" + (dir / "missing.pem") +
                   "': No such file or directory"}));
}

TEST(ConfigErrors, RepeatedKey) {
  EXPECT_EQ(problems("rules:\n  - name: r\n    users: [\"*\"]\n    servers: [\"*\"]\n"
                     "    mode: deny\n    mode: allow\n"),
            (lines{"test.yaml:6:5: duplicate key 'mode' (first at line 5)"}));
}

TEST(ConfigErrors, WrongTypes) {
  EXPECT_EQ(problems(R"(users:
  alice: {}
groups:
  - developers
rules:
  - name: r
    users: "*"
    servers: ["*", [x]]
    emergency: yes
    hold_timeout: [1h]
)"),
            (lines{
                "test.yaml:2:3: 'users' must be a list, not a map",
                "test.yaml:4:5: entries of 'groups' must be maps, not 'developers'",
                "test.yaml:7:12: 'users' must be a list, not '*'",
                "test.yaml:8:20: entries of 'servers' must be strings, not a list",
                "test.yaml:9:16: 'emergency' must be true or false, not 'yes'",
                "test.yaml:10:19: 'hold_timeout' must be a duration like 30m, not a list",
            }));
}

TEST(ConfigErrors, BadDurations) {
  EXPECT_EQ(problems(R"(rules:
  - name: r
    users: ["*"]
    servers: ["*"]
    pending_timeout: 10x
    hold_timeout: 0s
)"),
            (lines{
                "test.yaml:5:22: bad duration '10x' for 'pending_timeout' "
                "(examples: 30s, 15m, 8h, 7d, 1h30m)",
                "test.yaml:6:19: bad duration '0s' for 'hold_timeout' "
                "(examples: 30s, 15m, 8h, 7d, 1h30m)",
            }));
}

TEST(ConfigErrors, SshListenerLimits) {
  EXPECT_EQ(problems(R"(listen:
  ssh:
    address: "127.0.0.1:2222"
    host_keys: [/dev/null]
    login_grace: 11m
    max_unauthenticated_per_source: 0
    max_held_per_person: many
    max_held_per_source: [1]
)"),
            (lines{
                "test.yaml:5:18: 'login_grace' must be from 1s to 10m",
                "test.yaml:6:37: 'max_unauthenticated_per_source' must be a whole number from 1 "
                "to 1000000, not '0'",
                "test.yaml:7:26: 'max_held_per_person' must be a whole number from 1 to 1000000, "
                "not 'many'",
                "test.yaml:8:26: 'max_held_per_source' must be a whole number from 1 to 1000000, "
                "not a list",
            }));
}

TEST(ConfigErrors, RdpListenerLimits) {
  EXPECT_EQ(problems(R"(listen:
  rdp:
    address: "127.0.0.1:3389"
    max_held_per_person: 0
    max_held_per_source: lots
)"),
            (lines{
                "test.yaml:4:26: 'max_held_per_person' must be a whole number from 1 to 1000000, "
                "not '0'",
                "test.yaml:5:26: 'max_held_per_source' must be a whole number from 1 to 1000000, "
                "not 'lots'",
            }));
}

TEST(ConfigErrors, ProxyProtocolNetworks) {
  EXPECT_EQ(problems(R"(listen:
  ssh:
    address: "127.0.0.1:2222"
    host_keys: [/dev/null]
    proxy_protocol_from: ["10.0.0.0/8", "10.0.0.0/33", balancer.example]
  rdp: { address: "127.0.0.1:3389", proxy_protocol_from: "10.0.0.0/8" }
  http: { address: "127.0.0.1:8443", tls_cert: /dev/null, tls_key: /dev/null,
          proxy_protocol_from: ["fd00::/129"] }
)"),
            (lines{
                "test.yaml:5:41: bad network '10.0.0.0/33': prefix must be 0-32",
                "test.yaml:5:56: bad network 'balancer.example': expected ADDRESS/PREFIX",
                "test.yaml:6:58: 'proxy_protocol_from' must be a list, not '10.0.0.0/8'",
                "test.yaml:8:33: bad network 'fd00::/129': prefix must be 0-128",
            }));
}

TEST(ConfigErrors, MaxDurationShorterThanDefault) {
  EXPECT_EQ(problems(R"(rules:
  - name: r
    users: ["*"]
    servers: ["*"]
    default_duration: 2h
    max_duration: 1h
  - name: s
    users: ["*"]
    servers: ["*"]
    default_duration: 9h
)"),
            (lines{
                "test.yaml:6:19: max_duration (1h) is shorter than default_duration (2h)",
                "test.yaml:7:11: rule 's' can never match: rule 'r' (line 2) comes first and "
                "matches everything it does",
                "test.yaml:10:23: max_duration (8h) is shorter than default_duration (9h)",
            }));
}

TEST(ConfigErrors, RequireJustificationOnlyWhereAReasonIsFiled) {
  EXPECT_EQ(problems(R"(rules:
  - name: r
    users: ["*"]
    servers: ["*"]
    mode: allow
    require_justification: true
)"),
            (lines{
                "test.yaml:6:5: 'require_justification' is only used with mode justify or "
                "approve",
            }));
}

TEST(ConfigErrors, BadAddresses) {
  EXPECT_EQ(problems(R"(listen:
  rdp: { address: "host" }
  http: { address: "[::1]:8443", tls_cert: /dev/null, tls_key: /dev/null, public_url: "gate" }
servers:
  - { name: a, protocol: rdp, address: "10.0.0.5:65536" }
  - { name: b, protocol: rdp, address: "10.0.0.5:0" }
  - { name: c, protocol: rdp, address: "fe80::1:3389" }
  - { name: d, protocol: http, url: "ftp://x" }
)"),
            (lines{
                "test.yaml:2:19: bad address 'host' for 'address': expected HOST:PORT",
                "test.yaml:3:87: bad URL 'gate': expected https://HOST or http://HOST",
                "test.yaml:5:40: bad address '10.0.0.5:65536' for 'address': port must be 1-65535",
                "test.yaml:6:40: bad address '10.0.0.5:0' for 'address': port must be 1-65535",
                "test.yaml:7:40: bad address 'fe80::1:3389' for 'address': write IPv6 addresses "
                "as [ADDRESS]:PORT",
                "test.yaml:8:13: http server 'd' cannot be served: set listen.http with "
                "apps_domain (it is served at https://d.<apps_domain>/)",
                "test.yaml:8:37: bad URL 'ftp://x': expected http://HOST or https://HOST",
            }));
}

TEST(ConfigErrors, UnreadableKeyFiles) {
  temp_dir dir;
  dir.write("keys/present", "x");
  ASSERT_EQ(mkfifo((dir / "keys/pipe").c_str(), 0600), 0);
  auto text = R"(listen:
  ssh: { address: ":2222", host_keys: [keys/present, keys/host_missing] }
  http: { address: "0.0.0.0:8443", tls_cert: keys, tls_key: /nonexistent/tls.key }
users:
  - { name: alice, ssh_keys_file: alice.pub }
  - { name: bob, ssh_keys_file: keys/pipe }
servers:
  - name: web01
    address: "10.0.0.5:22"
    host_key: )" +
              host_fingerprint + R"(
    accounts: [{ name: root, key_file: keys/web01_root }]
)";
  EXPECT_EQ(
      problems(text, dir.path()),
      (lines{
          "test.yaml:2:19: bad address ':2222' for 'address': expected HOST:PORT",
          "test.yaml:2:54: cannot read key file '" + (dir / "keys/host_missing") +
              "': No such file or directory",
          "test.yaml:3:46: cannot read key file '" + (dir / "keys") + "': Is a directory",
          "test.yaml:3:61: cannot read key file '/nonexistent/tls.key': "
          "No such file or directory",
          "test.yaml:5:35: cannot read key file '" + (dir / "alice.pub") +
              "': No such file or directory",
          "test.yaml:6:33: cannot read key file '" + (dir / "keys/pipe") + "': not a regular file",
          "test.yaml:11:40: cannot read key file '" + (dir / "keys/web01_root") +
              "': No such file or directory",
      }));
}

TEST(ConfigErrors, MalformedSshKeys) {
  temp_dir dir;
  auto keys_file =
      dir.write("bob.pub", "# bob's keys\n\n" + bob_key +
                               "\nssh-ed25519 AAAA\n  ssh-dss AAAAB3NzaC1kc3MAAACBAP\n");
  auto text = R"(users:
  - name: alice
    ssh_keys:
      - ")" + alice_key +
              R"("
      - "ssh-dss AAAAB3NzaC1kc3MAAACBAP"
      - "ssh-ed25519 not*base64"
      - "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAICUC4i4HdAa96yJHeynjmJxJhUb799sJnj+83iRx2TeI"
      - 'no-pty ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICUC4i4HdAa96yJHeynjmJxJhUb799sJnj+83iRx2TeI'
      - "ssh-ed25519"
  - name: bob
    ssh_keys_file: bob.pub
)";
  EXPECT_EQ(problems(text, dir.path()),
            (lines{
                "test.yaml:5:9: malformed ssh key: unsupported key type 'ssh-dss'",
                "test.yaml:6:9: malformed ssh key: key data is not valid base64",
                "test.yaml:7:9: malformed ssh key: key data is for 'ssh-ed25519', not 'ssh-rsa'",
                "test.yaml:8:9: malformed ssh key: authorized_keys options are not supported; "
                "expected 'TYPE BASE64 [COMMENT]'",
                "test.yaml:9:9: malformed ssh key: expected 'TYPE BASE64 [COMMENT]'",
                keys_file + ":4:1: malformed ssh key: key data is truncated",
                keys_file + ":5:3: malformed ssh key: unsupported key type 'ssh-dss'",
            }));
}

TEST(ConfigErrors, MalformedOrMissingHostKey) {
  temp_dir dir;
  dir.write("root_key", "x");
  auto text = R"(servers:
  - { name: a, address: "10.0.0.1:22", host_key: "SHA256:abc" }
  - { name: b, address: "10.0.0.2:22", host_key: "ssh-ed25519" }
  - { name: c, address: "10.0.0.3:22", host_key: "SHA256:fyzNMfe4PyZ9ZgSqa3NHNT2os9nJfacly/kAaVPx3Fo=" }
  - { name: d, address: "10.0.0.4:22", accounts: [{ name: root, key_file: root_key }] }
  - { name: e, protocol: rdp, address: "10.0.0.5:3389", host_key: ")" +
              host_key + R"(" }
)";
  EXPECT_EQ(problems(text, dir.path()),
            (lines{
                "test.yaml:2:50: malformed host_key: a SHA256 fingerprint is 'SHA256:' and 43 "
                "characters of unpadded base64",
                "test.yaml:3:50: malformed host_key: expected 'TYPE BASE64 [COMMENT]'",
                "test.yaml:4:50: malformed host_key: a SHA256 fingerprint is 'SHA256:' and 43 "
                "characters of unpadded base64",
                "test.yaml:5:5: missing required key 'host_key'",
                "test.yaml:6:57: 'host_key' is not used by rdp servers",
            }));
}

TEST(ConfigErrors, BadEnumValues) {
  EXPECT_EQ(problems(R"(audit: { on_write_failure: ignore }
users: [{ name: bob }]
servers:
  - { name: web, protocol: telnet, address: "10.0.0.1:23" }
rules:
  - { name: s, users: ["*"], servers: [web], mode: approve, approvers: [bob], condition: most }
  - { name: r, users: ["*"], servers: ["*"], mode: aprove }
)"),
            (lines{
                "test.yaml:1:28: bad value 'ignore' for 'on_write_failure': expected refuse or "
                "continue",
                "test.yaml:4:28: bad value 'telnet' for 'protocol': expected ssh, rdp, http or "
                "manual",
                "test.yaml:6:90: bad value 'most' for 'condition': expected any or all",
                "test.yaml:7:52: bad value 'aprove' for 'mode': expected allow, justify, approve "
                "or deny (did you mean 'approve'?)",
            }));
}

TEST(ConfigErrors, BadStore) {
  EXPECT_EQ(problems("store: mysql://db.example/gate\n"),
            (lines{"test.yaml:1:8: bad store 'mysql://db.example/gate': expected sqlite:PATH or "
                   "postgresql://..."}));
  EXPECT_EQ(problems("store: \"sqlite:\"\n"),
            (lines{"test.yaml:1:8: bad store 'sqlite:': expected sqlite:PATH or "
                   "postgresql://..."}));
}

TEST(ConfigErrors, BadInstanceName) {
  EXPECT_EQ(problems("instance_name: \"\"\n"),
            (lines{"test.yaml:1:16: 'instance_name' must be non-empty ASCII without control "
                   "characters"}));
  EXPECT_EQ(problems("instance_name: \"gate\\tway\"\n"),
            (lines{"test.yaml:1:16: 'instance_name' must be non-empty ASCII without control "
                   "characters"}));
  EXPECT_EQ(problems("instance_name: \"Pförtner\"\n"),
            (lines{"test.yaml:1:16: 'instance_name' must be non-empty ASCII without control "
                   "characters"}));
}

TEST(ConfigErrors, KeysNotUsedByTheProtocol) {
  EXPECT_EQ(problems(R"(servers:
  - name: app
    protocol: http
    url: "https://app.internal"
    address: "10.0.0.1:443"
    accounts: [{ name: web, key_file: /dev/null }]
)"),
            (lines{
                "test.yaml:2:11: http server 'app' cannot be served: set listen.http with "
                "apps_domain (it is served at https://app.<apps_domain>/)",
                "test.yaml:4:10: an https:// upstream needs 'ca_file' (the PEM bundle it is "
                "verified against)",
                "test.yaml:5:5: 'address' is not used by http servers",
                "test.yaml:6:29: 'key_file' is not used by http servers",
            }));
}

}  // namespace
}  // namespace gatehouse::config::testing
