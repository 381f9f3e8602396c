#pragma once
// SSH public keys as people paste them into the configuration: authorized_keys lines
// ("TYPE BASE64 [COMMENT]", without options) and pinned host keys (such a key, or an OpenSSH
// "SHA256:" fingerprint). Only the text form is checked: the base64 must decode and the key
// blob must name the same type as the line. Pure functions.
#include <optional>
#include <string>
#include <string_view>

namespace gatehouse::config {

// Standard base64 (RFC 4648 §4). With `padded`, the length must be a multiple of 4 with
// '=' padding; without it, no '=' may appear. nullopt for anything else.
std::optional<std::string> decode_base64(std::string_view text, bool padded);

// Empty when `line` is a supported public key; otherwise why it is not.
std::string check_public_key(std::string_view line);

// Empty when `text` is a supported public key or "SHA256:" and 43 characters of unpadded
// base64 (32 bytes); otherwise why it is not.
std::string check_host_key(std::string_view text);

}  // namespace gatehouse::config
