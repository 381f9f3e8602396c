// The servers people reach (with their accounts and pinned host keys) and server groups.
// Which keys a server may hold depends on its protocol: a key that the protocol does not use
// is reported rather than ignored. A `manual` server (a resource people fulfil, "GitHub write
// access") has only a name and groups.
#include <cctype>
#include <string_view>

#include "config/field_readers.hpp"
#include "config/schema.hpp"
#include "config/ssh_key_text.hpp"
#include "config/value_checks.hpp"

namespace gatehouse::config {

namespace {
constexpr std::string_view server_keys[] = {"name",     "protocol",     "address", "url",
                                            "host_key", "accounts",     "groups",  "ca_file",
                                            "hosts",    "pass_identity"};
constexpr std::string_view account_keys[] = {"name", "key_file", "auth"};
constexpr std::string_view server_group_keys[] = {"name", "require_manager_approval"};

std::string_view protocol_name(protocol p) {
  switch (p) {
    case protocol::ssh: return "ssh";
    case protocol::rdp: return "rdp";
    case protocol::http: return "http";
    case protocol::manual: return "manual";
  }
  return "?";
}

// Reports `key` when present: servers of this protocol do not use it.
void reject_key(const map_reader& m, std::string_view key, protocol p) {
  if (m.has(key)) {
    m.report().error(m.key_at(key),
                     quote(key) + " is not used by " + std::string(protocol_name(p)) + " servers");
  }
}

// A gated web app's own keys: the CA of an https:// upstream (never unverified), extra host
// names, and what the app is told of the person.
void read_http_app(const map_reader& m, server& s) {
  if (m.has("ca_file")) read_path(m, "ca_file", s.ca_file);
  if (s.url.starts_with("https://") && s.ca_file.empty())
    m.report().error(
        m.value_at("url"),
        "an https:// upstream needs 'ca_file' (the PEM bundle it is verified against)");
  if (m.read_strings("hosts", s.hosts)) {
    for (auto& h : s.hosts) {
      auto problem = check_host_name(h);
      if (!problem.empty()) m.report().error(m.value_at("hosts"), problem);
      for (auto& c : h) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  m.read_enum("pass_identity", s.pass_identity,
              {{"jwt", pass_identity::jwt},
               {"header", pass_identity::header},
               {"none", pass_identity::none}});
}

void read_accounts(const map_reader& m, server& s, server_source& at) {
  for (const auto& node : m.read_list("accounts")) {
    map_reader a(m.context(), node, m.value_at("accounts"), "entries of 'accounts' must be maps",
                 account_keys);
    if (!a.valid()) continue;
    account acc;
    position name_at;
    read_name(a, acc.name, name_at);
    if (s.protocol == protocol::ssh) {
      // auth: key (the default) logs in with key_file; auth: certificate with a certificate
      // the gate's CA mints per session (ssh.ca_key), and needs no key file.
      a.read_enum("auth", acc.auth,
                  {{"key", account_auth::key}, {"certificate", account_auth::certificate}});
      if (acc.auth == account_auth::key) {
        read_key_file(a, "key_file", acc.key_file, need::required);
      } else if (a.has("key_file")) {
        a.report().error(a.key_at("key_file"),
                         "'key_file' is not used by an account with 'auth: certificate'");
      }
    } else {
      reject_key(a, "key_file", s.protocol);
      reject_key(a, "auth", s.protocol);
    }
    s.accounts.push_back(std::move(acc));
    at.accounts.push_back(name_at);
  }
}

void read_server(const map_reader& m, config& out, source_map& where) {
  server s;
  server_source at;
  read_name(m, s.name, at.name);
  bool protocol_known = !m.has("protocol") || m.read_enum("protocol", s.protocol,
                                                          {{"ssh", protocol::ssh},
                                                           {"rdp", protocol::rdp},
                                                           {"http", protocol::http},
                                                           {"manual", protocol::manual}});
  if (protocol_known && s.protocol == protocol::manual) {
    // Fulfilled by people, never connected to: nothing of a connection applies.
    for (auto key : {"address", "url", "ca_file", "hosts", "pass_identity", "host_key", "accounts"})
      reject_key(m, key, s.protocol);
  } else if (protocol_known) {
    if (s.protocol == protocol::http) {
      read_checked(m, "url", s.url, need::required, [](std::string_view url) {
        return check_url(url, {"http", "https"}, false);
      });
      reject_key(m, "address", s.protocol);
      read_http_app(m, s);
    } else {
      read_endpoint(m, "address", s.address, false, need::required);
      for (auto key : {"url", "ca_file", "hosts", "pass_identity"}) reject_key(m, key, s.protocol);
    }
    if (s.protocol == protocol::ssh) {
      // Never trust on first use: an ssh server without a pinned key cannot be reached safely.
      read_checked(m, "host_key", s.host_key, need::required, [](std::string_view key) {
        auto problem = check_host_key(key);
        return problem.empty() ? problem : "malformed host_key: " + problem;
      });
    } else {
      reject_key(m, "host_key", s.protocol);
    }
  }
  if (s.protocol != protocol::manual) read_accounts(m, s, at);
  m.read_strings("groups", s.groups, &at.groups);
  out.servers.push_back(std::move(s));
  where.servers.push_back(std::move(at));
}

void read_server_group(const map_reader& m, config& out, source_map& where) {
  server_group g;
  server_group_source at;
  read_name(m, g.name, at.name);
  m.read_bool("require_manager_approval", g.require_manager_approval);
  out.server_groups.push_back(std::move(g));
  where.server_groups.push_back(at);
}
}  // namespace

void read_servers(const map_reader& top, config& out, source_map& where) {
  for (const auto& node : top.read_list("servers")) {
    map_reader m(top.context(), node, top.value_at("servers"), "entries of 'servers' must be maps",
                 server_keys);
    if (m.valid()) read_server(m, out, where);
  }
  for (const auto& node : top.read_list("server_groups")) {
    map_reader m(top.context(), node, top.value_at("server_groups"),
                 "entries of 'server_groups' must be maps", server_group_keys);
    if (m.valid()) read_server_group(m, out, where);
  }
}

}  // namespace gatehouse::config
