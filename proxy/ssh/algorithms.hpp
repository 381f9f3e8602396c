#pragma once
// The algorithms Gatehouse speaks, on both legs. Toward people (the listener): curve25519 key
// exchange, chacha20-poly1305 / AES-GCM / AES-CTR with encrypt-then-MAC SHA-2 MACs, ed25519
// or rsa-sha2 host keys. Toward servers (upstream) the same ciphers and MACs, plus the NIST
// ECDH and large-group DH exchanges that older servers may need; the server's key is pinned.
// Strict KEX (the Terrapin counter-measure) is appended by libssh 0.10.6 itself.
#include <libssh/libssh.h>
#include <libssh/server.h>

#include <string>
#include <string_view>

namespace gatehouse::proxy::ssh {

inline constexpr std::string_view listener_kex = "curve25519-sha256,curve25519-sha256@libssh.org";
inline constexpr std::string_view upstream_kex =
    "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,"
    "ecdh-sha2-nistp521,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512";
inline constexpr std::string_view ciphers =
    "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,"
    "aes192-ctr,aes128-ctr";
// Toward servers Gatehouse is the client, so its order decides: AES-GCM first, which costs
// far less CPU than chacha20-poly1305 where the CPU has AES-NI (research/tech.md §4).
inline constexpr std::string_view upstream_ciphers =
    "aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com,aes128-ctr,"
    "aes192-ctr,aes256-ctr";
inline constexpr std::string_view macs =
    "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com";
inline constexpr std::string_view listener_host_key_algorithms =
    "ssh-ed25519,rsa-sha2-512,rsa-sha2-256";
inline constexpr std::string_view upstream_host_key_algorithms =
    "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,rsa-sha2-512,"
    "rsa-sha2-256";
// Keys people may authenticate with (also announced as server-sig-algs).
inline constexpr std::string_view person_key_algorithms =
    "ssh-ed25519,sk-ssh-ed25519@openssh.com,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,"
    "ecdsa-sha2-nistp521,sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256";
inline constexpr int min_rsa_bits = 2048;

// Restricts a listener's ssh_bind to the algorithms above and turns off libssh's own
// configuration files. Empty on success, else what failed.
std::string apply_listener_algorithms(ssh_bind bind);

// The same for an upstream client session; `host_key_algorithms` narrows to the pinned type.
std::string apply_upstream_algorithms(ssh_session session, const std::string& host_key_algorithms);

}  // namespace gatehouse::proxy::ssh
