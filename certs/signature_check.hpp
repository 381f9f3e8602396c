#pragma once
// Verifying an SSH signature blob (RFC 4253 §6.6, RFC 8332, RFC 5656 §3.1.2, RFC 8709) made
// by the key of an SSH public key blob, with OpenSSL: what checks a CA's signature on a
// person's certificate. Accepted: ssh-ed25519; ecdsa-sha2-nistp256/384/521 (each with its
// own curve and hash); rsa-sha2-256 and rsa-sha2-512 by an ssh-rsa key of at least 2048 bits.
// `ssh-rsa` signatures (SHA-1) are refused as such. Pure; thread-safe.
#include <string_view>

namespace gatehouse::certs {

enum class signature_result {
  valid,
  invalid,      // does not verify, or the blobs are malformed
  unsupported,  // a key or signature algorithm not accepted (DSA, security keys, weak RSA)
  sha1,         // an ssh-rsa (SHA-1) signature
};
std::string_view to_string(signature_result r);

signature_result verify_signature(std::string_view key_blob, std::string_view signature_blob,
                                  std::string_view data);

}  // namespace gatehouse::certs
