// The top level and the daemon's own settings: instance_name, store, listen, mail, audit, ssh.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "config/field_readers.hpp"
#include "config/schema.hpp"
#include "config/store_url.hpp"
#include "config/value_checks.hpp"

namespace gatehouse::config {

namespace {
constexpr std::string_view top_keys[] = {
    "instance_name", "store",    "on_store_loss", "workers", "listen",  "mail",          "audit",
    "ssh",           "web_sftp", "users",         "groups",  "servers", "server_groups", "rules"};
constexpr std::string_view listen_keys[] = {"ssh", "rdp", "http", "admin"};
constexpr std::string_view ssh_keys[] = {"address",
                                         "proxy_protocol_from",
                                         "host_keys",
                                         "login_grace",
                                         "max_unauthenticated_per_source",
                                         "max_held_per_person",
                                         "max_held_per_source"};
constexpr std::string_view rdp_keys[] = {
    "address",   "proxy_protocol_from", "trust_mstshash_cookie", "trusted_networks",
    "token_key", "public_address",      "max_held_per_person",   "max_held_per_source"};
constexpr std::size_t most_connections = 1000000;  // the largest cap a max_* key takes
constexpr std::string_view http_keys[] = {
    "address",          "proxy_protocol_from", "tls_cert",
    "tls_key",          "public_url",          "approval_links_require_sign_in",
    "asciinema_player", "metrics_token",       "apps_domain",
    "assertion_key",    "max_connections",     "max_connections_per_source"};
constexpr std::string_view admin_keys[] = {"socket", "group"};
constexpr std::string_view mail_keys[] = {"smtp",
                                          "from",
                                          "user",
                                          "password",
                                          "starttls",
                                          "ca_file",
                                          "keep_sent",
                                          "inbox",
                                          "inbox_user",
                                          "inbox_password",
                                          "inbox_ca_file",
                                          "inbox_poll",
                                          "trusted_authserv_id",
                                          "reply_to"};
constexpr std::string_view audit_keys[] = {"log",
                                           "recordings",
                                           "syslog",
                                           "syslog_ca_file",
                                           "on_write_failure",
                                           "max_file_size",
                                           "record",
                                           "record_input",
                                           "record_exec_output",
                                           "signing_key",
                                           "checkpoint_every",
                                           "http",
                                           "recordings_need_approval"};
constexpr std::string_view web_sftp_keys[] = {"max_upload_bytes", "max_listing_entries",
                                              "idle_time", "sessions_per_person"};

// "64M": bytes with an optional K, M or G suffix (binary units); nullopt when malformed.
std::optional<std::uint64_t> parse_size(std::string_view text) {
  std::uint64_t n = 0;
  std::size_t i = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9' && i < 12; ++i)
    n = n * 10 + static_cast<std::uint64_t>(text[i] - '0');
  if (i == 0) return std::nullopt;
  auto suffix = text.substr(i);
  if (suffix.empty()) return n;
  if (suffix == "K") return n << 10;
  if (suffix == "M") return n << 20;
  if (suffix == "G") return n << 30;
  return std::nullopt;
}

void read_ssh_listener(const map_reader& listen, listeners& out) {
  auto m = listen.read_map("ssh", ssh_keys);
  if (!m) return;
  ssh_listener ssh;
  read_endpoint(*m, "address", ssh.address, true, need::required);
  read_networks(*m, "proxy_protocol_from", ssh.proxy_protocol_from);
  if (read_key_files(*m, "host_keys", ssh.host_keys, need::required) &&
      m->value("host_keys")->size() == 0) {
    m->report().error(m->value_at("host_keys"), "'host_keys' is empty: name at least one key");
  }
  if (m->read_duration("login_grace", ssh.login_grace) &&
      (ssh.login_grace.count() < 1 || ssh.login_grace > std::chrono::minutes(10)))
    m->report().error(m->value_at("login_grace"), "'login_grace' must be from 1s to 10m");
  constexpr std::size_t most = most_connections;
  m->read_count("max_unauthenticated_per_source", ssh.max_unauthenticated_per_source, 1, most);
  m->read_count("max_held_per_person", ssh.max_held_per_person, 1, most);
  m->read_count("max_held_per_source", ssh.max_held_per_source, 1, most);
  out.ssh = std::move(ssh);
}

void read_rdp_listener(const map_reader& listen, listeners& out) {
  auto m = listen.read_map("rdp", rdp_keys);
  if (!m) return;
  rdp_listener rdp;
  read_endpoint(*m, "address", rdp.address, true, need::required);
  read_networks(*m, "proxy_protocol_from", rdp.proxy_protocol_from);
  m->read_bool("trust_mstshash_cookie", rdp.trust_mstshash_cookie);
  read_networks(*m, "trusted_networks", rdp.trusted_networks);
  read_key_file(*m, "token_key", rdp.token_key, need::optional);
  if (m->value("public_address")) {
    endpoint shown;
    if (read_endpoint(*m, "public_address", shown, false, need::required))
      rdp.public_address = shown;
  }
  m->read_count("max_held_per_person", rdp.max_held_per_person, 1, most_connections);
  m->read_count("max_held_per_source", rdp.max_held_per_source, 1, most_connections);
  out.rdp = std::move(rdp);
}

// listen.http.metrics_token: a file holding one bearer token (a trailing newline is ignored),
// 16 to 4096 printable ASCII characters without spaces, which `out` receives.
void read_metrics_token(const map_reader& m, std::string& out) {
  constexpr std::size_t fewest = 16, most = 4096;
  std::string path;
  if (!read_key_file(m, "metrics_token", path, need::optional)) return;
  std::ifstream in(path, std::ios::binary);
  std::string token(most + 3, '\0');
  in.read(token.data(), static_cast<std::streamsize>(token.size()));
  token.resize(static_cast<std::size_t>(in.gcount()));
  if (token.ends_with('\n')) token.pop_back();
  if (token.ends_with('\r')) token.pop_back();
  const bool printable = std::all_of(token.begin(), token.end(), [](char c) {
    return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
  });
  if (!in.bad() && printable && token.size() >= fewest && token.size() <= most) {
    out = std::move(token);
    return;
  }
  m.report().error(m.value_at("metrics_token"),
                   "the metrics token in " + quote(path) +
                       " must be one line of 16 to 4096 printable characters without spaces");
}

void read_http_listener(const map_reader& listen, listeners& out) {
  auto m = listen.read_map("http", http_keys);
  if (!m) return;
  http_listener http;
  read_endpoint(*m, "address", http.address, true, need::required);
  read_networks(*m, "proxy_protocol_from", http.proxy_protocol_from);
  read_key_file(*m, "tls_cert", http.tls_cert, need::required);
  read_key_file(*m, "tls_key", http.tls_key, need::required);
  read_checked(*m, "public_url", http.public_url, need::optional, [](std::string_view url) {
    return check_url(url, {"https", "http"}, false);
  });
  m->read_bool("approval_links_require_sign_in", http.approval_links_require_sign_in);
  if (m->value("asciinema_player")) read_path(*m, "asciinema_player", http.asciinema_player);
  read_metrics_token(*m, http.metrics_token);
  m->read_count("max_connections", http.max_connections, 1, most_connections);
  m->read_count("max_connections_per_source", http.max_connections_per_source, 1, most_connections);
  read_checked(*m, "apps_domain", http.apps_domain, need::optional, check_host_name);
  for (auto& c : http.apps_domain)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // The key's content is checked where it is used (the daemon, and --check): the config knows
  // no cryptography.
  read_key_file(*m, "assertion_key", http.assertion_key, need::optional);
  out.http = std::move(http);
}

void read_listen(const map_reader& top, listeners& out) {
  auto m = top.read_map("listen", listen_keys);
  if (!m) return;
  read_ssh_listener(*m, out);
  read_rdp_listener(*m, out);
  read_http_listener(*m, out);
  if (auto admin = m->read_map("admin", admin_keys)) {
    read_path(*admin, "socket", out.admin.socket);
    read_checked(*admin, "group", out.admin.group, need::optional, check_local_group);
  }
}

// Approvals by reply (SPEC "Mail"): the inbox and whose Authentication-Results are believed.
// Plain imap:// only to this host (the tests' server); a reply is never believed without a
// trusted authserv-id, so an inbox without one is refused.
void read_inbox(const map_reader& m, mail_settings& out) {
  read_checked(m, "inbox", out.inbox, need::optional, [](std::string_view url) {
    if (auto problem = check_url(url, {"imaps", "imap"}, false); !problem.empty()) return problem;
    if (!url.starts_with("imap://")) return std::string();
    auto rest = url.substr(7);
    auto host = rest.substr(0, rest.find_first_of("/?#"));
    if (auto at = host.rfind('@'); at != std::string_view::npos) host = host.substr(at + 1);
    if (host.starts_with("127.") || host.starts_with("localhost") || host.starts_with("[::1]"))
      return std::string();
    return "plain imap:// is only for an IMAP server on this host (127.0.0.1, localhost, "
           "[::1]); use imaps:// for '" +
           std::string(url) + "'";
  });
  m.read_string("inbox_user", out.inbox_user);
  m.read_string("inbox_password", out.inbox_password);
  read_path(m, "inbox_ca_file", out.inbox_ca_file);
  if (m.read_duration("inbox_poll", out.inbox_poll) && out.inbox_poll < std::chrono::seconds(1))
    m.report().error(m.value_at("inbox_poll"), "'inbox_poll' must be at least 1s");
  m.read_string("trusted_authserv_id", out.trusted_authserv_id);
  read_checked(m, "reply_to", out.reply_to, need::optional, check_email);
  if (!out.inbox.empty() && out.trusted_authserv_id.empty())
    m.report().error(m.value_at("inbox"),
                     "'inbox' needs 'trusted_authserv_id': the authserv-id of your mail server's "
                     "Authentication-Results header (replies are believed only on its word)");
}

void read_mail(const map_reader& top, mail_settings& out) {
  auto m = top.read_map("mail", mail_keys);
  if (!m) return;
  read_checked(*m, "smtp", out.smtp, need::required, [](std::string_view url) {
    return check_url(url, {"smtp", "smtps"}, false);
  });
  read_checked(*m, "from", out.from, need::required, check_email);
  m->read_string("user", out.user);
  m->read_string("password", out.password);
  m->read_bool("starttls", out.starttls);
  read_path(*m, "ca_file", out.ca_file);
  if (m->read_duration("keep_sent", out.keep_sent) && out.keep_sent < std::chrono::minutes(1))
    m->report().error(m->value_at("keep_sent"), "'keep_sent' must be at least 1m");
  read_inbox(*m, out);
}

// `key` as a size ("64M") of at least `least` bytes into `out`; false when absent or bad.
bool read_size(const map_reader& m, std::string_view key, std::uint64_t& out, std::uint64_t least,
               std::string_view least_text, std::string_view example) {
  std::string size;
  if (!m.read_string(key, size)) return false;
  auto bytes = parse_size(size);
  if (!bytes || *bytes < least) {
    m.report().error(m.value_at(key), "bad size '" + size + "' for '" + std::string(key) +
                                          "': expected bytes with an optional K, M or G suffix, "
                                          "at least " +
                                          std::string(least_text) + " (e.g. " +
                                          std::string(example) + ")");
    return false;
  }
  out = *bytes;
  return true;
}

void read_audit(const map_reader& top, audit_settings& out) {
  auto m = top.read_map("audit", audit_keys);
  if (!m) return;
  read_path(*m, "log", out.log);
  read_path(*m, "recordings", out.recordings);
  read_checked(*m, "syslog", out.syslog, need::optional, [](std::string_view url) {
    return check_url(url, {"udp", "tcp", "tls"}, true);
  });
  read_path(*m, "syslog_ca_file", out.syslog_ca_file);
  m->read_enum("on_write_failure", out.on_write_failure,
               {{"refuse", write_failure::refuse}, {"continue", write_failure::keep_going}});
  m->read_enum("record", out.record, {{"pty", record_mode::pty}, {"all", record_mode::all}});
  m->read_enum("http", out.http,
               {{"requests", http_audit::requests}, {"sessions", http_audit::sessions}});
  m->read_bool("record_input", out.record_input);
  m->read_bool("record_exec_output", out.record_exec_output);
  m->read_bool("recordings_need_approval", out.recordings_need_approval);
  if (read_key_file(*m, "signing_key", out.signing_key, need::optional)) {
    if (auto problem = secret_file_problem(out.signing_key, 32))
      m->report().error(m->value_at("signing_key"),
                        "audit signing key " + quote(out.signing_key) + " " + *problem);
  }
  std::size_t every = out.checkpoint_every;
  if (m->read_count("checkpoint_every", every, 10, 1000000)) out.checkpoint_every = every;
  read_size(*m, "max_file_size", out.max_file_size, 4096, "4K", "64M");
}

void read_web_sftp(const map_reader& top, web_sftp_settings& out) {
  auto m = top.read_map("web_sftp", web_sftp_keys);
  if (!m) return;
  read_size(*m, "max_upload_bytes", out.max_upload_bytes, 1, "1", "2G");
  m->read_count("max_listing_entries", out.max_listing_entries, 1, 1000000);
  m->read_count("sessions_per_person", out.sessions_per_person, 1, 1000);
  if (m->read_duration("idle_time", out.idle_time) && out.idle_time < std::chrono::seconds(10))
    m->report().error(m->value_at("idle_time"), "'idle_time' must be at least 10s");
}

// `workers: auto` (the machine's cores) or a number of io threads, 1 to 256.
void read_workers(const map_reader& top, unsigned& out) {
  const auto* node = top.value("workers");
  if (node == nullptr) return;
  if (node->IsScalar() && node->Scalar() == "auto") {
    out = std::max(1u, std::thread::hardware_concurrency());
    return;
  }
  std::size_t n = out;
  if (top.read_count("workers", n, 1, 256)) out = static_cast<unsigned>(n);
}

}  // namespace

void read_config(read_context& ctx, const YAML::Node& root, config& out, source_map& where) {
  map_reader top(ctx, root, {1, 1}, "the top level must be a map of settings", top_keys);
  if (!top.valid()) return;
  read_settings(top, out);
  read_people(top, out, where);
  read_servers(top, out, where);
  read_rules(top, out, where);
}

void read_settings(const map_reader& top, config& out) {
  read_checked(top, "instance_name", out.instance_name, need::optional,
               [](std::string_view text) { return check_label("instance_name", text); });
  if (read_checked(top, "store", out.store, need::optional, check_store)) {
    // A relative file is relative to the configuration file's directory.
    if (auto url = parse_store_url(out.store); url && url->names_a_file()) {
      url->location = resolve_path(top.context().base_dir(), url->location);
      out.store = to_string(*url);
    }
  }
  top.read_enum("on_store_loss", out.on_store_loss,
                {{"keep", store_loss::keep}, {"terminate", store_loss::terminate}});
  read_workers(top, out.workers);
  read_listen(top, out.listen);
  read_mail(top, out.mail);
  read_audit(top, out.audit);
  read_ssh_settings(top, out.ssh);
  read_web_sftp(top, out.web_sftp);
}

}  // namespace gatehouse::config
