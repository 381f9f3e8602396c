#pragma once
// `gatehouse audit verify`: checks a hash chain over files given in chain order (oldest
// first). Every line's own hash must match its content, its seq must be one more than the
// previous line's, and its prev_hash must be the previous line's hash - across file
// boundaries too. The first line of the first file anchors the chain (seq 1 must carry the
// genesis prev_hash); later files must continue it.
#include <cstdint>
#include <string>
#include <vector>

namespace gatehouse::audit {

struct verify_result {
  bool intact = true;
  std::string file;        // where the first problem is
  std::uint64_t line = 0;  // 1-based line number in `file`
  std::string problem;
  std::uint64_t lines = 0;  // lines checked
  std::uint64_t first_seq = 0, last_seq = 0;
  std::string last_hash;
  // Intact lines that hold bytes that are not UTF-8 in their strings: written by a version from
  // before the lossless form (FORMAT.md, "Text from outside"). They verify and are read, but a
  // strict JSON reader refuses them. At most the first 20 are named; `raw_byte_count` counts all.
  std::vector<std::string> raw_byte_lines;  // "FILE:LINE"
  std::uint64_t raw_byte_count = 0;

  // "FILE:LINE: problem" or "intact: N lines, seq A..B, last hash H", then a line naming the
  // lines with raw bytes, if any.
  std::string summary() const;
};

verify_result verify_files(const std::vector<std::string>& files);

}  // namespace gatehouse::audit
