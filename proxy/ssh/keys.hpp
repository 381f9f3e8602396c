#pragma once
// Public-key comparisons with libssh: a person's presented key against the authorized_keys
// lines in the configuration, and an upstream server's host key against its pin
// (`server.host_key`: "TYPE BASE64 [comment]" or an OpenSSH "SHA256:" fingerprint).
//
// Pure functions over libssh key objects; the caller keeps ownership of every ssh_key.
// Thread-safe (libssh key functions keep no global state).
#include <libssh/libssh.h>

#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::proxy::ssh {

// "SHA256:base64" exactly as `ssh-keygen -lf` prints it; empty when the key cannot be hashed.
std::string fingerprint_sha256(ssh_key key);

// An OpenSSH certificate (type "…-cert-v01@openssh.com") and its blob, "" when `key` is
// none: what certs/person_certificate checks (libssh's server mode does not; wave2.md §3.2).
bool is_certificate(ssh_key key);
std::string certificate_blob(ssh_key key);

// The presented key equals one of the authorized_keys lines ("TYPE BASE64 [COMMENT]").
// Lines that do not parse never match.
bool key_in_list(ssh_key presented, const std::vector<std::string>& authorized_lines);

enum class pin_result { match, mismatch, bad_pin };
pin_result check_host_key_pin(ssh_key presented, std::string_view pin);

// The host key algorithms to offer when connecting to a server with this pin: just the
// pinned type when the pin is a key, every strong type when it is a fingerprint.
std::string host_key_algorithms_for_pin(std::string_view pin);

}  // namespace gatehouse::proxy::ssh
