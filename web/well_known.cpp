#include "web/well_known.hpp"

#include "apps/identity/assertion_signer.hpp"

namespace gatehouse::web {

std::optional<web_reply> well_known(std::string_view path, const apps::assertion_signer* signer) {
  if (path != jwks_path || !signer) return std::nullopt;
  web_reply r{200, "application/json", signer->jwks(), {}};
  r.headers.emplace_back("Cache-Control", "public, max-age=300");
  r.headers.emplace_back("Access-Control-Allow-Origin", "*");
  return r;
}

}  // namespace gatehouse::web
