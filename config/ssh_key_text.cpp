#include "config/ssh_key_text.hpp"

#include <array>
#include <cstdint>
#include <vector>

#include "config/diagnostics.hpp"

namespace gatehouse::config {

namespace {
constexpr std::array<std::string_view, 7> supported_types = {"ssh-ed25519",
                                                             "ssh-rsa",
                                                             "ecdsa-sha2-nistp256",
                                                             "ecdsa-sha2-nistp384",
                                                             "ecdsa-sha2-nistp521",
                                                             "sk-ssh-ed25519@openssh.com",
                                                             "sk-ecdsa-sha2-nistp256@openssh.com"};

constexpr std::string_view fingerprint_prefix = "SHA256:";
constexpr std::size_t sha256_size = 32;

bool is_supported(std::string_view type) {
  for (auto t : supported_types) {
    if (t == type) return true;
  }
  return false;
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

// The SSH wire "string" at the start of a key blob: a 32-bit big-endian length, then bytes.
std::optional<std::string_view> blob_type(std::string_view blob) {
  if (blob.size() < 4) return std::nullopt;
  std::uint32_t length = 0;
  for (int i = 0; i < 4; ++i) length = (length << 8) | static_cast<unsigned char>(blob[i]);
  if (length > blob.size() - 4) return std::nullopt;
  return blob.substr(4, length);
}
}  // namespace

std::optional<std::string> decode_base64(std::string_view text, bool padded) {
  std::size_t padding = 0;
  if (padded) {
    if (text.size() % 4 != 0) return std::nullopt;
    while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=')
      ++padding;
    text.remove_suffix(padding);
  } else if (text.size() % 4 == 1) {
    return std::nullopt;
  }
  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t bits = 0;
  int bit_count = 0;
  for (char c : text) {
    int v = base64_value(c);
    if (v < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<std::uint32_t>(v);
    bit_count += 6;
    if (bit_count >= 8) {
      bit_count -= 8;
      out.push_back(static_cast<char>((bits >> bit_count) & 0xff));
    }
  }
  // The bits left over must be zero, or two encodings would decode to the same bytes.
  if ((bits & ((1u << bit_count) - 1)) != 0) return std::nullopt;
  return out;
}

std::string check_public_key(std::string_view line) {
  auto fields = split_fields(line);
  if (fields.size() < 2) return "expected 'TYPE BASE64 [COMMENT]'";
  if (!is_supported(fields[0])) {
    if (is_supported(fields[1]) || (fields.size() > 2 && is_supported(fields[2])))
      return "authorized_keys options are not supported; expected 'TYPE BASE64 [COMMENT]'";
    return "unsupported key type " + quote(fields[0]);
  }
  auto blob = decode_base64(fields[1], true);
  if (!blob) return "key data is not valid base64";
  auto type = blob_type(*blob);
  if (!type) return "key data is truncated";
  if (*type != fields[0]) return "key data is for " + quote(*type) + ", not " + quote(fields[0]);
  return "";
}

std::string check_host_key(std::string_view text) {
  if (text.starts_with(fingerprint_prefix)) {
    auto digest = decode_base64(text.substr(fingerprint_prefix.size()), false);
    if (!digest || digest->size() != sha256_size)
      return "a SHA256 fingerprint is 'SHA256:' and 43 characters of unpadded base64";
    return "";
  }
  return check_public_key(text);
}

}  // namespace gatehouse::config
