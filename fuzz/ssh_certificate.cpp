// Fuzz harness: an OpenSSH certificate blob as a person's client offers it to the gate
// (certs::parse_certificate, then certs::check_person_certificate trusting the certificate's
// own CA, so the signature check and everything after it run on fuzzed keys and signatures),
// and, when the first byte is '-', an OpenSSH private key file (certs::parse_openssh_ed25519,
// the ssh.ca_key reader).
//
// Contract checked: parsing never reads out of bounds (ASan) and a parsed certificate's signed
// part ends before the input does; its options and extensions are in strictly increasing
// order; its plain key blob names the plain type. An accepted certificate has a valid
// signature; the same certificate with any one byte of its signed part changed is refused.
// A parsed key file yields a 32-byte seed and public key, or a reason, never both.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "certs/certificate.hpp"
#include "certs/certificate_authority.hpp"
#include "certs/person_certificate.hpp"
#include "certs/signature_check.hpp"
#include "certs/ssh_wire.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace gatehouse;

namespace {

void key_file(std::string_view text) {
  certs::ed25519_private parsed;
  certs::parse_openssh_ed25519(text, parsed);
  bool ok = parsed.problem.empty();
  fuzz::require(ok == (parsed.seed.size() == 32 && parsed.public_key.size() == 32),
                "a key file gives a seed and a public key, or a reason");
}

bool sorted(const certs::named_values& values) {
  for (std::size_t i = 1; i < values.size(); ++i)
    if (!(values[i - 1].first < values[i].first)) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view blob(reinterpret_cast<const char*>(data), size);
  if (!blob.empty() && blob.front() == '-') {
    key_file(blob);
    return 0;
  }
  auto parsed = certs::parse_certificate(blob);
  auto* c = std::get_if<certs::certificate>(&parsed);
  if (c == nullptr) {
    fuzz::require(!std::get<std::string>(parsed).empty(), "a refusal says why");
    return 0;
  }
  fuzz::require(c->signed_size > 0 && c->signed_size < blob.size(),
                "the signed part ends before the signature");
  fuzz::require(sorted(c->critical_options) && sorted(c->extensions),
                "options and extensions in increasing order");
  const std::string plain_blob = c->plain_key_blob();  // the reader only views it
  certs::wire_reader key(plain_blob);
  auto plain = key.string();
  fuzz::require(plain && *plain == certs::plain_type_of(c->key_type), "the plain key's type");

  certs::person_certificate_terms terms;
  terms.trusted_ca_blobs = {c->signature_key};
  terms.person = c->principals.empty() ? "alice" : c->principals.front();
  terms.peer_address = "127.0.0.1";
  terms.now = c->valid_after;
  auto result = certs::check_person_certificate(blob, terms);
  if (!std::holds_alternative<certs::accepted_certificate>(result)) return 0;
  fuzz::require(
      certs::verify_signature(c->signature_key, c->signature, blob.substr(0, c->signed_size)) ==
          certs::signature_result::valid,
      "an accepted certificate has a valid signature");
  std::string changed(blob);
  std::size_t at = (c->serial + c->valid_before) % c->signed_size;
  changed[at] = static_cast<char>(changed[at] ^ 0x01);
  fuzz::require(!std::holds_alternative<certs::accepted_certificate>(
                    certs::check_person_certificate(changed, terms)),
                "one changed byte of the signed part is refused", std::to_string(at));
  return 0;
}
