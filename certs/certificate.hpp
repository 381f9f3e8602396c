#pragma once
// OpenSSH certificates (PROTOCOL.certkeys in OpenSSH's source) as a plain value, their
// encoding and their parsing:
//   encode_certificate   the fields of an ssh-ed25519-cert-v01@openssh.com certificate, signed
//                        by the gate's CA: the blob a client presents;
//   parse_certificate    any supported certificate blob -> its fields, or why not (a person's
//                        certificate: outside bytes). Supported certified keys: Ed25519,
//                        ECDSA P-256/384/521, RSA. Trailing bytes, a wrong order of options,
//                        duplicate options and unknown key types are refused.
// The order of fields and their encodings follow PROTOCOL.certkeys exactly; critical options
// and extensions are kept sorted by name and their data is the inner string (source-address:
// "10.0.0.1/32,192.168.0.0/24"), or empty. Pure functions (signing through the CA object).
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace gatehouse::certs {

class certificate_authority;

inline constexpr std::uint32_t user_certificate = 1;
inline constexpr std::uint32_t host_certificate = 2;
inline constexpr std::string_view ed25519_certificate_type = "ssh-ed25519-cert-v01@openssh.com";

using named_values = std::vector<std::pair<std::string, std::string>>;

struct certificate {
  std::string key_type;  // "ssh-ed25519-cert-v01@openssh.com"
  std::string nonce;
  std::string key_fields;  // the certified key's own fields, encoded (ed25519: string pk)
  std::uint64_t serial = 0;
  std::uint32_t type = user_certificate;
  std::string key_id;
  std::vector<std::string> principals;
  std::uint64_t valid_after = 0;
  std::uint64_t valid_before = 0;
  named_values critical_options;
  named_values extensions;
  std::string signature_key;    // the CA's public key blob
  std::string signature;        // the CA's signature blob
  std::size_t signed_size = 0;  // parse only: how many leading bytes the signature covers

  // The certified key as a plain public key blob ("ssh-ed25519" + key_fields), what
  // fingerprints and revocation lists name.
  std::string plain_key_blob() const;
};

// The blob of `c` (key_type must be the Ed25519 one, key_fields one string of 32 bytes),
// with signature_key and signature set from `ca`; empty when signing fails.
std::string encode_certificate(certificate& c, const certificate_authority& ca);

using parsed_certificate = std::variant<certificate, std::string>;
parsed_certificate parse_certificate(std::string_view blob);

// "…-cert-v01@openssh.com" -> the plain key type, or "" for a type that is no certificate.
std::string_view plain_type_of(std::string_view certificate_type);

}  // namespace gatehouse::certs
