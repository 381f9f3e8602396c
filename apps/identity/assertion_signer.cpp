// assertion_signer (assertion_signer.hpp): the Ed25519 key behind gated web apps' assertions,
// JWS signing with OpenSSL 3's one-shot EVP_DigestSign, and the JWKS.
#include "apps/identity/assertion_signer.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "approval/secrets.hpp"
#include "core/json_text.hpp"

namespace gatehouse::apps {

namespace {
constexpr std::uintmax_t most_key_file_bytes = 16 * 1024;  // a PEM Ed25519 key is 119 bytes
constexpr std::size_t jti_bytes = 16;
constexpr std::string_view make_one = " (make one: openssl genpkey -algorithm ed25519 -out FILE)";

struct pkey_free {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;

// Never prompt on a terminal for a passphrase: an encrypted key is refused.
int no_passphrase(char*, int, int, void*) { return -1; }

std::int64_t epoch_seconds(time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::string b64(std::string_view bytes) { return approval::base64url(bytes); }

// The key file's text, or why it cannot be read.
std::variant<std::string, std::string> read_key_text(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  auto status = fs::status(path, ec);
  if (ec) return std::variant<std::string, std::string>(std::in_place_index<1>, ec.message());
  if (!fs::is_regular_file(status))
    return std::variant<std::string, std::string>(std::in_place_index<1>, "is not a file");
  auto size = fs::file_size(path, ec);
  if (ec || size > most_key_file_bytes)
    return std::variant<std::string, std::string>(std::in_place_index<1>,
                                                  "is too large for an Ed25519 key");
  std::ifstream in(path, std::ios::binary);
  std::string text(static_cast<std::size_t>(size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (!in) return std::variant<std::string, std::string>(std::in_place_index<1>, "cannot be read");
  return std::variant<std::string, std::string>(std::in_place_index<0>, std::move(text));
}
}  // namespace

struct assertion_signer::key {
  pkey_ptr pkey;
};

time_point assertion_expiry(time_point now, std::optional<time_point> grant_end) {
  time_point end = now + assertion_lifetime;
  return grant_end ? std::min(end, *grant_end) : end;
}

std::variant<std::unique_ptr<assertion_signer>, std::string> assertion_signer::load(
    const std::string& key_file) {
  auto fail = [&](std::string_view why) {
    return std::variant<std::unique_ptr<assertion_signer>, std::string>(
        "assertion key " + key_file + ": " + std::string(why));
  };
  auto text = read_key_text(key_file);
  if (text.index() == 1) return fail(std::get<1>(text));
  const auto& pem = std::get<0>(text);
  if (pem.find("ENCRYPTED") != std::string::npos)
    return fail("is encrypted; the daemon needs it unencrypted (chmod 0600)");
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), int(pem.size())),
                                                BIO_free);
  if (!bio) return fail("out of memory");
  pkey_ptr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!pkey) return fail(std::string("is not a PEM private key") + std::string(make_one));
  if (EVP_PKEY_get_id(pkey.get()) != EVP_PKEY_ED25519)
    return fail(std::string("holds a ") + EVP_PKEY_get0_type_name(pkey.get()) +
                " key, not Ed25519" + std::string(make_one));
  return std::unique_ptr<assertion_signer>(
      new assertion_signer(std::make_unique<key>(key{std::move(pkey)})));
}

std::unique_ptr<assertion_signer> assertion_signer::generate() {
  pkey_ptr pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!pkey) throw std::runtime_error("cannot generate an Ed25519 key");
  return std::unique_ptr<assertion_signer>(
      new assertion_signer(std::make_unique<key>(key{std::move(pkey)})));
}

assertion_signer::assertion_signer(std::unique_ptr<key> k) : key_(std::move(k)) {
  unsigned char raw[32];
  std::size_t raw_size = sizeof raw;
  if (EVP_PKEY_get_raw_public_key(key_->pkey.get(), raw, &raw_size) != 1 || raw_size != 32)
    throw std::runtime_error("cannot read the Ed25519 public key");
  const std::string x = b64(std::string_view(reinterpret_cast<const char*>(raw), raw_size));
  // RFC 7638: the required members in lexicographic order, no white space.
  const std::string canonical = R"({"crv":"Ed25519","kty":"OKP","x":")" + x + "\"}";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned digest_size = 0;
  if (EVP_Digest(canonical.data(), canonical.size(), digest, &digest_size, EVP_sha256(), nullptr) !=
      1)
    throw std::runtime_error("SHA-256 failed");
  kid_ = b64(std::string_view(reinterpret_cast<const char*>(digest), digest_size));

  boost::json::object jwk{{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", x},
                          {"kid", kid_},  {"alg", "EdDSA"},   {"use", "sig"}};
  boost::json::object set;
  set["keys"] = boost::json::array{std::move(jwk)};
  jwks_ = json_serialize(set);
  header_ =
      b64(json_serialize(boost::json::object{{"alg", "EdDSA"}, {"kid", kid_}, {"typ", "JWT"}}));
}

assertion_signer::~assertion_signer() = default;

std::string assertion_signer::sign(const assertion_claims& c) const {
  boost::json::object payload{
      {"iss", c.issuer}, {"aud", c.audience}, {"sub", c.subject}, {"email", c.email}};
  if (c.grant_id) payload["grant_id"] = *c.grant_id;
  payload["iat"] = epoch_seconds(c.issued);
  payload["exp"] = epoch_seconds(c.expires);
  payload["jti"] = approval::random_base64url(jti_bytes);
  std::string signing_input = header_ + "." + b64(json_serialize(payload));

  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  unsigned char signature[64];
  std::size_t signature_size = sizeof signature;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_->pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), signature, &signature_size,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1)
    throw std::runtime_error("Ed25519 signing failed");
  return signing_input + "." +
         b64(std::string_view(reinterpret_cast<const char*>(signature), signature_size));
}

}  // namespace gatehouse::apps
