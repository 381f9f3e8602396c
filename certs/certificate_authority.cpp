#include "certs/certificate_authority.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <fstream>
#include <sstream>

#include "certs/ssh_wire.hpp"
#include "config/ssh_key_text.hpp"

namespace gatehouse::certs {

namespace {

constexpr std::string_view openssh_begin = "-----BEGIN OPENSSH PRIVATE KEY-----";
constexpr std::string_view openssh_end = "-----END OPENSSH PRIVATE KEY-----";
constexpr std::string_view openssh_magic{"openssh-key-v1\0", 15};
constexpr std::string_view ed25519_type = "ssh-ed25519";
constexpr std::string_view comment = "gatehouse-user-ca";

struct evp_key_free {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using evp_key = std::unique_ptr<EVP_PKEY, evp_key_free>;

// The file's bytes; cleansed by the caller's ed25519_private or here when unused.
bool read_text(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  out = s.str();
  return true;
}

std::string public_blob_of(std::string_view public_key) {
  wire_writer w;
  w.string(ed25519_type);
  w.string(public_key);
  return w.take();
}

// An OpenSSL Ed25519 key from a PKCS#8 PEM text: its seed and public key.
void parse_pem_ed25519(const std::string& text, ed25519_private& out) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(text.data(), int(text.size())),
                                                &BIO_free);
  evp_key key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_ED25519) {
    out.problem = "not an unencrypted Ed25519 private key";
    return;
  }
  std::size_t n = 32;
  out.seed.assign(32, '\0');
  out.public_key.assign(32, '\0');
  if (EVP_PKEY_get_raw_private_key(key.get(), reinterpret_cast<unsigned char*>(out.seed.data()),
                                   &n) != 1 ||
      n != 32 ||
      EVP_PKEY_get_raw_public_key(
          key.get(), reinterpret_cast<unsigned char*>(out.public_key.data()), &n) != 1 ||
      n != 32)
    out.problem = "the Ed25519 key cannot be read";
}

}  // namespace

ed25519_private::~ed25519_private() { OPENSSL_cleanse(seed.data(), seed.size()); }

void parse_openssh_ed25519(std::string_view text, ed25519_private& out) {
  auto begin = text.find(openssh_begin);
  auto end = text.find(openssh_end);
  if (begin == std::string_view::npos || end == std::string_view::npos || end < begin) {
    out.problem = "not an OpenSSH private key";
    return;
  }
  std::string body;
  for (char c : text.substr(begin + openssh_begin.size(), end - begin - openssh_begin.size()))
    if (c != '\n' && c != '\r' && c != ' ' && c != '\t') body.push_back(c);
  auto decoded = config::decode_base64(body, true);
  if (!decoded || !decoded->starts_with(openssh_magic)) {
    out.problem = "not an OpenSSH private key";
    return;
  }
  std::string bytes = std::move(*decoded);
  wire_reader r(std::string_view(bytes).substr(openssh_magic.size()));
  auto cipher = r.string();
  auto kdf = r.string();
  r.string();  // kdf options
  auto count = r.u32();
  auto public_blob = r.string();
  auto secret = r.string();
  if (r.failed() || count != 1u) {
    out.problem = "a malformed OpenSSH private key";
  } else if (*cipher != "none" || *kdf != "none") {
    out.problem = "the key is encrypted (make it with -N '')";
  } else {
    wire_reader s(*secret);
    auto check1 = s.u32();
    auto check2 = s.u32();
    auto type = s.string();
    auto pub = s.string();
    auto priv = s.string();
    if (s.failed() || check1 != check2) {
      out.problem = "a malformed OpenSSH private key";
    } else if (*type != ed25519_type) {
      out.problem = "the CA key must be Ed25519, not " + std::string(*type);
    } else if (pub->size() != 32 || priv->size() != 64 || priv->substr(32) != *pub ||
               public_blob_of(*pub) != *public_blob) {
      out.problem = "a malformed Ed25519 key";
    } else {
      out.seed.assign(priv->substr(0, 32));
      out.public_key.assign(*pub);
    }
  }
  OPENSSL_cleanse(bytes.data(), bytes.size());
}

struct certificate_authority::key_holder {
  evp_key key;
};

certificate_authority::certificate_authority() : key_(std::make_unique<key_holder>()) {}
certificate_authority::~certificate_authority() = default;

certificate_authority::loaded certificate_authority::load(const std::vector<std::string>& files) {
  if (files.empty()) return std::string("no CA key configured (ssh.ca_key)");
  std::shared_ptr<certificate_authority> ca(new certificate_authority());
  for (std::size_t i = 0; i < files.size(); ++i) {
    const auto& path = files[i];
    std::string text;
    if (!read_text(path, text)) return path + ": cannot be read";
    std::string_view trimmed(text);
    while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == '\r'))
      trimmed.remove_suffix(1);
    if (i > 0 && config::check_public_key(trimmed).empty()) {  // a previous CA's public key
      ca->trusted_lines_.emplace_back(trimmed);
      continue;
    }
    ed25519_private parsed;
    if (text.find(openssh_begin) != std::string::npos)
      parse_openssh_ed25519(text, parsed);
    else
      parse_pem_ed25519(text, parsed);
    OPENSSL_cleanse(text.data(), text.size());
    if (!parsed.problem.empty()) return path + ": " + parsed.problem;
    auto blob = public_blob_of(parsed.public_key);
    ca->trusted_lines_.push_back(std::string(ed25519_type) + " " + base64_encode(blob) + " " +
                                 std::string(comment));
    if (i > 0) continue;
    ca->key_->key.reset(EVP_PKEY_new_raw_private_key(
        EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(parsed.seed.data()),
        parsed.seed.size()));
    if (!ca->key_->key) return path + ": the Ed25519 key cannot be used";
    ca->public_blob_ = std::move(blob);
  }
  return std::shared_ptr<const certificate_authority>(std::move(ca));
}

std::string certificate_authority::sign(std::string_view data) const {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  unsigned char signature[64];
  std::size_t size = sizeof signature;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_->key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), signature, &size,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1)
    return {};
  wire_writer w;
  w.string(ed25519_type);
  w.string(std::string_view(reinterpret_cast<const char*>(signature), size));
  return w.take();
}

}  // namespace gatehouse::certs
