#pragma once
// The forms of single configuration values: names, addresses, URLs, the store, networks, and
// whether a named file can be read. Each check returns an empty string when the value is
// fine, otherwise the complaint (without position). Pure, except readable_problem() and
// check_local_group() (which read the file system and the group database).
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace gatehouse::config {

// Names of users, groups, servers, server groups and accounts appear in login names
// ("alice@root@web01") and URLs (/apps/NAME/), so they are kept to a safe alphabet.
std::string check_name(std::string_view name);

// "host:port" or "[v6]:port". Listeners may use port 0 (the system picks one).
std::string parse_endpoint(std::string_view text, bool allow_port_zero, endpoint& out);

// Free text that ends up in mail subjects and log labels (instance_name, rule names).
std::string check_label(std::string_view key, std::string_view text);
std::string check_store(std::string_view text);
std::string check_email(std::string_view text);
// "SCHEME://HOST[:PORT][/…]" with one of the given schemes ("http", "https").
std::string check_url(std::string_view text, std::initializer_list<std::string_view> schemes,
                      bool port_required);
// A DNS name: dot-separated labels of letters, digits and hyphens (not first or last), each at
// most 63 characters, 253 in all ("grafana.example.com"). "" when it is one.
std::string check_host_name(std::string_view text);
// "ADDRESS/PREFIX" or a single address, IPv4 or IPv6.
std::string check_network(std::string_view text);
// An environment variable name or a pattern of names with `*` and `?` (ssh.accept_env).
std::string check_env_pattern(std::string_view text);

// A group of this host (by name), for the admin socket's operators: "" when it exists.
std::string check_local_group(std::string_view name);

// `path` as is when absolute, else relative to `base_dir`.
std::string resolve_path(const std::string& base_dir, const std::string& path);
// Why the file at `path` cannot be opened for reading (strerror text), or nullopt.
std::optional<std::string> readable_problem(const std::string& path);
// Why the readable file at `path` is no good as a secret key: fewer than `min_bytes` bytes,
// or open to others or writable by its group (mode & 027); nullopt when fine.
std::optional<std::string> secret_file_problem(const std::string& path, std::size_t min_bytes);

}  // namespace gatehouse::config
