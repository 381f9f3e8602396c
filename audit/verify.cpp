#include "audit/verify.hpp"

#include <fstream>

#include "audit/chain_line.hpp"

namespace gatehouse::audit {

std::string verify_result::summary() const {
  if (!intact) return file + ":" + std::to_string(line) + ": " + problem;
  if (lines == 0) return "intact: no events";
  auto out = "intact: " + std::to_string(lines) + " events, seq " + std::to_string(first_seq) +
             ".." + std::to_string(last_seq) + ", last hash " + last_hash;
  if (raw_byte_count != 0) {
    out += "\nnote: " + std::to_string(raw_byte_count) +
           " line(s) hold bytes that are not UTF-8 (written by an older version; read as is):";
    for (const auto& where : raw_byte_lines) out += " " + where;
    if (raw_byte_count > raw_byte_lines.size()) out += " ...";
  }
  return out;
}

verify_result verify_files(const std::vector<std::string>& files) {
  verify_result r;
  bool have_previous = false;
  chain_position previous;
  auto bad = [&r](const std::string& file, std::uint64_t line, std::string problem) {
    r.intact = false;
    r.file = file;
    r.line = line;
    r.problem = std::move(problem);
    return r;
  };
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return bad(file, 0, "cannot be read");
    std::string text;
    std::uint64_t number = 0;
    while (std::getline(in, text)) {
      ++number;
      if (in.eof()) return bad(file, number, "incomplete last line (no newline)");
      std::string problem;
      auto checked = check_line(text, problem);
      if (!checked) return bad(file, number, problem);
      if (!have_previous) {
        if (checked->seq == 1 && checked->prev_hash != genesis_hash)
          return bad(file, number, "seq 1 does not start from the genesis hash");
        r.first_seq = checked->seq;
      } else {
        if (checked->seq != previous.seq + 1)
          return bad(file, number,
                     "seq " + std::to_string(checked->seq) + " follows seq " +
                         std::to_string(previous.seq) + " (a line is missing or out of order)");
        if (checked->prev_hash != previous.hash)
          return bad(file, number, "prev_hash is not the previous line's hash");
      }
      if (checked->raw_bytes && r.raw_byte_count++ < 20)
        r.raw_byte_lines.push_back(file + ":" + std::to_string(number));
      have_previous = true;
      previous = {checked->seq, checked->hash};
      ++r.lines;
    }
  }
  r.last_seq = previous.seq;
  r.last_hash = have_previous ? previous.hash : "";
  return r;
}

}  // namespace gatehouse::audit
