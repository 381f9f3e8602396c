#pragma once
// The RDP routing token (SPEC "RDP"): a compact, signed, expiring ticket that names a person and
// a server. A .rdp file carries it as `loadbalanceinfo:s:`; the client sends it verbatim in the
// X.224 Connection Request, so it is plain ASCII with no blanks, no CR/LF and under 210 bytes:
//
//   gh1~PERSON~SERVER~EXPIRY~NONCE~MAC
//
// EXPIRY is Unix seconds, NONCE 16 hex digits, MAC the unpadded base64url HMAC-SHA256 (key from
// listen.rdp.token_key) over everything before the last '~'. Names use config's name
// characters (letters, digits, '.', '_', '-'), so '~' never occurs inside a field.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace gatehouse::proxy::rdp {

using unix_seconds = std::chrono::sys_seconds;

struct token_claims {
  std::string person;
  std::string server;
  unix_seconds expires;
  std::string nonce;  // 16 hex digits
};

constexpr std::size_t min_token_key_bytes = 32;
constexpr std::size_t max_token_length = 220;

// Reads the key file (at least 32 bytes, at most 4096); the error is a sentence naming the file.
std::variant<std::string, std::string> load_token_key(const std::string& path);

// A fresh token (random nonce). The error is a sentence (bad name, short key).
std::variant<std::string, std::string> make_token(std::string_view key, std::string_view person,
                                                  std::string_view server, unix_seconds expires);
// The same with a given nonce (tests).
std::variant<std::string, std::string> make_token(std::string_view key, std::string_view person,
                                                  std::string_view server, unix_seconds expires,
                                                  std::string_view nonce);

// Checks the form, the MAC (constant-time) and the expiry against `now`. The error is a short
// label for the audit log: "malformed", "bad signature", "expired".
std::variant<token_claims, std::string> verify_token(std::string_view key, std::string_view token,
                                                     unix_seconds now);

// Unpadded base64url (RFC 4648 §5).
std::string base64url(std::string_view bytes);

}  // namespace gatehouse::proxy::rdp
