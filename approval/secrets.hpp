#pragma once
// The cryptographic small change behind links and sessions: random tokens, their hashes, and
// comparisons that take the same time whatever the inputs (OpenSSL).
#include <cstddef>
#include <string>
#include <string_view>

#include "core/sha256.hpp"

namespace gatehouse::approval {

// `bytes` random bytes from OpenSSL's CSPRNG, base64url without padding. Throws
// std::runtime_error when the generator fails (never hand out a weak token).
std::string random_base64url(std::size_t bytes);
std::string base64url(std::string_view bytes);

using gatehouse::sha256_hex;  // core/sha256.hpp: lowercase hex SHA-256
// HMAC-SHA256 of `data` under `key`, base64url.
std::string hmac_base64url(std::string_view key, std::string_view data);

// Constant-time equality (CRYPTO_memcmp); different lengths are unequal.
bool equal_secrets(std::string_view a, std::string_view b);

}  // namespace gatehouse::approval
