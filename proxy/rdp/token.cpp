#include "proxy/rdp/token.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <charconv>
#include <fstream>
#include <iterator>
#include <vector>

namespace gatehouse::proxy::rdp {

namespace {

constexpr std::string_view prefix = "gh1";
constexpr char sep = '~';
constexpr std::size_t max_key_bytes = 4096;
constexpr std::size_t max_name = 64;
constexpr std::size_t nonce_hex = 16;
constexpr std::size_t mac_text = 43;  // 32 bytes in unpadded base64url

bool name_ok(std::string_view n) {
  if (n.empty() || n.size() > max_name || n[0] == '.' || n[0] == '-') return false;
  for (char c : n) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool hex_ok(std::string_view s) {
  if (s.size() != nonce_hex) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::string mac_of(std::string_view key, std::string_view signed_part) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size(), out.data(),
       &len);
  return base64url(std::string_view(reinterpret_cast<const char*>(out.data()), len));
}

std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> parts;
  while (parts.size() < 8) {
    auto at = s.find(sep);
    parts.push_back(s.substr(0, at));
    if (at == std::string_view::npos) break;
    s.remove_prefix(at + 1);
  }
  return parts;
}

}  // namespace

std::string base64url(std::string_view bytes) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += alphabet[(acc >> bits) & 0x3f];
    }
  }
  if (bits > 0) out += alphabet[(acc << (6 - bits)) & 0x3f];
  return out;
}

std::variant<std::string, std::string> load_token_key(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return std::variant<std::string, std::string>(std::in_place_index<1>,
                                                  "cannot read the RDP token key " + path);
  std::string key;
  key.resize(max_key_bytes + 1);
  in.read(key.data(), static_cast<std::streamsize>(key.size()));
  key.resize(static_cast<std::size_t>(in.gcount()));
  if (key.size() < min_token_key_bytes || key.size() > max_key_bytes)
    return std::variant<std::string, std::string>(
        std::in_place_index<1>, "the RDP token key " + path + " must hold 32 to 4096 bytes (has " +
                                    std::to_string(key.size()) + ")");
  return std::variant<std::string, std::string>(std::in_place_index<0>, std::move(key));
}

std::variant<std::string, std::string> make_token(std::string_view key, std::string_view person,
                                                  std::string_view server, unix_seconds expires,
                                                  std::string_view nonce) {
  using result = std::variant<std::string, std::string>;
  if (key.size() < min_token_key_bytes)
    return result(std::in_place_index<1>, "the RDP token key is too short");
  if (!name_ok(person) || !name_ok(server))
    return result(std::in_place_index<1>, "a token names a valid person and server");
  if (!hex_ok(nonce)) return result(std::in_place_index<1>, "bad nonce");
  std::string signed_part =
      std::string(prefix) + sep + std::string(person) + sep + std::string(server) + sep +
      std::to_string(expires.time_since_epoch().count()) + sep + std::string(nonce);
  return result(std::in_place_index<0>, signed_part + sep + mac_of(key, signed_part));
}

std::variant<std::string, std::string> make_token(std::string_view key, std::string_view person,
                                                  std::string_view server, unix_seconds expires) {
  std::array<unsigned char, nonce_hex / 2> raw{};
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1)
    return std::variant<std::string, std::string>(std::in_place_index<1>,
                                                  "no random bytes for the token");
  static constexpr char hex[] = "0123456789abcdef";
  std::string nonce;
  for (unsigned char b : raw) {
    nonce += hex[b >> 4];
    nonce += hex[b & 0xf];
  }
  return make_token(key, person, server, expires, nonce);
}

std::variant<token_claims, std::string> verify_token(std::string_view key, std::string_view token,
                                                     unix_seconds now) {
  using result = std::variant<token_claims, std::string>;
  auto malformed = result(std::in_place_index<1>, "malformed");
  if (token.size() > max_token_length) return malformed;
  auto parts = split(token);
  if (parts.size() != 6 || parts[0] != prefix || !name_ok(parts[1]) || !name_ok(parts[2]) ||
      !hex_ok(parts[4]) || parts[5].size() != mac_text || parts[3].empty() || parts[3].size() > 12)
    return malformed;
  std::int64_t expiry = 0;
  auto [end, ec] = std::from_chars(parts[3].data(), parts[3].data() + parts[3].size(), expiry);
  if (ec != std::errc() || end != parts[3].data() + parts[3].size() || expiry < 0) return malformed;
  if (key.size() < min_token_key_bytes) return result(std::in_place_index<1>, "bad signature");
  auto signed_part = token.substr(0, token.size() - mac_text - 1);
  auto expected = mac_of(key, signed_part);
  if (CRYPTO_memcmp(expected.data(), parts[5].data(), mac_text) != 0)
    return result(std::in_place_index<1>, "bad signature");
  unix_seconds expires{std::chrono::seconds(expiry)};
  if (now >= expires) return result(std::in_place_index<1>, "expired");
  return token_claims{std::string(parts[1]), std::string(parts[2]), expires, std::string(parts[4])};
}

}  // namespace gatehouse::proxy::rdp
