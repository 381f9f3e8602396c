#include "proxy/ssh/host_keys.hpp"

#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "proxy/ssh/algorithms.hpp"

namespace gatehouse::proxy::ssh {

namespace {

// The modulus size of an RSA key, from its public blob: string "ssh-rsa", mpint e, mpint n.
int rsa_bits(ssh_key key) {
  char* base64 = nullptr;
  if (ssh_pki_export_pubkey_base64(key, &base64) != SSH_OK || base64 == nullptr) return 0;
  std::string text(base64);
  ssh_string_free_char(base64);
  std::vector<unsigned char> blob(text.size());
  int n = EVP_DecodeBlock(blob.data(), reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return 0;
  for (auto it = text.rbegin(); it != text.rend() && *it == '='; ++it) --n;
  const unsigned char* p = blob.data();
  std::size_t len = static_cast<std::size_t>(n), at = 0;
  auto field = [&](std::size_t& size) {
    if (at + 4 > len) return false;
    size = (std::size_t{p[at]} << 24) | (std::size_t{p[at + 1]} << 16) |
           (std::size_t{p[at + 2]} << 8) | p[at + 3];
    at += 4;
    if (at + size > len) return false;
    return true;
  };
  int bits = 0;
  std::size_t size = 0;
  if (field(size) && (at += size, field(size)) && (at += size, field(size))) {
    std::size_t i = at;
    while (i < at + size && p[i] == 0) ++i;  // mpint sign padding
    if (i < at + size) {
      bits = static_cast<int>((at + size - i - 1) * 8);
      for (unsigned v = p[i]; v != 0; v >>= 1) ++bits;
    }
  }
  return bits;
}

}  // namespace

loaded_host_keys load_host_keys(const std::vector<std::string>& paths) {
  loaded_host_keys out;
  if (paths.empty()) out.problems.push_back("no host keys configured (listen.ssh.host_keys)");
  bool have_ed25519 = false, have_rsa = false;
  for (const auto& path : paths) {
    std::ifstream probe(path);
    if (!probe) {
      out.problems.push_back("host key " + path + ": cannot read: " + std::strerror(errno));
      continue;
    }
    ssh_key raw = nullptr;
    if (ssh_pki_import_privkey_file(path.c_str(), nullptr, nullptr, nullptr, &raw) != SSH_OK) {
      out.problems.push_back("host key " + path + ": not a private key libssh can load");
      continue;
    }
    unique_key key(raw);
    switch (ssh_key_type(raw)) {
      case SSH_KEYTYPE_ED25519:
        if (have_ed25519) {
          out.problems.push_back("host key " + path + ": a second ed25519 key");
          continue;
        }
        have_ed25519 = true;
        break;
      case SSH_KEYTYPE_RSA:
        if (rsa_bits(raw) < min_rsa_bits) {
          out.problems.push_back("host key " + path + ": RSA keys need at least " +
                                 std::to_string(min_rsa_bits) + " bits");
          continue;
        }
        if (have_rsa) {
          out.problems.push_back("host key " + path + ": a second RSA key");
          continue;
        }
        have_rsa = true;
        break;
      default:
        out.problems.push_back("host key " + path + ": only ed25519 and RSA host keys are used");
        continue;
    }
    out.keys.push_back(std::move(key));
  }
  return out;
}

std::vector<std::string> check_host_keys(const std::vector<std::string>& paths) {
  return load_host_keys(paths).problems;
}

}  // namespace gatehouse::proxy::ssh
