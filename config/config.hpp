#pragma once
// The configuration as plain, immutable data (SPEC.md "Configuration"). Built only by
// config::load() after full validation; the daemon holds a shared_ptr<const config> and a
// reload swaps the pointer, so code that holds a snapshot never sees it change.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gatehouse::config {

using seconds = std::chrono::seconds;

// manual: a resource the gate does not proxy ("GitHub write access"); an approved request
// becomes a task for the rule's fulfillers.
enum class protocol { ssh, rdp, http, manual };
enum class rule_mode { allow, justify, approve, deny };
enum class condition { any, all };
// rules[].reply_decisions: which decisions an approver may make by replying to the mail (SPEC
// "Mail"). low_risk: a denial always, an approval only for a request that is not an emergency
// and whose window is at most the rule's default_duration.
enum class reply_decisions { off, low_risk, all };
enum class write_failure { refuse, keep_going };  // YAML: refuse | continue
enum class record_mode { pty, all };
enum class http_audit { requests, sessions };  // audit.http
enum class pass_identity { jwt, header, none };  // servers[].pass_identity (http)              // audit.record

// "host:port" or "[v6]:port" as written; host is kept textual (a name or an address).
struct endpoint {
  std::string host;
  std::uint16_t port = 0;
};

struct ssh_listener {
  endpoint address;
  std::vector<std::string> host_keys;  // paths to private host key files
  // Defences against connections that never reach a session (libssh has none of its own).
  seconds login_grace{30};  // accept -> person authenticated (a hold stops this clock)
  std::size_t max_unauthenticated_per_source = 32;
  std::size_t max_held_per_person = 10;
  std::size_t max_held_per_source = 20;
  // Load balancers whose connections start with a PROXY protocol header (v1 or v2) naming the
  // real client (CIDRs or addresses); from anywhere else a header is never believed.
  std::vector<std::string> proxy_protocol_from{};
};

struct rdp_listener {
  endpoint address;
  bool trust_mstshash_cookie = false;  // accept "Cookie: mstshash=" from trusted networks
  std::vector<std::string> trusted_networks;
  std::string token_key;  // file with >= 32 random bytes that signs routing tokens; "" = none
  std::optional<endpoint> public_address;  // what .rdp files name; default: `address`
  std::size_t max_held_per_person = 10;    // connections waiting for approval, as for ssh
  std::size_t max_held_per_source = 20;
  // Load balancers whose connections start with a PROXY protocol header (v1 or v2) naming the
  // real client (CIDRs or addresses); from anywhere else a header is never believed.
  std::vector<std::string> proxy_protocol_from{};
};

struct http_listener {
  endpoint address;
  std::string tls_cert;
  std::string tls_key;
  std::string public_url;
  bool approval_links_require_sign_in = false;
  // The installed asciinema-player npm package (its dist/bundle is served for the audit replay
  // page); "" = the replay page offers the .cast download only.
  std::string asciinema_player;
  // The bearer token /metrics asks for (the content of the file named by `metrics_token`, read
  // at load and reload); "" = /metrics is open.
  std::string metrics_token{};
  // Gated web apps (servers with protocol: http): server NAME is served at
  // https://NAME.<apps_domain>/ on this listener; "" = no app is served (then --check refuses
  // http servers).
  std::string apps_domain{};
  // The Ed25519 private key (PEM) that signs the assertions gated web apps receive
  // (apps/identity/assertion_signer); "" = a key generated at each start (apps must then fetch
  // /.well-known/jwks.json again after a restart).
  std::string assertion_key{};
  // Load balancers whose connections start with a PROXY protocol header (v1 or v2) naming the
  // real client (CIDRs or addresses); from anywhere else a header is never believed.
  std::vector<std::string> proxy_protocol_from{};
  // Connections the HTTPS listener holds at once, in all and from one source address (the
  // portal's pages and every gated web app's connections and WebSockets share them).
  std::size_t max_connections = 512;
  std::size_t max_connections_per_source = 64;
};

struct admin_listener {
  std::string socket = "/run/gatehouse/admin.sock";
  // The operators' group: the socket is given this group and mode 0660, so its members may
  // use the CLI. "" = the daemon's own group. Never the group that can read the key files.
  std::string group;
};

struct listeners {
  std::optional<ssh_listener> ssh;
  std::optional<rdp_listener> rdp;
  std::optional<http_listener> http;
  admin_listener admin;
};

struct mail_settings {
  std::string smtp;  // smtp://host:port or smtps://host:port
  std::string from;
  std::string user;
  std::string password;
  bool starttls = false;
  std::string ca_file;  // PEM bundle to verify the SMTP server with; empty = the system's CAs
  seconds keep_sent{std::chrono::days(7)};  // sent mail (its row, not its body) is pruned after

  // Approvals by reply (SPEC "Mail"; off while `inbox` is ""). inbox: imaps://[USER@]HOST[:PORT]/
  // MAILBOX, read by the mail thread; inbox_user/inbox_password log in (the URL's user when
  // inbox_user is ""); inbox_ca_file verifies the IMAP server (empty = the system's CAs).
  std::string inbox{};
  std::string inbox_user{};
  std::string inbox_password{};
  std::string inbox_ca_file{};
  seconds inbox_poll{30};  // how often the inbox is read
  // The authserv-id whose Authentication-Results header is believed (the topmost one only).
  std::string trusted_authserv_id{};
  // The address replies go to, as LOCAL@DOMAIN; each mail's Reply-To is LOCAL+TOKEN@DOMAIN.
  // "" = `from`.
  std::string reply_to{};
};

struct audit_settings {
  std::string log;
  std::string recordings;
  std::string syslog;          // udp://host:port, tcp://host:port or tls://host:port; empty = off
  std::string syslog_ca_file;  // PEM bundle to verify a tls:// collector with; empty = system CAs
  write_failure on_write_failure = write_failure::refuse;
  std::uint64_t max_file_size = 64ull << 20;  // the log rotates before a file would exceed it
  // pty: terminal (pty) channels are recorded; all: shells without a pty and exec channels
  // too (their stdout and stderr).
  record_mode record = record_mode::pty;
  bool record_input = false;  // recordings also hold what the person typed ("i" events)
  // The older key: exec channels are recorded too (stdout and stderr), shells without a pty
  // are not. `record: all` includes it.
  bool record_exec_output = false;

  // File of >= 32 random bytes whose HMAC-SHA256 signs the chain's checkpoints and head file;
  // "" = the chain is anchored at its head only (audit/FORMAT.md, "Anchors").
  std::string signing_key;
  std::uint64_t checkpoint_every = 1000;  // lines between two signed checkpoints
  // requests: one http.request event per request of a gated web app (and session.start/end);
  // sessions: only session.start/end.
  http_audit http = http_audit::requests;

  // Replaying or downloading a recording is an access request of its own (recording:<session>),
  // decided like any other and never by the person recorded.
  bool recordings_need_approval = false;

  bool records_exec() const { return record == record_mode::all || record_exec_output; }
  bool records_plain_shell() const { return record == record_mode::all; }
};

// How the SSH relay treats what a person's client asks of the target.
struct ssh_settings {
  // The names of env requests passed on to the target (sshd's AcceptEnv): exact names or
  // patterns with `*` and `?`; others are refused. Each env request is audited.
  std::vector<std::string> accept_env = {"LANG", "LC_*"};

  // Certificates to servers (accounts with `auth: certificate`; certs/session_certificate).
  // ssh.ca_key: FILE or [FILE, FILE…]: the first signs, every one is exported by
  // `gatehouse ca export` (a rotation keeps the previous CA trusted; certs/certificate_authority).
  std::vector<std::string> ca_keys;
  // ssh.certificate_source_address: "CIDR[,CIDR…]", the gate's egress addresses written into
  // every certificate's source-address option; "" = none.
  std::string certificate_source_address;
  // ssh.certificate_validity: how long a certificate lives under an `allow` rule (no grant, so
  // no end); a grant's certificate ends with the grant.
  seconds certificate_validity{std::chrono::minutes(10)};

  // Certificates from people (certs/person_certificate): ssh.user_ca_keys, the CA public key
  // lines trusted for everyone (users[].ssh_cas adds per person), and ssh.revoked_keys, a
  // file whose lines ("serial N", a public key line, or a "SHA256:" fingerprint of the
  // certified key; blank and # lines skipped) are read at load and at reload.
  std::vector<std::string> user_ca_keys;
  std::string revoked_keys;
  std::vector<std::string> revoked;
};

// The browser's file browser (websftp/): caps per upload, per listing, idle time and how many
// a person may have open at once (YAML `web_sftp:`).
struct web_sftp_settings {
  std::uint64_t max_upload_bytes = 2ull << 30;
  std::size_t max_listing_entries = 10000;
  seconds idle_time{std::chrono::minutes(15)};
  std::size_t sessions_per_person = 8;
};

struct user {
  std::string name;
  std::string email;
  std::vector<std::string> ssh_keys;  // authorized_keys lines, from the file too if one was named
  std::vector<std::string> groups;
  std::vector<std::string> ssh_cas{};  // CA public key lines whose user certificates name them
};

struct group {
  std::string name;
  std::vector<std::string> managers;
  bool require_manager_approval = false;
};

// key: Gatehouse logs in with the account's key file; certificate: with a certificate minted
// for each session by the gate's CA (ssh.ca_key), and no key file is needed.
enum class account_auth { key, certificate };

struct account {
  std::string name;
  std::string key_file;
  account_auth auth = account_auth::key;
};

struct server {
  std::string name;
  config::protocol protocol = protocol::ssh;
  endpoint address;      // ssh and rdp
  std::string url;       // http: the upstream, http://HOST:PORT[/base] or https://…
  std::string ca_file;   // http: PEM bundle an https:// upstream is verified against (required)
  std::vector<std::string> hosts;  // http: host names of its own besides NAME.<apps_domain>
  config::pass_identity pass_identity = pass_identity::jwt;  // http: what the app is told
  std::string host_key;  // "ssh-ed25519 AAAA…" or "SHA256:…"; required for ssh
  std::vector<account> accounts;
  std::vector<std::string> groups;
};

struct server_group {
  std::string name;
  bool require_manager_approval = false;
};

// Who a rule applies to or who may approve. `manager` exists only for approvers.
struct principal {
  enum class kind { name, group, everyone, manager };
  kind what = kind::name;
  std::string name;  // user/server/account name, or group name for kind::group
};

struct approval_level {
  std::vector<principal> approvers;
  config::condition condition = condition::any;
};

struct rule {
  std::string name;
  std::vector<principal> users;
  std::vector<principal> servers;
  std::vector<std::string> accounts;  // names or "*"
  rule_mode mode = rule_mode::deny;
  // Always at least one level for `approve`; `approvers`/`condition` at the top of a rule
  // are read as a single level.
  std::vector<approval_level> levels;
  bool requester_chooses_approvers = false;
  bool auto_approve_if_requester_is_approver = false;
  seconds default_duration{3600};
  seconds max_duration{8 * 3600};
  seconds pending_timeout{30 * 60};
  bool emergency = false;
  seconds hold_timeout{10 * 60};
  bool allow_port_forwarding = false;
  // approve/justify: a connection without a reason filed ahead is refused (an interactive SSH
  // client is asked for one by keyboard-interactive first).
  bool require_justification = false;
  config::reply_decisions reply_decisions = reply_decisions::off;
  std::vector<principal> fulfillers{};  // protocol: manual — who fulfils an approved request
};

// What becomes of live sessions while the store cannot be reached (PostgreSQL down): they go on
// (their grants were checked when they began and their end timers run here) or they end at once.
// Either way holds keep waiting and new logins that need the store are refused until it is back.
enum class store_loss { keep, terminate };

struct config {
  std::string source_file;
  std::string instance_name = "gatehouse";
  std::string store = "sqlite:/var/lib/gatehouse/gatehouse.db";
  store_loss on_store_loss = store_loss::keep;
  struct listeners listen;
  mail_settings mail;
  audit_settings audit;
  ssh_settings ssh;
  web_sftp_settings web_sftp;
  // io threads of the data plane (`workers: auto` = the cores; docs/architecture.md "Threads").
  unsigned workers = 1;
  std::vector<user> users;
  std::vector<group> groups;
  std::vector<server> servers;
  std::vector<server_group> server_groups;
  std::vector<rule> rules;

  const user* find_user(std::string_view name) const;
  const group* find_group(std::string_view name) const;
  const server* find_server(std::string_view name) const;
  const server_group* find_server_group(std::string_view name) const;
};

}  // namespace gatehouse::config
