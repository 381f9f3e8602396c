#pragma once
// The files of one audit log: the live file (audit.jsonl) and its rotated predecessors
// (audit.jsonl.1, audit.jsonl.2, ... oldest first), which together hold one hash chain.
#include <cstdint>
#include <string>
#include <vector>

namespace gatehouse::audit {

// Existing rotated files in chain order, then the live file when it exists.
std::vector<std::string> chain_files(const std::string& log_path);

// The name the live file gets at the next rotation: LOG.(highest existing number + 1).
std::string next_rotated_name(const std::string& log_path);

struct file_tail {
  std::string last_line;       // the last newline-terminated line, without it; "" when none
  std::uint64_t size = 0;      // the file's length
  std::uint64_t complete = 0;  // the length up to and including the last newline
};
// False when the file cannot be read.
bool read_tail(const std::string& path, file_tail& out);

// The first newline-terminated line of the first of `files` that has one, without the
// newline; "" when none has.
std::string first_line(const std::vector<std::string>& files);

}  // namespace gatehouse::audit
