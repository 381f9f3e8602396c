#pragma once
// Our own check of an OpenSSH user certificate a person offers to the gate (libssh's server
// mode reports even a tampered certificate as valid: research/wave2.md §3.2). In order:
//   parse (certs/certificate) -> type user -> the CA key is one of the trusted ones (compared
//   in constant time) -> the CA's signature verifies (certs/signature_check; ssh-rsa SHA-1
//   refused) -> valid_after <= now < valid_before -> a principal is the person's name ->
//   every critical option known (only source-address) and source-address, when present,
//   contains the peer -> neither the serial nor the certified key is revoked.
// The first failure is the answer, as a short reason for the log and audit (never shown to
// the client). Pure; thread-safe.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace gatehouse::certs {

struct person_certificate_terms {
  std::vector<std::string> trusted_ca_blobs;  // public key blobs (decoded key lines)
  // Lines of the revocation list (ssh.revoked_keys): "serial N" (any trusted CA), a public
  // key line "TYPE BASE64 [COMMENT]" or "SHA256:…" fingerprint of the certified key.
  const std::vector<std::string>* revoked = nullptr;
  std::string person;
  std::string peer_address;  // textual, without port
  std::uint64_t now = 0;     // Unix seconds
};

struct accepted_certificate {
  std::string key_id;
  std::uint64_t serial = 0;
  std::string certified_key_blob;  // the plain key inside
  std::string fingerprint;         // its "SHA256:…" fingerprint, as ssh-keygen -l prints it
};

using person_certificate_result = std::variant<accepted_certificate, std::string>;
person_certificate_result check_person_certificate(std::string_view blob,
                                                   const person_certificate_terms& terms);

// A public key line "TYPE BASE64 [COMMENT]" -> its blob, "" when it does not parse.
std::string key_blob_of_line(std::string_view line);

}  // namespace gatehouse::certs
