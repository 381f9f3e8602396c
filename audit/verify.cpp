#include "audit/verify.hpp"

#include <fstream>
#include <optional>

#include "audit/anchor.hpp"
#include "audit/chain_line.hpp"

namespace gatehouse::audit {

std::string verify_result::summary() const {
  if (!intact) return file + ":" + std::to_string(line) + ": " + problem;
  std::string out = lines == 0 ? "intact: no events"
                               : "intact: " + std::to_string(lines) + " events, seq " +
                                     std::to_string(first_seq) + ".." + std::to_string(last_seq) +
                                     ", last hash " + last_hash;
  for (const auto& note : notes) out += "; " + note;
  if (raw_byte_count != 0) {
    out += "\nnote: " + std::to_string(raw_byte_count) +
           " line(s) hold bytes that are not UTF-8 (written by an older version; read as is):";
    for (const auto& where : raw_byte_lines) out += " " + where;
    if (raw_byte_count > raw_byte_lines.size()) out += " ...";
  }
  return out;
}

namespace {

// A point the tail must reach: the daemon's head or the signed head file's.
struct tail_anchor {
  chain_position at;
  std::string what;  // "the running daemon's head", "the signed head in LOG.head"
};

class checker {
 public:
  checker(const verify_options& options, verify_result& r)
      : options_(options), key_id_(options.key.empty() ? "" : signing_key_id(options.key)), r_(r) {
    if (options.writer_head) tails_.push_back({*options.writer_head, "the running daemon's head"});
    if (!options.head_file.empty()) read_head_file_first();
  }

  // False (r_ filled) at the first problem.
  bool file(const std::string& name) {
    std::ifstream in(name, std::ios::binary);
    if (!in) return bad(name, 0, "cannot be read");
    std::string text;
    std::uint64_t number = 0;
    while (std::getline(in, text)) {
      ++number;
      if (in.eof()) return bad(name, number, "incomplete last line (no newline)");
      if (!line(name, number, text)) return false;
    }
    if (number > 0 || last_file_.empty()) {  // where the chain ends: its last line
      last_file_ = name;
      last_line_ = number;
    }
    return true;
  }

  bool finish() {
    r_.last_seq = previous_.seq;
    r_.last_hash = r_.lines > 0 ? previous_.hash : "";
    if (!head_problem_.empty()) return bad(options_.head_file, 1, head_problem_);
    if (head_ && head_->chain_id != chain_id_)
      return bad(options_.head_file, 1,
                 "the signed head belongs to another chain (" + head_->chain_id + ", not " +
                     chain_id_ + ")");
    for (const auto& t : tails_) {
      if (t.at.seq > previous_.seq)
        return bad(last_file_, last_line_,
                   "cut tail: the log ends at seq " + std::to_string(previous_.seq) + ", but " +
                       t.what + " is at seq " + std::to_string(t.at.seq) +
                       ": the lines after it were removed");
    }
    bool keyed = !genesis_key_id_.empty() || checkpoints_seen_ > 0;
    if (!tails_.empty()) {
      r_.notes.push_back("tail anchored by " + tails_.back().what);
    } else if (keyed && !last_is_checkpoint_) {
      return bad(last_file_, last_line_,
                 "cut tail: the log does not end with a checkpoint and there is no signed head "
                 "to compare with: lines after seq " +
                     std::to_string(last_checkpoint_seq_) +
                     " (the last checkpoint) may have been removed, or the daemon did not stop "
                     "cleanly");
    } else if (keyed) {
      r_.notes.push_back("tail anchored by the checkpoint it ends with");
    }
    if (checkpoints_seen_ == 0)
      r_.notes.push_back(genesis_key_id_.empty()
                             ? "not anchored by checkpoints (audit.signing_key was not set)"
                             : "not anchored by checkpoints (none written yet)");
    else if (r_.checkpoints == checkpoints_seen_)
      r_.notes.push_back(std::to_string(r_.checkpoints) + " checkpoints verified with key " +
                         key_id_);
    else
      r_.notes.push_back(std::to_string(checkpoints_seen_) +
                         " checkpoints NOT verified: no key given (--key FILE)");
    return true;
  }

 private:
  bool bad(const std::string& file, std::uint64_t line, std::string problem) {
    r_.intact = false;
    r_.file = file;
    r_.line = line;
    r_.problem = std::move(problem);
    return false;
  }

  bool line(const std::string& file, std::uint64_t number, const std::string& text) {
    std::string problem;
    auto checked = check_line(text, problem);
    if (!checked) return bad(file, number, problem);
    if (r_.lines == 0) {
      if (checked->seq != 1)
        return bad(file, number,
                   "cut head: the chain starts at seq " + std::to_string(checked->seq) +
                       ", not at its genesis (seq 1): the lines before it are missing");
      if (checked->prev_hash != genesis_hash)
        return bad(file, number, "seq 1 does not start from the genesis hash");
      r_.first_seq = checked->seq;
    } else {
      if (checked->seq != previous_.seq + 1)
        return bad(file, number,
                   "seq " + std::to_string(checked->seq) + " follows seq " +
                       std::to_string(previous_.seq) + " (a line is missing or out of order)");
      if (checked->prev_hash != previous_.hash)
        return bad(file, number, "prev_hash is not the previous line's hash");
    }
    if (!anchors(file, number, text, *checked)) return false;
    for (const auto& t : tails_)
      if (t.at.seq == checked->seq && t.at.hash != checked->hash)
        return bad(file, number,
                   "seq " + std::to_string(checked->seq) + " differs from " + t.what +
                       ": the line was replaced, or the chain re-hashed");
    if (checked->raw_bytes && r_.raw_byte_count++ < 20)
      r_.raw_byte_lines.push_back(file + ":" + std::to_string(number));
    previous_ = {checked->seq, checked->hash};
    ++r_.lines;
    return true;
  }

  bool anchors(const std::string& file, std::uint64_t number, const std::string& text,
               const checked_line& c) {
    last_is_checkpoint_ = c.event == checkpoint_event_name;
    bool genesis = c.event == genesis_event_name;
    if (!genesis && !last_is_checkpoint_) {
      if (c.seq == 1) {
        chain_id_ = derived_chain_id(c.hash);
        r_.notes.push_back("not anchored at its head: no genesis record (an older log)");
      }
      return true;
    }
    std::string problem;
    auto anchor = parse_anchor(text, problem);
    if (!anchor) return bad(file, number, problem);
    if (genesis) {
      if (c.seq != 1) return bad(file, number, "a genesis record after the start of the chain");
      chain_id_ = anchor->chain_id;
      genesis_key_id_ = anchor->key_id;
      r_.notes.push_back("head anchored by its genesis record (chain " + chain_id_ + ")");
      return true;
    }
    ++checkpoints_seen_;
    last_checkpoint_seq_ = c.seq;
    const auto& head = anchor->head;
    if (head.seq + 1 != c.seq || head.hash != c.prev_hash)
      return bad(file, number, "the checkpoint does not sign the line before it");
    if (head.chain_id != chain_id_)
      return bad(
          file, number,
          "the checkpoint belongs to another chain (" + head.chain_id + ", not " + chain_id_ + ")");
    if (key_id_.empty()) return true;
    if (auto why = signature_problem(head, "checkpoint"); !why.empty())
      return bad(file, number, why);
    ++r_.checkpoints;
    return true;
  }

  // "" when `head` is signed by the key given, else why not.
  std::string signature_problem(const signed_head& head, const std::string& what) const {
    if (head.key_id != key_id_)
      return "the " + what + " is signed by another key (key id " + head.key_id +
             "; the key given has id " + key_id_ + ")";
    if (!head_mac_matches(options_.key, head.chain_id, head.seq, head.hash, head.mac))
      return "the " + what +
             " MAC does not verify: the lines it signs were changed and re-hashed, or it was "
             "forged";
    return {};
  }

  // The head file, before the scan: its seq must then be found with its hash.
  void read_head_file_first() {
    std::string problem;
    bool missing = false;
    head_ = read_head_file(options_.head_file, problem, missing);
    if (missing) {
      r_.notes.push_back("no signed head file " + options_.head_file);
      return;
    }
    if (!head_) {
      head_problem_ = "the head file " + problem;
      return;
    }
    if (!key_id_.empty()) head_problem_ = signature_problem(*head_, "signed head");
    if (head_problem_.empty())
      tails_.push_back({{head_->seq, head_->hash}, "the signed head in " + options_.head_file});
  }

  const verify_options& options_;
  std::string key_id_;
  verify_result& r_;
  chain_position previous_;
  std::string chain_id_, genesis_key_id_;
  std::uint64_t checkpoints_seen_ = 0, last_checkpoint_seq_ = 0;
  bool last_is_checkpoint_ = false;
  std::string last_file_;
  std::uint64_t last_line_ = 0;
  std::vector<tail_anchor> tails_;
  std::optional<signed_head> head_;  // the head file's, when it is there
  std::string head_problem_;         // why the head file is not to be trusted
};

}  // namespace

verify_result verify_files(const std::vector<std::string>& files, const verify_options& options) {
  verify_result r;
  checker check(options, r);
  for (const auto& file : files)
    if (!check.file(file)) return r;
  check.finish();
  return r;
}

}  // namespace gatehouse::audit
