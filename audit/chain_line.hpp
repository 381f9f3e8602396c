#pragma once
// One line of the audit log and its place in the SHA-256 hash chain (FORMAT.md beside this
// file is the normative description). Pure functions: no I/O.
//
//   {"ts":"…","seq":N,"event":"…",<fields, sorted by name>,"prev_hash":"<hex>","hash":"<hex>"}
//
// `hash` is SHA-256 over the line's bytes with the trailing `,"hash":"<hex>"` removed.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/sha256.hpp"
#include "policy/audit_sink.hpp"

namespace gatehouse::audit {

// The prev_hash of the first line of a chain (seq 1): 64 zeros.
extern const std::string genesis_hash;

struct chain_position {
  std::uint64_t seq = 0;            // of the last line written; 0 before the first
  std::string hash = genesis_hash;  // of the last line written
};

struct formatted_line {
  std::string text;  // without the newline
  std::string hash;
};

// The line that follows `after` for `event`.
formatted_line format_line(const policy::audit_event& event, const chain_position& after);

// What a line says about its place in the chain, once its own hash checks out; nullopt with
// `problem` set when it does not (not JSON, missing members, wrong hash).
struct checked_line {
  std::uint64_t seq = 0;
  std::string prev_hash, hash;
  bool raw_bytes = false;  // holds bytes that are not UTF-8 (written before the lossless form)
  std::string event;       // its name
};
std::optional<checked_line> check_line(std::string_view line, std::string& problem);

using gatehouse::sha256_hex;  // core/sha256.hpp: the line hashes

}  // namespace gatehouse::audit
