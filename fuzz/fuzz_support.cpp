#include "fuzz/fuzz_support.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "config/loader.hpp"

namespace gatehouse::fuzz {

namespace {

constexpr std::string_view yaml = R"(instance_name: fuzz-gate
store: "sqlite::memory:"
listen:
  ssh:
    address: "127.0.0.1:2222"
    host_keys: [ssh_host_ed25519_key]
  rdp:
    address: "127.0.0.1:3389"
    token_key: rdp_token.key
    public_address: "gate.example:3389"
  http:
    address: "127.0.0.1:8443"
    tls_cert: tls_cert.pem
    tls_key: tls_key.pem
    public_url: "https://gate.example"
audit:
  log: audit.jsonl
users:
  - name: alice
    email: alice@example.com
    ssh_keys:
      - "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICUC4i4HdAa96yJHeynjmJxJhUb799sJnj+83iRx2TeI alice@laptop"
    groups: [developers]
  - name: bob
    email: bob@example.com
    groups: [developers, leads]
  - name: carol
    email: carol@example.com
    groups: [security, auditors]
groups:
  - name: developers
    managers: [bob]
  - name: leads
  - name: security
  - name: auditors
servers:
  - name: web01
    address: "10.0.0.5:22"
    host_key: "SHA256:fyzNMfe4PyZ9ZgSqa3NHNT2os9nJfacly/kAaVPx3Fo"
    accounts:
      - { name: root, key_file: account_key }
      - { name: deploy, key_file: account_key }
  - name: db01
    address: "10.0.0.6:22"
    host_key: "SHA256:fyzNMfe4PyZ9ZgSqa3NHNT2os9nJfacly/kAaVPx3Fo"
    accounts:
      - { name: postgres, key_file: account_key }
  - name: win01
    protocol: rdp
    address: "10.0.0.7:3389"
rules:
  - name: web-needs-approval
    users: ["group:developers"]
    servers: [web01]
    mode: approve
    approvers: [manager, carol]
  - name: db-two-levels
    users: ["*"]
    servers: [db01]
    mode: approve
    levels:
      - { approvers: [bob], condition: any }
      - { approvers: ["group:security"], condition: all }
  - name: windows-with-reason
    users: ["*"]
    servers: [win01]
    mode: justify
)";

// Created on first use, removed when the process ends.
struct fixture_directory {
  std::string path;
  fixture_directory() {
    auto dir =
        std::filesystem::temp_directory_path() / ("gatehouse-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    for (const char* name : {"ssh_host_ed25519_key", "account_key", "tls_cert.pem", "tls_key.pem"})
      std::ofstream(dir / name) << "not parsed by the loader\n";
    std::ofstream(dir / "rdp_token.key") << std::string(32, 'k');
    path = dir.string();
  }
  ~fixture_directory() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace

void require(bool ok, std::string_view what, std::string_view detail) {
  if (ok) return;
  std::fprintf(stderr, "invariant broken: %.*s\n%.*s\n", int(what.size()), what.data(),
               int(detail.size()), detail.data());
  std::abort();
}

const std::string& fixture_dir() {
  static const fixture_directory dir;
  return dir.path;
}

std::string_view fixture_yaml() { return yaml; }

std::shared_ptr<const config::config> fixture_config() {
  static const std::shared_ptr<const config::config> loaded = [] {
    auto r = config::load_string(yaml, "fixture.yaml", fixture_dir());
    std::string problems;
    for (const auto& p : r.problems) problems += p.to_string() + "\n";
    require(r.value != nullptr, "the fixture configuration loads", problems);
    return r.value;
  }();
  return loaded;
}

std::string_view next_field(std::string_view& rest) {
  auto nl = rest.find('\n');
  auto field = rest.substr(0, nl);
  rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
  return field;
}

}  // namespace gatehouse::fuzz
