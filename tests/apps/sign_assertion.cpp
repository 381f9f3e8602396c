// Test tool: signs one assertion with an assertion key file, as the daemon's front end would,
// so that an integration test can check it with an independent JWT library (PyJWT) against the
// JWKS the daemon serves.
//   apps_sign_assertion KEY_FILE ISSUER AUDIENCE SUBJECT EMAIL [GRANT_ID]
// Prints the compact JWS (iat now, exp in 5 minutes).
#include <cstdio>
#include <string>

#include "apps/identity/assertion_signer.hpp"

using namespace gatehouse;

int main(int argc, char** argv) {
  if (argc != 6 && argc != 7) {
    std::fprintf(stderr, "usage: %s KEY_FILE ISSUER AUDIENCE SUBJECT EMAIL [GRANT_ID]\n", argv[0]);
    return 2;
  }
  auto loaded = apps::assertion_signer::load(argv[1]);
  if (auto* e = std::get_if<std::string>(&loaded)) {
    std::fprintf(stderr, "%s\n", e->c_str());
    return 1;
  }
  const auto now = system_clock().now();
  apps::assertion_claims c{argv[2],
                           argv[3],
                           argv[4],
                           argv[5],
                           std::nullopt,
                           now,
                           apps::assertion_expiry(now, std::nullopt)};
  if (argc == 7) c.grant_id = std::stoll(argv[6]);
  std::printf("%s\n", std::get<0>(loaded)->sign(c).c_str());
  return 0;
}
