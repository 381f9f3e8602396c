// Valid configurations load with every field as written, defaults where nothing is written,
// and the shipped examples pass validation.
#include <grp.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/config/test_support.hpp"

namespace gatehouse::config::testing {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

std::string read_text(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// Makes a key pair with ssh-keygen; returns the private key's path (the public key is
// beside it with ".pub").
std::string make_key(const temp_dir& dir, const std::string& name) {
  auto path = dir / name;
  auto command = "ssh-keygen -q -t ed25519 -N '' -C " + name + " -f '" + path + "' >/dev/null";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  return path;
}

std::string first_line(const std::string& path) {
  auto text = read_text(path);
  return text.substr(0, text.find('\n'));
}

TEST(ConfigValid, FullConfigLoadsEveryField) {
  temp_dir dir;
  auto host_key_file = make_key(dir, "ssh_host_ed25519_key");
  auto web01_root = make_key(dir, "web01_root");
  auto bob_keys = make_key(dir, "bob");
  dir.write("bob.keys",
            "# bob's keys\n\n" + first_line(bob_keys + ".pub") + "\r\n  " + ecdsa_key + "\n");
  auto upstream = make_key(dir, "upstream_host");
  dir.write("tls/cert.pem", "cert");
  dir.write("tls/key.pem", "key");
  dir.write("rdp_token.key", std::string(32, 'k'));
  dir.write("metrics.token", "scrape-0123456789abcdef\n");
  dir.write("assertion.pem", "key");
  std::filesystem::permissions(dir.write("audit.key", std::string(32, 'a')),
                               std::filesystem::perms(0600));
  std::string upstream_key = first_line(upstream + ".pub");
  upstream_key = upstream_key.substr(0, upstream_key.rfind(' '));

  auto text = R"(instance_name: corp-gate
store: postgresql://gate@db.example/gatehouse
on_store_loss: terminate
listen:
  ssh:   { address: "0.0.0.0:2222", host_keys: [ssh_host_ed25519_key], login_grace: 45s,
           max_unauthenticated_per_source: 64, max_held_per_person: 20000,
           max_held_per_source: 30000, proxy_protocol_from: ["10.0.0.0/8", "fd00::/8"] }
  rdp:   { address: "[::]:3389", proxy_protocol_from: ["192.0.2.10"], trust_mstshash_cookie: true, trusted_networks: ["10.0.0.0/8", "fd00::/8"],
           token_key: rdp_token.key, public_address: "rdp.example.com:443",
           max_held_per_person: 3, max_held_per_source: 7 }
  http:  { address: "0.0.0.0:8443", tls_cert: tls/cert.pem, tls_key: tls/key.pem, public_url: "https://gate.example",
           approval_links_require_sign_in: true, asciinema_player: player/asciinema-player,
           metrics_token: metrics.token, apps_domain: Apps.Gate.Example,
           assertion_key: assertion.pem, proxy_protocol_from: [],
           max_connections: 20000, max_connections_per_source: 5000 }
  admin: { socket: /run/gate/admin.sock, group: root }
mail:
  smtp: "smtps://mail.example:465"
  from: "gatehouse@example.com"
  user: gate
  password: secret
  starttls: true
  ca_file: tls/smtp-ca.pem
  keep_sent: 36h
audit:
  log: /var/log/gatehouse/audit.jsonl
  recordings: recordings
  syslog: "tls://127.0.0.1:6514"
  syslog_ca_file: tls/syslog-ca.pem
  on_write_failure: continue
  max_file_size: 16M
  record: all
  record_input: true
  record_exec_output: true
  signing_key: audit.key
  checkpoint_every: 250
ssh:
  accept_env: [LANG, "LC_*", "GIT_?UTHOR_NAME", TZ]
users:
  - name: alice
    email: alice@example.com
    ssh_keys: [")" +
              alice_key + R"(", ")" + ecdsa_key + R"("]
    groups: [developers]
  - name: bob
    email: bob@example.com
    ssh_keys_file: bob.keys
  - name: carol
    groups: [developers]
groups:
  - name: developers
    managers: [bob]
    require_manager_approval: true
servers:
  - name: web01
    protocol: ssh
    address: "10.0.0.5:22"
    host_key: ")" +
              upstream_key + R"("
    accounts:
      - { name: root, key_file: web01_root }
    groups: [production]
  - name: win01
    protocol: rdp
    address: "win01.corp:3389"
  - name: grafana
    protocol: http
    url: "https://10.0.0.9:3000"
    ca_file: tls/app-ca.pem
    hosts: [Grafana.Example.com]
    pass_identity: header
server_groups:
  - name: production
    require_manager_approval: true
rules:
  - name: prod-needs-approval
    users: ["group:developers", bob]
    servers: ["group:production"]
    accounts: [root]
    mode: approve
    approvers: [manager, carol]
    condition: all
    levels: []
    requester_chooses_approvers: true
    auto_approve_if_requester_is_approver: true
    default_duration: 2h
    max_duration: 1d
    pending_timeout: 45m
    emergency: true
    hold_timeout: 5m
    allow_port_forwarding: true
    require_justification: true
  - name: two-levels
    users: ["*"]
    servers: [win01]
    mode: approve
    levels:
      - { approvers: ["group:developers"] }
      - { approvers: [bob], condition: all }
  - name: the-rest
    users: ["*"]
    servers: ["*"]
    mode: justify
)";
  auto result = load_string(text, "test.yaml", dir.path());
  ASSERT_TRUE(result.value) << joined(result.problems);
  EXPECT_TRUE(result.problems.empty());
  const config& c = *result.value;

  EXPECT_EQ(c.source_file, "test.yaml");
  EXPECT_EQ(c.instance_name, "corp-gate");
  EXPECT_EQ(c.store, "postgresql://gate@db.example/gatehouse");
  EXPECT_EQ(c.on_store_loss, store_loss::terminate);

  ASSERT_TRUE(c.listen.ssh);
  EXPECT_EQ(c.listen.ssh->address.host, "0.0.0.0");
  EXPECT_EQ(c.listen.ssh->address.port, 2222);
  EXPECT_EQ(c.listen.ssh->host_keys, std::vector<std::string>{host_key_file});
  EXPECT_EQ(c.listen.ssh->login_grace, seconds(45));
  EXPECT_EQ(c.listen.ssh->max_unauthenticated_per_source, 64u);
  EXPECT_EQ(c.listen.ssh->max_held_per_person, 20000u);
  EXPECT_EQ(c.listen.ssh->max_held_per_source, 30000u);
  EXPECT_EQ(c.listen.ssh->proxy_protocol_from,
            (std::vector<std::string>{"10.0.0.0/8", "fd00::/8"}));
  ASSERT_TRUE(c.listen.rdp);
  EXPECT_EQ(c.listen.rdp->proxy_protocol_from, std::vector<std::string>{"192.0.2.10"});
  EXPECT_EQ(c.listen.rdp->address.host, "::");
  EXPECT_EQ(c.listen.rdp->address.port, 3389);
  EXPECT_TRUE(c.listen.rdp->trust_mstshash_cookie);
  EXPECT_EQ(c.listen.rdp->trusted_networks, (std::vector<std::string>{"10.0.0.0/8", "fd00::/8"}));
  EXPECT_EQ(c.listen.rdp->token_key, dir / "rdp_token.key");
  EXPECT_EQ(c.listen.rdp->max_held_per_person, 3u);
  EXPECT_EQ(c.listen.rdp->max_held_per_source, 7u);
  ASSERT_TRUE(c.listen.rdp->public_address);
  EXPECT_EQ(c.listen.rdp->public_address->host, "rdp.example.com");
  EXPECT_EQ(c.listen.rdp->public_address->port, 443);
  ASSERT_TRUE(c.listen.http);
  EXPECT_EQ(c.listen.http->address.port, 8443);
  EXPECT_EQ(c.listen.http->tls_cert, dir / "tls/cert.pem");
  EXPECT_EQ(c.listen.http->tls_key, dir / "tls/key.pem");
  EXPECT_EQ(c.listen.http->public_url, "https://gate.example");
  EXPECT_TRUE(c.listen.http->approval_links_require_sign_in);
  EXPECT_EQ(c.listen.http->asciinema_player, dir / "player/asciinema-player");
  EXPECT_EQ(c.listen.http->metrics_token, "scrape-0123456789abcdef");
  EXPECT_EQ(c.listen.http->assertion_key, dir / "assertion.pem");
  EXPECT_EQ(c.listen.http->max_connections, 20000u);
  EXPECT_EQ(c.listen.http->max_connections_per_source, 5000u);
  EXPECT_TRUE(c.listen.http->proxy_protocol_from.empty());
  EXPECT_EQ(c.listen.admin.socket, "/run/gate/admin.sock");
  EXPECT_EQ(c.listen.admin.group, "root");

  EXPECT_EQ(c.mail.smtp, "smtps://mail.example:465");
  EXPECT_EQ(c.mail.from, "gatehouse@example.com");
  EXPECT_EQ(c.mail.user, "gate");
  EXPECT_EQ(c.mail.password, "secret");
  EXPECT_TRUE(c.mail.starttls);
  EXPECT_EQ(c.mail.ca_file, dir / "tls/smtp-ca.pem");
  EXPECT_EQ(c.mail.keep_sent, std::chrono::hours(36));

  EXPECT_EQ(c.audit.log, "/var/log/gatehouse/audit.jsonl");
  EXPECT_EQ(c.audit.recordings, dir / "recordings");
  EXPECT_EQ(c.audit.syslog, "tls://127.0.0.1:6514");
  EXPECT_EQ(c.audit.syslog_ca_file, dir / "tls/syslog-ca.pem");
  EXPECT_EQ(c.audit.on_write_failure, write_failure::keep_going);
  EXPECT_EQ(c.audit.max_file_size, 16u << 20);
  EXPECT_EQ(c.audit.record, record_mode::all);
  EXPECT_TRUE(c.audit.records_plain_shell());
  EXPECT_TRUE(c.audit.record_input);
  EXPECT_TRUE(c.audit.record_exec_output);
  EXPECT_EQ(c.ssh.accept_env, (std::vector<std::string>{"LANG", "LC_*", "GIT_?UTHOR_NAME", "TZ"}));
  EXPECT_EQ(c.audit.signing_key, dir / "audit.key");
  EXPECT_EQ(c.audit.checkpoint_every, 250u);

  ASSERT_EQ(c.users.size(), 3u);
  EXPECT_EQ(c.users[0].name, "alice");
  EXPECT_EQ(c.users[0].email, "alice@example.com");
  EXPECT_EQ(c.users[0].ssh_keys, (std::vector<std::string>{alice_key, ecdsa_key}));
  EXPECT_EQ(c.users[0].groups, std::vector<std::string>{"developers"});
  EXPECT_EQ(c.users[1].ssh_keys,
            (std::vector<std::string>{first_line(bob_keys + ".pub"), ecdsa_key}));
  EXPECT_TRUE(c.users[2].email.empty());
  ASSERT_NE(c.find_user("carol"), nullptr);

  ASSERT_EQ(c.groups.size(), 1u);
  EXPECT_EQ(c.groups[0].managers, std::vector<std::string>{"bob"});
  EXPECT_TRUE(c.groups[0].require_manager_approval);

  ASSERT_EQ(c.servers.size(), 3u);
  const server& web01 = c.servers[0];
  EXPECT_EQ(web01.protocol, protocol::ssh);
  EXPECT_EQ(web01.address.host, "10.0.0.5");
  EXPECT_EQ(web01.address.port, 22);
  EXPECT_EQ(web01.host_key, upstream_key);
  ASSERT_EQ(web01.accounts.size(), 1u);
  EXPECT_EQ(web01.accounts[0].name, "root");
  EXPECT_EQ(web01.accounts[0].key_file, web01_root);
  EXPECT_EQ(web01.groups, std::vector<std::string>{"production"});
  EXPECT_EQ(c.servers[1].protocol, protocol::rdp);
  EXPECT_EQ(c.servers[1].address.host, "win01.corp");
  EXPECT_EQ(c.servers[2].protocol, protocol::http);
  EXPECT_EQ(c.servers[2].url, "https://10.0.0.9:3000");
  EXPECT_EQ(c.servers[2].ca_file, dir / "tls/app-ca.pem");
  EXPECT_EQ(c.servers[2].hosts, std::vector<std::string>{"grafana.example.com"});
  EXPECT_EQ(c.servers[2].pass_identity, pass_identity::header);
  EXPECT_EQ(c.listen.http->apps_domain, "apps.gate.example");
  ASSERT_NE(c.find_server_group("production"), nullptr);
  EXPECT_TRUE(c.find_server_group("production")->require_manager_approval);

  ASSERT_EQ(c.rules.size(), 3u);
  const rule& r = c.rules[0];
  EXPECT_EQ(r.name, "prod-needs-approval");
  ASSERT_EQ(r.users.size(), 2u);
  EXPECT_EQ(r.users[0].what, principal::kind::group);
  EXPECT_EQ(r.users[0].name, "developers");
  EXPECT_EQ(r.users[1].what, principal::kind::name);
  EXPECT_EQ(r.users[1].name, "bob");
  ASSERT_EQ(r.servers.size(), 1u);
  EXPECT_EQ(r.servers[0].what, principal::kind::group);
  EXPECT_EQ(r.servers[0].name, "production");
  EXPECT_EQ(r.accounts, std::vector<std::string>{"root"});
  EXPECT_EQ(r.mode, rule_mode::approve);
  ASSERT_EQ(r.levels.size(), 1u);
  ASSERT_EQ(r.levels[0].approvers.size(), 2u);
  EXPECT_EQ(r.levels[0].approvers[0].what, principal::kind::manager);
  EXPECT_EQ(r.levels[0].approvers[1].what, principal::kind::name);
  EXPECT_EQ(r.levels[0].approvers[1].name, "carol");
  EXPECT_EQ(r.levels[0].condition, condition::all);
  EXPECT_TRUE(r.requester_chooses_approvers);
  EXPECT_TRUE(r.auto_approve_if_requester_is_approver);
  EXPECT_EQ(r.default_duration, hours{2});
  EXPECT_EQ(r.max_duration, hours{24});
  EXPECT_EQ(r.pending_timeout, minutes{45});
  EXPECT_TRUE(r.emergency);
  EXPECT_EQ(r.hold_timeout, minutes{5});
  EXPECT_TRUE(r.allow_port_forwarding);
  EXPECT_TRUE(r.require_justification);

  const rule& two = c.rules[1];
  EXPECT_EQ(two.users[0].what, principal::kind::everyone);
  EXPECT_EQ(two.accounts, std::vector<std::string>{"*"});
  ASSERT_EQ(two.levels.size(), 2u);
  EXPECT_EQ(two.levels[0].approvers[0].what, principal::kind::group);
  EXPECT_EQ(two.levels[0].condition, condition::any);
  EXPECT_EQ(two.levels[1].approvers[0].name, "bob");
  EXPECT_EQ(two.levels[1].condition, condition::all);
  EXPECT_EQ(c.rules[2].mode, rule_mode::justify);
}

TEST(ConfigValid, WebSftpCaps) {
  auto result = load_string(
      "web_sftp: { max_upload_bytes: 512M, max_listing_entries: 200,"
      " idle_time: 2m, sessions_per_person: 3 }\n",
      "test.yaml", "/etc/gatehouse");
  ASSERT_TRUE(result.value) << joined(result.problems);
  EXPECT_EQ(result.value->web_sftp.max_upload_bytes, 512ull << 20);
  EXPECT_EQ(result.value->web_sftp.max_listing_entries, 200u);
  EXPECT_EQ(result.value->web_sftp.idle_time, std::chrono::minutes(2));
  EXPECT_EQ(result.value->web_sftp.sessions_per_person, 3u);
}

TEST(ConfigValid, Workers) {
  auto four = load_string("workers: 4\n", "test.yaml", "/etc/gatehouse");
  ASSERT_TRUE(four.value) << joined(four.problems);
  EXPECT_EQ(four.value->workers, 4u);
  auto cores = load_string("workers: auto\n", "test.yaml", "/etc/gatehouse");
  ASSERT_TRUE(cores.value) << joined(cores.problems);
  EXPECT_EQ(cores.value->workers, std::max(1u, std::thread::hardware_concurrency()));
}

TEST(ConfigValid, DefaultsFollowTheStructs) {
  auto result = load_string(R"(rules:
  - { name: r, users: ["*"], servers: ["*"] }
)",
                            "test.yaml", "/etc/gatehouse");
  ASSERT_TRUE(result.value) << joined(result.problems);
  const config& c = *result.value;
  const config defaults;
  EXPECT_EQ(c.instance_name, defaults.instance_name);
  EXPECT_EQ(c.store, defaults.store);
  EXPECT_EQ(c.on_store_loss, store_loss::keep);
  EXPECT_EQ(c.workers, 1u);
  EXPECT_FALSE(c.listen.ssh || c.listen.rdp || c.listen.http);
  EXPECT_EQ(c.listen.admin.socket, "/run/gatehouse/admin.sock");
  EXPECT_EQ(c.listen.admin.group, "");
  EXPECT_EQ(c.mail.keep_sent, std::chrono::days(7));
  EXPECT_EQ(c.audit.on_write_failure, write_failure::refuse);
  EXPECT_EQ(c.audit.max_file_size, 64u << 20);
  EXPECT_FALSE(c.audit.record_input);
  EXPECT_FALSE(c.audit.record_exec_output);
  EXPECT_EQ(c.audit.record, record_mode::pty);
  EXPECT_FALSE(c.audit.records_exec() || c.audit.records_plain_shell());
  EXPECT_EQ(c.ssh.accept_env, (std::vector<std::string>{"LANG", "LC_*"}));
  EXPECT_EQ(c.audit.syslog_ca_file, "");
  EXPECT_EQ(c.audit.signing_key, "");
  EXPECT_EQ(c.audit.checkpoint_every, 1000u);
  EXPECT_EQ(c.web_sftp.max_upload_bytes, 2ull << 30);
  EXPECT_EQ(c.web_sftp.max_listing_entries, 10000u);
  EXPECT_EQ(c.web_sftp.idle_time, std::chrono::minutes(15));
  EXPECT_EQ(c.web_sftp.sessions_per_person, 8u);
  const rule& r = c.rules.at(0);
  const rule rule_defaults;
  EXPECT_EQ(r.mode, rule_mode::deny);
  EXPECT_EQ(r.accounts, std::vector<std::string>{"*"});
  EXPECT_TRUE(r.levels.empty());
  EXPECT_EQ(r.default_duration, rule_defaults.default_duration);
  EXPECT_EQ(r.max_duration, rule_defaults.max_duration);
  EXPECT_EQ(r.pending_timeout, rule_defaults.pending_timeout);
  EXPECT_EQ(r.hold_timeout, rule_defaults.hold_timeout);
  EXPECT_FALSE(r.emergency || r.allow_port_forwarding || r.requester_chooses_approvers ||
               r.auto_approve_if_requester_is_approver || r.require_justification);
}

TEST(ConfigValid, RelativeSqlitePathFollowsTheConfigFile) {
  auto result = load_string("store: sqlite:state/gate.db\n", "test.yaml", "/etc/gatehouse");
  ASSERT_TRUE(result.value) << joined(result.problems);
  EXPECT_EQ(result.value->store, "sqlite:/etc/gatehouse/state/gate.db");
}

TEST(ConfigValid, LoadFileResolvesPathsAgainstTheFilesDirectory) {
  temp_dir dir;
  dir.write("keys/host", "x");
  auto path = dir.write("gate.yaml",
                        "listen:\n  ssh: { address: \"127.0.0.1:0\", host_keys: [keys/host] }\n");
  auto result = load_file(path);
  ASSERT_TRUE(result.value) << joined(result.problems);
  EXPECT_EQ(result.value->source_file, path);
  EXPECT_EQ(result.value->listen.ssh->host_keys, std::vector<std::string>{dir / "keys/host"});
  EXPECT_EQ(result.value->listen.ssh->address.port, 0);
}

// The example's operators' group, created by systemd/gatehouse.sysusers on a real host.
const std::string operators_group = "group: gatehouse-operators";

// The installed example names files under /etc/gatehouse/ and the operators' group; with those
// paths moved into a directory where the files exist, and the group replaced by one this host
// has, it must pass validation as it stands.
void expect_example_valid(const std::string& name) {
  temp_dir dir;
  auto text = read_text(std::string(GATEHOUSE_SOURCE_DIR) + "/config/examples/" + name);
  ASSERT_FALSE(text.empty());
  if (auto at = text.find(operators_group); at != std::string::npos) {
    const ::group* own = ::getgrgid(::getgid());
    ASSERT_NE(own, nullptr);
    text.replace(at, operators_group.size(), std::string("group: ") + own->gr_name);
  }
  const std::string etc = "/etc/gatehouse/";
  for (auto at = text.find(etc); at != std::string::npos; at = text.find(etc, at)) {
    auto end = text.find_first_of(" \n]\"", at);
    auto file = text.substr(at + etc.size(), end - at - etc.size());
    // Secret keys (audit.signing_key) must hold 32 bytes and be private.
    auto written = dir.write(file, file.ends_with(".pub") ? bob_key + "\n" : std::string(32, 'x'));
    std::filesystem::permissions(written, std::filesystem::perms(0600));
    text.replace(at, etc.size(), dir.path() + "/");
  }
  auto result = load_string(text, name, dir.path());
  EXPECT_TRUE(result.value) << joined(result.problems);
}

TEST(ConfigValid, ExamplesPassValidation) {
  expect_example_valid("gatehouse.yaml");
  expect_example_valid("minimal.yaml");
}

TEST(ConfigValid, ExampleProblemsAreOnlyUnreadableKeyFiles) {
  // As shipped, on a machine without /etc/gatehouse: every problem is a missing key file (or
  // the operators' group, where sysusers has not created it).
  auto result = load_file(std::string(GATEHOUSE_SOURCE_DIR) + "/config/examples/gatehouse.yaml");
  for (const auto& d : result.problems)
    EXPECT_TRUE(d.message.find("cannot read key file '/etc/gatehouse/") != std::string::npos ||
                d.message.starts_with("no group 'gatehouse-operators'"))
        << d.to_string();
}

}  // namespace
}  // namespace gatehouse::config::testing
