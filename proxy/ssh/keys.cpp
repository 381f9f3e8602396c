#include "proxy/ssh/keys.hpp"

#include <memory>

#include "config/ssh_key_text.hpp"
#include "proxy/ssh/algorithms.hpp"

namespace gatehouse::proxy::ssh {

namespace {

struct key_deleter {
  void operator()(ssh_key k) const { ssh_key_free(k); }
};
using key_ptr = std::unique_ptr<std::remove_pointer_t<ssh_key>, key_deleter>;

// "TYPE BASE64 [COMMENT]" -> (type, base64)
bool split_key_line(std::string_view line, std::string& type, std::string& base64) {
  auto skip_space = [&](std::size_t i) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    return i;
  };
  std::size_t i = skip_space(0);
  std::size_t j = line.find_first_of(" \t", i);
  if (j == std::string_view::npos) return false;
  type = std::string(line.substr(i, j - i));
  i = skip_space(j);
  j = line.find_first_of(" \t", i);
  base64 = std::string(line.substr(i, j == std::string_view::npos ? j : j - i));
  return !type.empty() && !base64.empty();
}

key_ptr import_key_line(std::string_view line) {
  std::string type, base64;
  if (!split_key_line(line, type, base64)) return nullptr;
  auto kind = ssh_key_type_from_name(type.c_str());
  if (kind == SSH_KEYTYPE_UNKNOWN) return nullptr;
  ssh_key key = nullptr;
  if (ssh_pki_import_pubkey_base64(base64.c_str(), kind, &key) != SSH_OK) return nullptr;
  return key_ptr(key);
}

}  // namespace

std::string fingerprint_sha256(ssh_key key) {
  unsigned char* hash = nullptr;
  size_t len = 0;
  if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &len) != SSH_OK) return {};
  char* text = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, len);
  ssh_clean_pubkey_hash(&hash);
  if (text == nullptr) return {};
  std::string out(text);
  ssh_string_free_char(text);
  return out;
}

bool is_certificate(ssh_key key) {
  if (key == nullptr) return false;
  const char* type = ssh_key_type_to_char(ssh_key_type(key));
  return type != nullptr && std::string_view(type).ends_with("-cert-v01@openssh.com");
}

std::string certificate_blob(ssh_key key) {
  if (!is_certificate(key)) return {};
  char* text = nullptr;
  if (ssh_pki_export_pubkey_base64(key, &text) != SSH_OK || text == nullptr) return {};
  auto blob = config::decode_base64(text, true);
  ssh_string_free_char(text);
  return blob ? *blob : std::string();
}

bool key_in_list(ssh_key presented, const std::vector<std::string>& authorized_lines) {
  if (presented == nullptr) return false;
  for (const auto& line : authorized_lines) {
    auto key = import_key_line(line);
    if (key && ssh_key_cmp(key.get(), presented, SSH_KEY_CMP_PUBLIC) == 0) return true;
  }
  return false;
}

pin_result check_host_key_pin(ssh_key presented, std::string_view pin) {
  if (presented == nullptr) return pin_result::mismatch;
  if (pin.starts_with("SHA256:")) {
    auto actual = fingerprint_sha256(presented);
    if (actual.empty()) return pin_result::mismatch;
    return actual == pin ? pin_result::match : pin_result::mismatch;
  }
  auto pinned = import_key_line(pin);
  if (!pinned) return pin_result::bad_pin;
  return ssh_key_cmp(pinned.get(), presented, SSH_KEY_CMP_PUBLIC) == 0 ? pin_result::match
                                                                       : pin_result::mismatch;
}

std::string host_key_algorithms_for_pin(std::string_view pin) {
  if (pin.starts_with("SHA256:")) return std::string(upstream_host_key_algorithms);
  auto type = pin.substr(0, pin.find_first_of(" \t"));
  if (type == "ssh-rsa") return "rsa-sha2-512,rsa-sha2-256";
  return std::string(type);
}

}  // namespace gatehouse::proxy::ssh
