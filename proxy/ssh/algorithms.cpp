#include "proxy/ssh/algorithms.hpp"

namespace gatehouse::proxy::ssh {

std::string apply_listener_algorithms(ssh_bind bind) {
  bool process_config = false;
  int rsa_bits = min_rsa_bits;
  const std::string kex(listener_kex), cip(ciphers), mac(macs),
      hostkeys(listener_host_key_algorithms), person_keys(person_key_algorithms);
  struct option {
    ssh_bind_options_e what;
    const void* value;
    const char* name;
  };
  // The identification string names the product, not the library and its version (a scanner
  // matches "libssh_0.10.6" against CVEs of libssh 0.6; an attacker gets a version for free).
  const option options[] = {
      {SSH_BIND_OPTIONS_BANNER, "Gatehouse", "identification"},
      {SSH_BIND_OPTIONS_PROCESS_CONFIG, &process_config, "process_config"},
      {SSH_BIND_OPTIONS_KEY_EXCHANGE, kex.c_str(), "key exchange"},
      {SSH_BIND_OPTIONS_CIPHERS_C_S, cip.c_str(), "ciphers"},
      {SSH_BIND_OPTIONS_CIPHERS_S_C, cip.c_str(), "ciphers"},
      {SSH_BIND_OPTIONS_HMAC_C_S, mac.c_str(), "MACs"},
      {SSH_BIND_OPTIONS_HMAC_S_C, mac.c_str(), "MACs"},
      {SSH_BIND_OPTIONS_HOSTKEY_ALGORITHMS, hostkeys.c_str(), "host key algorithms"},
      {SSH_BIND_OPTIONS_PUBKEY_ACCEPTED_KEY_TYPES, person_keys.c_str(), "public key types"},
      {SSH_BIND_OPTIONS_RSA_MIN_SIZE, &rsa_bits, "RSA minimum size"},
  };
  for (const auto& o : options)
    if (ssh_bind_options_set(bind, o.what, o.value) != SSH_OK)
      return std::string("cannot set ") + o.name + ": " + ssh_get_error(bind);
  return {};
}

std::string apply_upstream_algorithms(ssh_session session, const std::string& host_key_algorithms) {
  bool process_config = false;
  int rsa_bits = min_rsa_bits;
  const std::string kex(upstream_kex), cip(upstream_ciphers), mac(macs);
  struct option {
    ssh_options_e what;
    const void* value;
    const char* name;
  };
  const option options[] = {
      {SSH_OPTIONS_PROCESS_CONFIG, &process_config, "process_config"},
      {SSH_OPTIONS_KEY_EXCHANGE, kex.c_str(), "key exchange"},
      {SSH_OPTIONS_CIPHERS_C_S, cip.c_str(), "ciphers"},
      {SSH_OPTIONS_CIPHERS_S_C, cip.c_str(), "ciphers"},
      {SSH_OPTIONS_HMAC_C_S, mac.c_str(), "MACs"},
      {SSH_OPTIONS_HMAC_S_C, mac.c_str(), "MACs"},
      {SSH_OPTIONS_HOSTKEYS, host_key_algorithms.c_str(), "host key algorithms"},
      {SSH_OPTIONS_RSA_MIN_SIZE, &rsa_bits, "RSA minimum size"},
  };
  for (const auto& o : options)
    if (ssh_options_set(session, o.what, o.value) != SSH_OK)
      return std::string("cannot set ") + o.name + ": " + ssh_get_error(session);
  return {};
}

}  // namespace gatehouse::proxy::ssh
