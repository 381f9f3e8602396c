#include "certs/person_certificate.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <charconv>

#include "certs/certificate.hpp"
#include "certs/signature_check.hpp"
#include "certs/ssh_wire.hpp"
#include "config/ssh_key_text.hpp"
#include "core/peer_address.hpp"

namespace gatehouse::certs {

namespace {

constexpr std::string_view source_address_option = "source-address";

bool trusted_ca(const std::string& blob, const std::vector<std::string>& trusted) {
  bool found = false;
  for (const auto& t : trusted)  // every entry compared: no early exit on a match
    found |= t.size() == blob.size() && CRYPTO_memcmp(t.data(), blob.data(), blob.size()) == 0;
  return found;
}

bool source_allowed(std::string_view list, std::string_view peer) {
  while (!list.empty()) {
    auto comma = list.find(',');
    auto network = list.substr(0, comma);
    if (network_contains(network, peer)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

std::string sha256_fingerprint(std::string_view blob) {
  unsigned char digest[32];
  unsigned int size = 0;
  EVP_Digest(blob.data(), blob.size(), digest, &size, EVP_sha256(), nullptr);
  auto text = base64_encode(std::string_view(reinterpret_cast<char*>(digest), size));
  while (!text.empty() && text.back() == '=') text.pop_back();
  return "SHA256:" + text;
}

bool revoked(const certificate& c, const std::vector<std::string>& lines) {
  auto key_blob = c.plain_key_blob();
  auto fingerprint = sha256_fingerprint(key_blob);
  for (std::string_view line : lines) {
    if (line.starts_with("serial ")) {
      auto digits = line.substr(7);
      std::uint64_t serial = 0;
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), serial);
      if (ec == std::errc() && end == digits.data() + digits.size() && serial == c.serial)
        return true;
    } else if (line.starts_with("SHA256:")) {
      if (line == fingerprint) return true;
    } else if (key_blob_of_line(line) == key_blob) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::string key_blob_of_line(std::string_view line) {
  if (!config::check_public_key(line).empty()) return {};
  auto space = line.find_first_of(" \t");
  auto rest = line.substr(space + 1);
  rest.remove_prefix(std::min(rest.find_first_not_of(" \t"), rest.size()));
  auto data = rest.substr(0, rest.find_first_of(" \t"));
  auto blob = config::decode_base64(data, true);
  return blob ? *blob : std::string();
}

person_certificate_result check_person_certificate(std::string_view blob,
                                                   const person_certificate_terms& terms) {
  auto parsed = parse_certificate(blob);
  if (auto* error = std::get_if<std::string>(&parsed)) return *error;
  const auto& c = std::get<certificate>(parsed);
  if (c.type != user_certificate) return std::string("not a user certificate");
  if (!trusted_ca(c.signature_key, terms.trusted_ca_blobs))
    return std::string("certificate signed by an untrusted CA");
  auto signature = verify_signature(c.signature_key, c.signature, blob.substr(0, c.signed_size));
  if (signature != signature_result::valid)
    return "certificate signature: " + std::string(to_string(signature));
  if (terms.now < c.valid_after) return std::string("certificate not yet valid");
  if (terms.now >= c.valid_before) return std::string("certificate expired");
  bool named = false;
  for (const auto& p : c.principals) named |= p == terms.person;
  if (!named) return std::string("certificate not issued for this person");
  for (const auto& [name, value] : c.critical_options) {
    if (name != source_address_option) return "unknown critical option " + name;
    if (!source_allowed(value, terms.peer_address))
      return std::string("certificate not valid from this address");
  }
  if (terms.revoked != nullptr && revoked(c, *terms.revoked))
    return std::string("certificate revoked");
  auto key_blob = c.plain_key_blob();
  return accepted_certificate{c.key_id, c.serial, key_blob, sha256_fingerprint(key_blob)};
}

}  // namespace gatehouse::certs
