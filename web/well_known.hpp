#pragma once
// The gate's /.well-known/ documents. Today one: /.well-known/jwks.json, the public key that
// verifies the Gatehouse-Jwt-Assertion gated web apps receive (apps/identity/assertion_signer),
// as application/json, cacheable for 5 minutes (a restart without listen.http.assertion_key
// changes the key), readable from any origin (it is public).
//
// Socket-free; the reply is built from the signer's immutable JWKS text.
#include <optional>
#include <string_view>

#include "web/http_message.hpp"

namespace gatehouse::apps {
class assertion_signer;
}

namespace gatehouse::web {

inline constexpr std::string_view jwks_path = "/.well-known/jwks.json";

// The reply for `path` when it is a document served here; nullopt otherwise (and for the JWKS
// when there is no signer: unit tests of other pages).
std::optional<web_reply> well_known(std::string_view path, const apps::assertion_signer* signer);

}  // namespace gatehouse::web
