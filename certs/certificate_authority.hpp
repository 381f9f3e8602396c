#pragma once
// The gate's user CA (ssh.ca_key): the key that signs the short-lived certificates Gatehouse
// logs in to servers with, and the public keys servers are told to trust (TrustedUserCAKeys).
//
// ssh.ca_key names one file or several. The first holds the signing key: an unencrypted
// Ed25519 private key, as `ssh-keygen -t ed25519 -N ''` writes it (OpenSSH format) or as
// `openssl genpkey -algorithm ed25519` does (PKCS#8 PEM). Every further file is a previous CA
// kept trusted during a rotation: a private key of either form or just its public key line
// ("ssh-ed25519 AAAA… comment"). It is exported, never used to sign.
//
// Ownership: load() returns an immutable shared object; the private key stays in OpenSSL's
// memory (freed with the object); the bytes read from the file are cleansed. sign() is
// thread-safe.
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace gatehouse::certs {

class certificate_authority {
 public:
  using loaded = std::variant<std::shared_ptr<const certificate_authority>, std::string>;
  // The reason names the file: "/etc/gatehouse/user_ca: not an Ed25519 private key".
  static loaded load(const std::vector<std::string>& files);

  ~certificate_authority();
  certificate_authority(const certificate_authority&) = delete;
  certificate_authority& operator=(const certificate_authority&) = delete;

  // The signing key's public key blob (the certificate's "signature key").
  const std::string& public_blob() const { return public_blob_; }
  // "ssh-ed25519 BASE64 gatehouse-user-ca" for each trusted CA, the signing key first: the
  // lines of a TrustedUserCAKeys file.
  const std::vector<std::string>& trusted_lines() const { return trusted_lines_; }
  // An SSH signature blob (string "ssh-ed25519", string signature) over `data`; empty when
  // OpenSSL fails.
  std::string sign(std::string_view data) const;

 private:
  struct key_holder;
  certificate_authority();
  std::unique_ptr<key_holder> key_;
  std::string public_blob_;
  std::vector<std::string> trusted_lines_;
};

// A key file's content (OpenSSH or PKCS#8 PEM Ed25519 private key) as the 32-byte Ed25519
// seed and its public key; exposed for the fuzz harness and tests. Empty strings and the
// reason when it is none of those.
struct ed25519_private {
  std::string seed, public_key, problem;
  ~ed25519_private();
};
void parse_openssh_ed25519(std::string_view file_text, ed25519_private& out);

}  // namespace gatehouse::certs
