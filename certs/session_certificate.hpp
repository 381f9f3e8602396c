#pragma once
// The certificate Gatehouse logs in to a server with, for one session (SPEC: account
// `auth: certificate`): an ssh-ed25519-cert-v01@openssh.com user certificate over the
// session's fresh key, signed by the gate's CA, with
//   serial        random (64 bits), key id "person=P grant=G session=S" (grant "none" under
//                 an `allow` rule), principals [the account];
//   valid_after   now - 60 s (clock skew), valid_before the grant's end, or now +
//                 ssh.certificate_validity for an `allow` rule without a grant;
//   critical      source-address = ssh.certificate_source_address when configured;
//   extensions    permit-pty, and permit-port-forwarding only when the rule allows port
//                 forwarding (the relay would forward for nobody otherwise); nothing else.
// Pure apart from the random nonce and serial; thread-safe.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "certs/certificate.hpp"

namespace gatehouse::certs {

class certificate_authority;

inline constexpr std::chrono::seconds certificate_clock_skew{60};

struct session_certificate_terms {
  std::string person, grant, session, account;
  std::uint64_t now = 0;           // Unix seconds
  std::uint64_t valid_before = 0;  // Unix seconds
  std::string source_address;      // "" = no source-address option
  bool permit_port_forwarding = false;
};

// The certificate's fields for `ed25519_public_key` (32 bytes); encode_certificate signs it.
certificate session_certificate(std::string_view ed25519_public_key,
                                const session_certificate_terms& terms);

// The signed blob, "" when the key is not 32 bytes or signing fails.
std::string mint_session_certificate(const certificate_authority& ca,
                                     std::string_view ed25519_public_key,
                                     const session_certificate_terms& terms);

}  // namespace gatehouse::certs
