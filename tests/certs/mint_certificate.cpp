// mint_certificate CA_FILE PUBLIC_KEY_FILE PERSON GRANT ACCOUNT SECONDS [SOURCE_ADDRESS]
// Prints an OpenSSH certificate line for the Ed25519 key in PUBLIC_KEY_FILE, made exactly as
// gatehoused makes the certificate of a session (certs/session_certificate), valid for
// SECONDS from now, with the source-address option when SOURCE_ADDRESS is given. Test support only (tests/integration/test_ssh_certificates.py).
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "certs/certificate.hpp"
#include "certs/certificate_authority.hpp"
#include "certs/session_certificate.hpp"
#include "certs/ssh_wire.hpp"
#include "config/ssh_key_text.hpp"

int main(int argc, char** argv) {
  using namespace gatehouse::certs;
  if (argc != 7 && argc != 8) {
    std::fprintf(stderr,
                 "usage: mint_certificate CA PUBKEY PERSON GRANT ACCOUNT SECONDS [SOURCE]\n");
    return 2;
  }
  auto loaded = certificate_authority::load({argv[1]});
  if (auto* why = std::get_if<std::string>(&loaded)) {
    std::fprintf(stderr, "%s\n", why->c_str());
    return 1;
  }
  std::ifstream in(argv[2]);
  std::string type, data;
  in >> type >> data;
  std::string blob = gatehouse::config::decode_base64(data, true).value_or("");
  wire_reader r(blob);
  r.string();
  auto key = r.string();
  if (!key) {
    std::fprintf(stderr, "%s: not an Ed25519 public key\n", argv[2]);
    return 1;
  }
  session_certificate_terms t;
  t.person = argv[3];
  t.grant = argv[4];
  t.session = "test";
  t.account = argv[5];
  t.now = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count());
  t.valid_before = t.now + std::stoull(argv[6]);
  if (argc == 8) t.source_address = argv[7];
  auto ca = std::get<std::shared_ptr<const certificate_authority>>(loaded);
  auto cert = mint_session_certificate(*ca, *key, t);
  if (cert.empty()) return 1;
  std::printf("%s %s\n", std::string(ed25519_certificate_type).c_str(),
              base64_encode(cert).c_str());
  return 0;
}
