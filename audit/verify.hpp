#pragma once
// `gatehouse audit verify`: checks a hash chain over files given in chain order (oldest
// first). Every line's own hash must match its content, its seq must be one more than the
// previous line's, and its prev_hash must be the previous line's hash - across file
// boundaries too. Then its anchors (anchor.hpp, FORMAT.md "Anchors"):
//
// - the head: the chain must start at seq 1 (else its head was cut); a chain that starts with
//   an `audit.genesis` record is anchored there, an older one without it is noted as such;
// - checkpoints: each signs the line before it; with the key their MACs must verify (a chain
//   edited and re-hashed without the key fails here), without it they are counted unchecked;
// - the tail: the chain must hold the running daemon's head and the signed head file's seq
//   with the same hash; with neither, a chain that has checkpoints must end with one (a clean
//   stop writes one), else its tail may have been cut.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "audit/chain_line.hpp"

namespace gatehouse::audit {

struct verify_options {
  std::string key{};        // the audit.signing_key's bytes; "" = checkpoint MACs not checked
  std::string head_file{};  // the signed head file (LOG.head) to hold the tail to; "" = none
  std::optional<chain_position> writer_head{};  // the running daemon's last written line
};

struct verify_result {
  bool intact = true;
  std::string file;        // where the first problem is
  std::uint64_t line = 0;  // 1-based line number in `file`
  std::string problem;
  std::uint64_t lines = 0;  // lines checked
  std::uint64_t first_seq = 0, last_seq = 0;
  std::string last_hash;
  std::uint64_t checkpoints = 0;   // checkpoints whose MAC verified
  std::vector<std::string> notes;  // how the chain is anchored (or why it is not)
  // Intact lines that hold bytes that are not UTF-8 in their strings: written by a version from
  // before the lossless form (FORMAT.md, "Text from outside"). They verify and are read, but a
  // strict JSON reader refuses them. At most the first 20 are named; `raw_byte_count` counts all.
  std::vector<std::string> raw_byte_lines;  // "FILE:LINE"
  std::uint64_t raw_byte_count = 0;

  // "FILE:LINE: problem", or "intact: N events, seq A..B, last hash H" then "; "-separated
  // notes, then a line naming the lines with raw bytes, if any.
  std::string summary() const;
};

verify_result verify_files(const std::vector<std::string>& files,
                           const verify_options& options = {});

}  // namespace gatehouse::audit
