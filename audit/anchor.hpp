#pragma once
// The anchors of the audit hash chain (FORMAT.md, "Anchors"): what ties its two ends down.
//
// - The genesis record: `audit.genesis`, the first line (seq 1) of every new chain, naming the
//   chain (`chain_id`, random), the instance and the signing key's id.
// - Signed checkpoints: `audit.checkpoint` lines in the chain, each an HMAC-SHA256 under the
//   audit.signing_key over (chain_id, head_seq, head_hash) of the line before it.
// - The signed head file (LOG.head beside the live file): the same signature over the newest
//   line made durable, rewritten as the log is synced, so that a cut tail is found.
//
// Pure functions and small file reads; MACs are compared in constant time (CRYPTO_memcmp).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "policy/audit_sink.hpp"

namespace gatehouse::audit {

inline constexpr std::string_view genesis_event_name = "audit.genesis";
inline constexpr std::string_view checkpoint_event_name = "audit.checkpoint";
inline constexpr std::size_t min_signing_key_bytes = 32;

// The key file's bytes (32 to 4096), or why not (index 1).
std::variant<std::string, std::string> load_signing_key(const std::string& path);

// A short public name of a key (16 hex digits of a domain-separated SHA-256 of it).
std::string signing_key_id(std::string_view key);

// 32 random hex digits.
std::string new_chain_id();

// The id of a chain without a genesis record (an older log): the first 32 hex digits of the
// hash of its seq 1 line, so that writer and verifier agree without a record.
std::string derived_chain_id(std::string_view first_line_hash);

// HMAC-SHA256 (hex) of the head (seq, hash) of chain `chain_id` under `key`.
std::string head_mac(std::string_view key, std::string_view chain_id, std::uint64_t seq,
                     std::string_view hash);
// Constant-time check of a stated MAC against head_mac().
bool head_mac_matches(std::string_view key, std::string_view chain_id, std::uint64_t seq,
                      std::string_view hash, std::string_view stated_mac);

// A signed head: in a checkpoint line (head = the line before it) or in the head file.
struct signed_head {
  std::string chain_id;
  std::uint64_t seq = 0;
  std::string hash;
  std::string key_id;
  std::string mac;
};

policy::audit_event genesis_event(time_point at, const std::string& chain_id,
                                  const std::string& instance_name, const std::string& key_id);
// `reason`: "interval", "rotation" or "stop".
policy::audit_event checkpoint_event(time_point at, const signed_head& head,
                                     const std::string& reason);
signed_head sign_head(std::string_view key, const std::string& chain_id, std::uint64_t seq,
                      const std::string& hash);

// What an anchor line (its own hash already checked) says. `kind` is its event name.
struct anchor_line {
  std::string kind;
  std::string chain_id, key_id;  // key_id "" when the genesis names no key
  signed_head head;              // checkpoints only
};
// nullopt with `problem` set when the line is not a well-formed genesis or checkpoint.
std::optional<anchor_line> parse_anchor(std::string_view line, std::string& problem);

// The head file of the log at `log_path`: LOG.head.
std::string head_file_path(const std::string& log_path);
// Its text (one JSON line with a newline).
std::string head_file_text(const signed_head& head);
// nullopt with `problem` set when unreadable or malformed; `missing` tells a file that is not
// there at all.
std::optional<signed_head> read_head_file(const std::string& path, std::string& problem,
                                          bool& missing);

}  // namespace gatehouse::audit
