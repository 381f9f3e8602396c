// The top-level `ssh` section: what the relay passes on (accept_env), the gate's user CA and
// the certificates it mints for servers (ca_key, certificate_source_address,
// certificate_validity), and the people's certificates it accepts (user_ca_keys,
// revoked_keys). Config keys, as in SPEC "Configuration":
//   ssh:
//     accept_env: [LANG, "LC_*"]
//     ca_key: /etc/gatehouse/user_ca            # or [new_ca, old_ca.pub]: the first signs
//     certificate_source_address: 10.0.0.5/32   # the gate's egress, "CIDR[,CIDR…]"
//     certificate_validity: 10m                 # certificates under `allow` (no grant end)
//     user_ca_keys: ["ssh-ed25519 AAAA… corp-ca"]
//     revoked_keys: /etc/gatehouse/revoked_keys # "serial N", key lines, "SHA256:…" lines
#include <chrono>
#include <string_view>

#include "config/field_readers.hpp"
#include "config/schema.hpp"
#include "config/ssh_key_text.hpp"
#include "config/value_checks.hpp"

namespace gatehouse::config {

namespace {
constexpr std::string_view ssh_settings_keys[] = {
    "accept_env",           "ca_key",       "certificate_source_address",
    "certificate_validity", "user_ca_keys", "revoked_keys"};

std::string check_source_address(std::string_view list) {
  if (list.empty()) return "an empty source address list";
  while (true) {
    auto comma = list.find(',');
    if (auto problem = check_network(list.substr(0, comma)); !problem.empty()) return problem;
    if (comma == std::string_view::npos) return {};
    list.remove_prefix(comma + 1);
  }
}

std::string check_revocation_line(std::string_view line) {
  if (line.starts_with("serial ")) {
    auto digits = line.substr(7);
    bool numeric = !digits.empty() && digits.size() <= 20 &&
                   digits.find_first_not_of("0123456789") == std::string_view::npos;
    return numeric ? std::string() : "a serial must be a number: \"serial 42\"";
  }
  if (line.starts_with("SHA256:")) return check_host_key(line);  // the fingerprint form
  auto problem = check_public_key(line);
  return problem.empty()
             ? problem
             : "expected \"serial N\", a public key or a SHA256: fingerprint (" + problem + ")";
}

void read_accept_env(const map_reader& m, ssh_settings& out) {
  std::vector<std::string> names;
  std::vector<position> at;
  if (!m.read_strings("accept_env", names, &at)) return;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (auto problem = check_env_pattern(names[i]); !problem.empty())
      m.report().error(at[i], std::move(problem));
  }
  out.accept_env = std::move(names);
}
}  // namespace

void read_ssh_settings(const map_reader& top, ssh_settings& out) {
  auto m = top.read_map("ssh", ssh_settings_keys);
  if (!m) return;
  read_accept_env(*m, out);
  if (const auto* ca = m->value("ca_key"); ca != nullptr && ca->IsScalar()) {
    std::string path;
    if (read_key_file(*m, "ca_key", path, need::optional)) out.ca_keys = {path};
  } else {
    read_key_files(*m, "ca_key", out.ca_keys, need::optional);
  }
  read_checked(*m, "certificate_source_address", out.certificate_source_address, need::optional,
               check_source_address);
  if (m->read_duration("certificate_validity", out.certificate_validity) &&
      (out.certificate_validity < std::chrono::minutes(1) ||
       out.certificate_validity > std::chrono::hours(24)))
    m->report().error(m->value_at("certificate_validity"),
                      "'certificate_validity' must be between 1m and 24h");
  read_public_keys(*m, "user_ca_keys", out.user_ca_keys);
  read_lines_file(*m, "revoked_keys", out.revoked_keys, out.revoked, check_revocation_line);
}

}  // namespace gatehouse::config
