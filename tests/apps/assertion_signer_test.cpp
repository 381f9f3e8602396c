// The assertion signer as an app would check it: every token is verified here with OpenSSL's
// EVP_DigestVerify against the public key taken from the JWKS, its kid recomputed from that key
// (RFC 7638), its claims read back; a token changed anywhere fails. Key files are real PEM
// files written with OpenSSL.
#include "apps/identity/assertion_signer.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/json_text.hpp"
#include "storage_backends.hpp"

namespace gatehouse::apps {
namespace {

using namespace std::chrono_literals;

// The test's own base64url (not the code under test's).
std::string b64url_encode(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), int(bytes.size()));
  out.resize(std::size_t(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (auto& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

std::string b64url_decode(std::string text) {
  for (auto& c : text) c = c == '-' ? '+' : c == '_' ? '/' : c;
  std::size_t pad = (4 - text.size() % 4) % 4;
  text.append(pad, '=');
  std::string out(text.size(), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()), int(text.size()));
  if (n < 0) return {};
  out.resize(std::size_t(n) - pad);
  return out;
}

std::vector<std::string> split(const std::string& token) {
  std::vector<std::string> parts(1);
  for (char c : token) {
    if (c == '.')
      parts.emplace_back();
    else
      parts.back().push_back(c);
  }
  return parts;
}

boost::json::object parse_object(const std::string& text) {
  std::error_code ec;
  auto v = json_parse_text(text, ec);
  EXPECT_FALSE(ec) << text;
  return v.is_object() ? v.as_object() : boost::json::object{};
}

struct pkey_free {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;

// The JWKS's one key, as an app would import it.
pkey_ptr jwks_key(const assertion_signer& s, std::string* kid = nullptr) {
  auto set = parse_object(s.jwks());
  const auto& key = set.at("keys").as_array().at(0).as_object();
  EXPECT_EQ(key.at("kty").as_string(), "OKP");
  EXPECT_EQ(key.at("crv").as_string(), "Ed25519");
  EXPECT_EQ(key.at("alg").as_string(), "EdDSA");
  EXPECT_EQ(key.at("use").as_string(), "sig");
  if (kid) *kid = std::string(key.at("kid").as_string());
  auto x = b64url_decode(std::string(key.at("x").as_string()));
  EXPECT_EQ(x.size(), 32u);
  return pkey_ptr(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(x.data()), x.size()));
}

bool verifies(EVP_PKEY* key, const std::string& token) {
  auto parts = split(token);
  if (parts.size() != 3) return false;
  auto input = parts[0] + "." + parts[1];
  auto signature = b64url_decode(parts[2]);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  return EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(input.data()),
                          input.size()) == 1;
}

assertion_claims sample_claims(time_point now) {
  return {"https://gate.example",
          "https://grafana.apps.gate.example",
          "alice",
          "alice@example.com",
          42,
          now,
          assertion_expiry(now, now + 1h)};
}

const time_point at = time_point(std::chrono::seconds(1'800'000'000)) + 250ms;

TEST(AssertionSigner, ATokenVerifiesWithTheKeyFromTheJwks) {
  auto signer = assertion_signer::generate();
  auto token = signer->sign(sample_claims(at));
  auto key = jwks_key(*signer);
  ASSERT_TRUE(key);
  EXPECT_TRUE(verifies(key.get(), token));
}

TEST(AssertionSigner, TheKidIsTheRfc7638ThumbprintOfTheKey) {
  auto signer = assertion_signer::generate();
  std::string kid;
  auto key = jwks_key(*signer, &kid);
  auto x = b64url_encode(b64url_decode(
      std::string(parse_object(signer->jwks()).at("keys").as_array().at(0).at("x").as_string())));
  std::string canonical = "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"" + x + "\"}";
  unsigned char digest[32];
  unsigned n = 0;
  ASSERT_EQ(EVP_Digest(canonical.data(), canonical.size(), digest, &n, EVP_sha256(), nullptr), 1);
  EXPECT_EQ(kid, b64url_encode(std::string(reinterpret_cast<char*>(digest), n)));
  EXPECT_EQ(kid.size(), 43u);

  auto header = parse_object(b64url_decode(split(signer->sign(sample_claims(at)))[0]));
  EXPECT_EQ(header.at("alg").as_string(), "EdDSA");
  EXPECT_EQ(header.at("typ").as_string(), "JWT");
  EXPECT_EQ(header.at("kid").as_string(), kid);
}

TEST(AssertionSigner, TheClaimsAreThoseAskedFor) {
  auto signer = assertion_signer::generate();
  auto payload = parse_object(b64url_decode(split(signer->sign(sample_claims(at)))[1]));
  EXPECT_EQ(payload.at("iss").as_string(), "https://gate.example");
  EXPECT_EQ(payload.at("aud").as_string(), "https://grafana.apps.gate.example");
  EXPECT_EQ(payload.at("sub").as_string(), "alice");
  EXPECT_EQ(payload.at("email").as_string(), "alice@example.com");
  EXPECT_EQ(payload.at("grant_id").as_int64(), 42);
  EXPECT_EQ(payload.at("iat").as_int64(), 1'800'000'000);  // whole seconds
  EXPECT_EQ(payload.at("exp").as_int64(), 1'800'000'000 + 300);
  EXPECT_GE(payload.at("jti").as_string().size(), 22u);
}

TEST(AssertionSigner, NoGrantIdUnderAnAllowRuleAndEveryJtiIsNew) {
  auto signer = assertion_signer::generate();
  auto c = sample_claims(at);
  c.grant_id.reset();
  auto a = parse_object(b64url_decode(split(signer->sign(c))[1]));
  auto b = parse_object(b64url_decode(split(signer->sign(c))[1]));
  EXPECT_FALSE(a.contains("grant_id"));
  EXPECT_NE(a.at("jti").as_string(), b.at("jti").as_string());
}

TEST(AssertionSigner, ExpiryIsFiveMinutesButNeverPastTheGrant) {
  EXPECT_EQ(assertion_expiry(at, std::nullopt), at + 5min);
  EXPECT_EQ(assertion_expiry(at, at + 1h), at + 5min);
  EXPECT_EQ(assertion_expiry(at, at + 90s), at + 90s);
}

TEST(AssertionSigner, AChangedTokenFails) {
  auto signer = assertion_signer::generate();
  auto key = jwks_key(*signer);
  auto token = signer->sign(sample_claims(at));
  auto parts = split(token);
  auto payload = b64url_decode(parts[1]);
  auto where = payload.find("alice");
  ASSERT_NE(where, std::string::npos);
  payload.replace(where, 5, "mallo");
  EXPECT_FALSE(verifies(key.get(), parts[0] + "." + b64url_encode(payload) + "." + parts[2]));
  auto signature = parts[2];
  signature[5] = signature[5] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(verifies(key.get(), parts[0] + "." + parts[1] + "." + signature));
  auto other = assertion_signer::generate();
  EXPECT_FALSE(verifies(jwks_key(*other).get(), token));  // another gate's key
  EXPECT_TRUE(verifies(key.get(), token));
}

// Key files, as written by `openssl genpkey` (PKCS#8 PEM).
class AssertionKeyFile : public ::testing::Test {
 protected:
  std::string write(EVP_PKEY* key, const std::string& name, bool encrypted = false) {
    auto path = (dir_.path() / name).string();
    FILE* f = std::fopen(path.c_str(), "w");
    EXPECT_NE(f, nullptr);
    char pass[] = "secret";
    EXPECT_EQ(
        PEM_write_PKCS8PrivateKey(f, key, encrypted ? EVP_aes_256_cbc() : nullptr,
                                  encrypted ? pass : nullptr, encrypted ? 6 : 0, nullptr, nullptr),
        1);
    std::fclose(f);
    return path;
  }
  storage::testing::temp_dir dir_;
};

TEST_F(AssertionKeyFile, ALoadedKeySignsWhatItsPublicKeyVerifies) {
  pkey_ptr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  auto path = write(key.get(), "assertion.pem");
  auto loaded = assertion_signer::load(path);
  ASSERT_EQ(loaded.index(), 0u) << std::get<1>(loaded);
  auto& signer = *std::get<0>(loaded);
  EXPECT_TRUE(verifies(key.get(), signer.sign(sample_claims(at))));
  auto again = assertion_signer::load(path);
  ASSERT_EQ(again.index(), 0u);
  EXPECT_EQ(std::get<0>(again)->key_id(), signer.key_id());  // a restart keeps the kid
  EXPECT_EQ(std::get<0>(again)->jwks(), signer.jwks());
}

TEST_F(AssertionKeyFile, UnusableFilesAreRefusedWithTheReason) {
  auto reason = [](const std::string& path) {
    auto loaded = assertion_signer::load(path);
    return loaded.index() == 1 ? std::get<1>(loaded) : std::string("loaded");
  };
  auto missing = (dir_.path() / "missing.pem").string();
  EXPECT_NE(reason(missing).find("No such file"), std::string::npos) << reason(missing);
  EXPECT_NE(reason(missing).find(missing), std::string::npos);

  auto garbage = (dir_.path() / "garbage.pem").string();
  std::ofstream(garbage) << "not a key\n";
  EXPECT_NE(reason(garbage).find("not a PEM private key"), std::string::npos) << reason(garbage);

  pkey_ptr rsa(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t(2048)));
  auto rsa_path = write(rsa.get(), "rsa.pem");
  EXPECT_NE(reason(rsa_path).find("RSA key, not Ed25519"), std::string::npos) << reason(rsa_path);

  pkey_ptr ed(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  auto encrypted = write(ed.get(), "encrypted.pem", true);
  EXPECT_NE(reason(encrypted).find("encrypted"), std::string::npos) << reason(encrypted);

  EXPECT_NE(reason(dir_.path().string()).find("not a file"), std::string::npos);
}

}  // namespace
}  // namespace gatehouse::apps
