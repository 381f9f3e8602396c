#include "certs/signature_check.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <memory>
#include <string>

#include "certs/ssh_wire.hpp"

namespace gatehouse::certs {

namespace {

struct evp_key_free {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using evp_key = std::unique_ptr<EVP_PKEY, evp_key_free>;
constexpr int min_rsa_bits = 2048;

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// A key made from OSSL_PARAMs (EC point, RSA n/e) through EVP_PKEY_fromdata.
evp_key key_from_params(const char* algorithm, OSSL_PARAM_BLD* build) {
  std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(OSSL_PARAM_BLD_to_param(build),
                                                                 &OSSL_PARAM_free);
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, algorithm, nullptr), &EVP_PKEY_CTX_free);
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
    return nullptr;
  return evp_key(key);
}

evp_key ec_key(std::string_view group, std::string_view point) {
  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> b(OSSL_PARAM_BLD_new(),
                                                                    &OSSL_PARAM_BLD_free);
  std::string name(group);
  if (!b ||
      OSSL_PARAM_BLD_push_utf8_string(b.get(), OSSL_PKEY_PARAM_GROUP_NAME, name.c_str(), 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(b.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1)
    return nullptr;
  return key_from_params("EC", b.get());
}

evp_key rsa_key(std::string_view e, std::string_view n) {
  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> b(OSSL_PARAM_BLD_new(),
                                                                    &OSSL_PARAM_BLD_free);
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn_e(BN_bin2bn(bytes(e), int(e.size()), nullptr),
                                                   &BN_free);
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn_n(BN_bin2bn(bytes(n), int(n.size()), nullptr),
                                                   &BN_free);
  if (!b || !bn_e || !bn_n ||
      OSSL_PARAM_BLD_push_BN(b.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(b.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1)
    return nullptr;
  return key_from_params("RSA", b.get());
}

bool digest_verify(EVP_PKEY* key, const EVP_MD* md, std::string_view signature,
                   std::string_view data) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) == 1 &&
         EVP_DigestVerify(ctx.get(), bytes(signature), signature.size(), bytes(data),
                          data.size()) == 1;
}

// ECDSA's SSH signature (mpint r, mpint s) as the DER that OpenSSL verifies.
std::string ecdsa_der(std::string_view ssh_signature) {
  wire_reader r(ssh_signature);
  auto rr = r.mpint();
  auto ss = r.mpint();
  if (!rr || !ss || !r.at_end()) return {};
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* br = BN_bin2bn(bytes(*rr), int(rr->size()), nullptr);
  BIGNUM* bs = BN_bin2bn(bytes(*ss), int(ss->size()), nullptr);
  std::string der;
  if (sig && br && bs && ECDSA_SIG_set0(sig, br, bs) == 1) {
    br = bs = nullptr;  // owned by sig now
    unsigned char* out = nullptr;
    int n = i2d_ECDSA_SIG(sig, &out);
    if (n > 0) der.assign(reinterpret_cast<char*>(out), std::size_t(n));
    OPENSSL_free(out);
  }
  BN_free(br);
  BN_free(bs);
  ECDSA_SIG_free(sig);
  return der;
}

struct ecdsa_curve {
  std::string_view key_type, curve, group;
  const EVP_MD* (*md)();
};
constexpr ecdsa_curve curves[] = {{"ecdsa-sha2-nistp256", "nistp256", "P-256", &EVP_sha256},
                                  {"ecdsa-sha2-nistp384", "nistp384", "P-384", &EVP_sha384},
                                  {"ecdsa-sha2-nistp521", "nistp521", "P-521", &EVP_sha512}};

}  // namespace

std::string_view to_string(signature_result r) {
  switch (r) {
    case signature_result::valid: return "valid";
    case signature_result::invalid: return "incorrect signature";
    case signature_result::unsupported: return "unsupported signature algorithm";
    case signature_result::sha1: return "ssh-rsa (SHA-1) signature";
  }
  return "?";
}

signature_result verify_signature(std::string_view key_blob, std::string_view signature_blob,
                                  std::string_view data) {
  wire_reader key(key_blob);
  wire_reader sig(signature_blob);
  auto key_type = key.string();
  auto sig_type = sig.string();
  auto sig_bytes = sig.string();
  if (!key_type || !sig_type || !sig_bytes || !sig.at_end()) return signature_result::invalid;
  if (*key_type == "ssh-ed25519") {
    auto pk = key.string();
    if (!pk || !key.at_end() || pk->size() != 32 || *sig_type != "ssh-ed25519")
      return signature_result::invalid;
    evp_key k(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, bytes(*pk), pk->size()));
    return k && digest_verify(k.get(), nullptr, *sig_bytes, data) ? signature_result::valid
                                                                  : signature_result::invalid;
  }
  for (const auto& c : curves) {
    if (*key_type != c.key_type) continue;
    auto curve = key.string();
    auto point = key.string();
    if (!curve || !point || !key.at_end() || *curve != c.curve || *sig_type != c.key_type)
      return signature_result::invalid;
    evp_key k = ec_key(c.group, *point);
    auto der = ecdsa_der(*sig_bytes);
    return k && !der.empty() && digest_verify(k.get(), c.md(), der, data)
               ? signature_result::valid
               : signature_result::invalid;
  }
  if (*key_type == "ssh-rsa") {
    auto e = key.mpint();
    auto n = key.mpint();
    if (!e || !n || !key.at_end()) return signature_result::invalid;
    if (*sig_type == "ssh-rsa") return signature_result::sha1;
    const EVP_MD* md = *sig_type == "rsa-sha2-256"   ? EVP_sha256()
                       : *sig_type == "rsa-sha2-512" ? EVP_sha512()
                                                     : nullptr;
    if (md == nullptr) return signature_result::unsupported;
    evp_key k = rsa_key(*e, *n);
    if (!k) return signature_result::invalid;
    if (EVP_PKEY_get_bits(k.get()) < min_rsa_bits) return signature_result::unsupported;
    // A signature may come without its leading zero bytes; OpenSSL wants the modulus size.
    auto size = std::size_t(EVP_PKEY_get_size(k.get()));
    if (sig_bytes->size() > size) return signature_result::invalid;
    std::string padded(size - sig_bytes->size(), '\0');
    padded.append(*sig_bytes);
    return digest_verify(k.get(), md, padded, data) ? signature_result::valid
                                                    : signature_result::invalid;
  }
  return signature_result::unsupported;
}

}  // namespace gatehouse::certs
