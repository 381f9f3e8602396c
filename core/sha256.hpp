#pragma once
// SHA-256 as lowercase hex, the one implementation behind the audit chain's line hashes and the
// stored hashes of links and tickets (OpenSSL). The algorithm is fetched from OpenSSL's
// provider once, not at every call: an implicit fetch per digest cost more than the hashing of
// a 300-byte audit line (it was 1.2 % of the gate's CPU under small web requests).
#include <string>
#include <string_view>

namespace gatehouse {

// Lowercase hex SHA-256 of `bytes`. Throws std::runtime_error when OpenSSL fails (no memory).
std::string sha256_hex(std::string_view bytes);

}  // namespace gatehouse
