#pragma once
// What a gated web app is told of the person (SPEC "HTTP"): the `Gatehouse-Jwt-Assertion`
// header, a compact JWS (RFC 7515) signed with the gate's Ed25519 key (alg EdDSA, RFC 8037),
// and the JWKS at /.well-known/jwks.json that verifies it. The key id (`kid`) is the key's
// RFC 7638 thumbprint: SHA-256 over {"crv":"Ed25519","kty":"OKP","x":X}, base64url.
//
// The key is listen.http.assertion_key (PEM, PKCS#8: `openssl genpkey -algorithm ed25519`).
// Without it the daemon generates one in memory at start: apps then see a new key (and kid)
// after every restart, so they must fetch the JWKS again (a configured key avoids that).
//
// Claims (all times in seconds since the epoch): iss = the gate's public_url, aud = the app's
// origin (https://NAME.<apps_domain>), sub = the person, email, grant_id (absent under an
// `allow` rule), iat, exp, jti (random, 128 bits).
//
// Ownership: owns its key. Thread-safety: immutable after construction; sign() and jwks() may be
// called from any thread at once.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "core/time.hpp"

namespace gatehouse::apps {

struct assertion_claims {
  std::string issuer, audience, subject, email;
  std::optional<std::int64_t> grant_id;  // absent under an `allow` rule
  time_point issued, expires;
};

// How long an assertion is good for: 5 minutes from `now`, never past the grant's end.
inline constexpr std::chrono::minutes assertion_lifetime{5};
time_point assertion_expiry(time_point now, std::optional<time_point> grant_end);

class assertion_signer {
 public:
  // The Ed25519 private key in `key_file` (PEM); a one-line reason when it cannot be read or is
  // no Ed25519 private key (an encrypted key is refused: there is nobody to ask a passphrase).
  // Who else may read the file is config/key_file_modes' warning, as for the other keys.
  static std::variant<std::unique_ptr<assertion_signer>, std::string> load(
      const std::string& key_file);
  // A fresh key in memory (tests; the daemon when no assertion_key is configured).
  static std::unique_ptr<assertion_signer> generate();
  ~assertion_signer();
  assertion_signer(const assertion_signer&) = delete;
  assertion_signer& operator=(const assertion_signer&) = delete;

  // header.payload.signature, base64url without padding; header
  // {"alg":"EdDSA","kid":…,"typ":"JWT"}.
  std::string sign(const assertion_claims& c) const;
  // {"keys":[{"kty":"OKP","crv":"Ed25519","x":…,"kid":…,"alg":"EdDSA","use":"sig"}]}
  const std::string& jwks() const { return jwks_; }
  const std::string& key_id() const { return kid_; }

 private:
  struct key;
  explicit assertion_signer(std::unique_ptr<key> k);
  std::unique_ptr<key> key_;
  std::string kid_;
  std::string jwks_;
  std::string header_;  // base64url of the JWS header, the same for every assertion
};

}  // namespace gatehouse::apps
