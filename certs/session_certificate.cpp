#include "certs/session_certificate.hpp"

#include <openssl/rand.h>

#include "certs/certificate_authority.hpp"
#include "certs/ssh_wire.hpp"

namespace gatehouse::certs {

namespace {
std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), int(n)) != 1) return {};
  return out;
}
}  // namespace

certificate session_certificate(std::string_view public_key, const session_certificate_terms& t) {
  certificate c;
  c.key_type = std::string(ed25519_certificate_type);
  c.nonce = random_bytes(32);
  wire_writer key;
  key.string(public_key);
  c.key_fields = key.take();
  auto serial = random_bytes(8);
  for (char b : serial) c.serial = (c.serial << 8) | static_cast<unsigned char>(b);
  c.type = user_certificate;
  c.key_id = "person=" + t.person + " grant=" + (t.grant.empty() ? "none" : t.grant) +
             " session=" + t.session;
  c.principals = {t.account};
  c.valid_after = t.now - static_cast<std::uint64_t>(certificate_clock_skew.count());
  c.valid_before = t.valid_before;
  if (!t.source_address.empty()) c.critical_options = {{"source-address", t.source_address}};
  if (t.permit_port_forwarding) c.extensions.emplace_back("permit-port-forwarding", "");
  c.extensions.emplace_back("permit-pty", "");  // sorted: "permit-port…" < "permit-pty"
  return c;
}

std::string mint_session_certificate(const certificate_authority& ca, std::string_view public_key,
                                     const session_certificate_terms& terms) {
  if (public_key.size() != 32) return {};
  auto c = session_certificate(public_key, terms);
  if (c.nonce.empty()) return {};
  return encode_certificate(c, ca);
}

}  // namespace gatehouse::certs
