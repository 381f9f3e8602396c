#include "core/sha256.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace gatehouse {

namespace {
// Fetched once (thread-safe static initialization); an EVP_MD is read-only once fetched, so
// every thread may use it. Kept for the life of the process.
const EVP_MD* sha256_algorithm() {
  static EVP_MD* const algorithm = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return algorithm;
}
}  // namespace

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  const EVP_MD* algorithm = sha256_algorithm();
  if (algorithm == nullptr ||
      EVP_Digest(bytes.data(), bytes.size(), digest, &length, algorithm, nullptr) != 1)
    throw std::runtime_error("SHA-256 failed");
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(2 * length, '\0');
  for (unsigned int i = 0; i < length; ++i) {
    out[2 * i] = digits[digest[i] >> 4];
    out[2 * i + 1] = digits[digest[i] & 0xf];
  }
  return out;
}

}  // namespace gatehouse
