#include "audit/event_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "audit/anchor.hpp"
#include "audit/log_files.hpp"

namespace gatehouse::audit {

namespace {

// Events that record what already happened, in bursts (each SFTP packet, each request of a
// web app, thousands of held connections released or sessions ended at once): written at
// once, made durable by the next synced event or flush() within a second, so that a burst
// costs one fdatasync (an fdatasync per http.request held a gate to ~300 requests/s).
bool deferred_sync(const std::string& name) {
  return name == "sftp.open" || name == "sftp.close" || name == "sftp.opendir" ||
         name == "http.request" || name == "hold.end" || name == "session.end" ||
         name == "exec.exit";
}

std::string errno_text() { return std::strerror(errno); }

time_point now_ms() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

void sync_directory(const std::string& file) {
  auto dir = std::filesystem::path(file).parent_path();
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

event_log::event_log(log_options options) : options_(std::move(options)) {
  std::lock_guard lock(mutex_);
  // Where the chain stands: the last line of the live file, or of the newest rotated file.
  auto files = chain_files(options_.path);
  chain_known_ = options_.key_problem.empty();
  if (!chain_known_) spdlog::error("audit: {}; nothing is written unsigned", options_.key_problem);
  for (auto it = files.rbegin(); chain_known_ && it != files.rend(); ++it) {
    file_tail tail;
    if (!read_tail(*it, tail)) {
      chain_known_ = false;
      spdlog::error("audit: cannot read {}: {}", *it, errno_text());
      break;
    }
    if (tail.last_line.empty()) continue;
    std::string problem;
    auto checked = check_line(tail.last_line, problem);
    if (!checked) {
      chain_known_ = false;
      spdlog::error(
          "audit: the last line of {} is damaged ({}); not continuing its chain - "
          "run `gatehouse audit verify`",
          *it, problem);
      break;
    }
    position_ = {checked->seq, checked->hash};
    last_is_checkpoint_ = checked->event == checkpoint_event_name;
    break;
  }
  if (chain_known_) find_anchors(files);
  if (chain_known_ && !head_file_agrees()) chain_known_ = false;
  if (chain_known_) open_live();
  if (!writable_)
    spdlog::error(
        "audit: the audit log {} is not writable; new sessions are refused unless "
        "audit.on_write_failure is `continue`",
        options_.path);
}

// The chain's id: its genesis record's, or derived from its first line (an older log).
void event_log::find_anchors(const std::vector<std::string>& files) {
  if (position_.seq == 0) {
    chain_id_ = new_chain_id();
    return;
  }
  auto first = first_line(files);
  std::string problem;
  auto checked = check_line(first, problem);
  auto anchor = checked && checked->event == genesis_event_name ? parse_anchor(first, problem)
                                                                : std::optional<anchor_line>();
  chain_id_ = anchor ? anchor->chain_id : checked ? derived_chain_id(checked->hash) : "";
  if (chain_id_.empty()) chain_id_ = new_chain_id();  // a damaged head: verify reports it
}

// With a key: the log must reach the head its head file signs (else its tail was cut while
// the daemon was down), and the file must be this chain's and, under this key, authentic.
bool event_log::head_file_agrees() {
  if (options_.signing_key.empty()) return true;
  auto file = head_file_path(options_.path);
  std::string problem;
  bool missing = false;
  auto head = read_head_file(file, problem, missing);
  if (missing) return true;
  auto refuse = [&](const std::string& why) {
    spdlog::error(
        "audit: {}: {}; not continuing the chain - run `gatehouse audit verify`; to start a new "
        "chain, move the log's files and {} aside",
        file, why, file);
    return false;
  };
  if (!head) return refuse(problem);
  if (head->seq > position_.seq)
    return refuse("it signs seq " + std::to_string(head->seq) + ", but the log ends at seq " +
                  std::to_string(position_.seq) + " (lines were cut from its end)");
  if (head->chain_id != chain_id_) return refuse("it belongs to another chain");
  if (head->key_id == signing_key_id(options_.signing_key) &&
      !head_mac_matches(options_.signing_key, head->chain_id, head->seq, head->hash, head->mac))
    return refuse("its MAC does not verify (forged or damaged)");
  if (head->seq == position_.seq && head->hash != position_.hash)
    return refuse("the log's last line is not the one it signs");
  return true;
}

event_log::~event_log() {
  seal();
  std::lock_guard lock(mutex_);
  if (fd_ >= 0) ::close(fd_);
}

void event_log::seal() {
  std::lock_guard lock(mutex_);
  if (fd_ < 0 || !chain_known_) return;
  if (!last_is_checkpoint_ && position_.seq > 0) checkpoint("stop");
  sync_now();
}

bool event_log::open_live() {
  if (fd_ >= 0) {
    sync_now();
    ::close(fd_);
  }
  fd_ = ::open(options_.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    fail("cannot open " + options_.path + ": " + errno_text());
    return false;
  }
  file_tail tail;
  if (!read_tail(options_.path, tail)) {
    fail("cannot read " + options_.path + ": " + errno_text());
    return false;
  }
  if (tail.complete != tail.size) {
    // A line torn by a crash or a full disk: its record() never returned, so the action it
    // would have recorded did not happen. Cut it off so the chain goes on cleanly.
    spdlog::warn("audit: {}: removing an incomplete last line ({} bytes)", options_.path,
                 tail.size - tail.complete);
    if (::ftruncate(fd_, static_cast<off_t>(tail.complete)) != 0) {
      fail("cannot truncate " + options_.path + ": " + errno_text());
      return false;
    }
  }
  size_ = tail.complete;
  sync_directory(options_.path);
  writable_ = true;
  return true;
}

bool event_log::rotate() {
  // The rotated file ends with a checkpoint: each file's tail is signed.
  if (!last_is_checkpoint_ && !checkpoint("rotation")) return false;
  if (!sync_now()) return false;
  auto target = next_rotated_name(options_.path);
  if (::rename(options_.path.c_str(), target.c_str()) != 0) {
    fail("cannot rotate " + options_.path + " to " + target + ": " + errno_text());
    return false;
  }
  spdlog::info("audit: rotated {} to {} (chain continues at seq {})", options_.path, target,
               position_.seq + 1);
  return open_live();
}

void event_log::fail(const std::string& what) {
  ++failures_;
  writable_ = false;
  spdlog::error("audit: WRITE FAILURE ({} so far): {}", failures_.load(), what);
}

bool event_log::append(const std::string& line) {
  std::size_t done = 0;
  while (done < line.size()) {
    auto n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      auto why = n < 0 ? errno_text() : std::string("no progress");
      if (done > 0 && ::ftruncate(fd_, static_cast<off_t>(size_)) != 0)
        spdlog::error("audit: cannot cut off a partial line in {}", options_.path);
      fail("cannot write to " + options_.path + ": " + why);
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  size_ += line.size();
  unsynced_ = true;
  return true;
}

bool event_log::sync_now() {
  if (!unsynced_) return true;
  if (::fdatasync(fd_) != 0) {
    fail("cannot flush " + options_.path + ": " + errno_text());
    return false;
  }
  unsynced_ = false;
  write_head_file();
  return true;
}

void event_log::write_head_file() {
  if (options_.signing_key.empty() || position_.seq == 0) return;
  auto text =
      head_file_text(sign_head(options_.signing_key, chain_id_, position_.seq, position_.hash));
  auto file = head_file_path(options_.path);
  // Opened by name each time (a file removed meanwhile comes back). One small write at offset
  // 0: its length never shrinks within a chain, so no reader sees a torn mix of two heads.
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  bool ok = fd >= 0 &&
            ::pwrite(fd, text.data(), text.size(), 0) == static_cast<ssize_t>(text.size()) &&
            ::ftruncate(fd, static_cast<off_t>(text.size())) == 0;
  auto why = ok ? std::string() : errno_text();
  if (fd >= 0) ::close(fd);
  if (!ok && head_file_ok_)
    spdlog::error("audit: cannot write the signed head file {}: {}", file, why);
  else if (ok && !head_file_ok_)
    spdlog::info("audit: the signed head file {} is written again", file);
  head_file_ok_ = ok;
}

void event_log::flush() {
  std::lock_guard lock(mutex_);
  if (fd_ >= 0) sync_now();
}

void event_log::record(const policy::audit_event& event) { write(event); }

bool event_log::write(const policy::audit_event& event) {
  std::lock_guard lock(mutex_);
  if (!chain_known_) {
    fail("event " + event.name + " not logged: " +
         (options_.key_problem.empty() ? "the existing log's chain cannot be continued"
                                       : options_.key_problem));
    return false;
  }
  if (fd_ < 0 && !open_live()) {
    spdlog::error("audit: event {} not logged", event.name);
    return false;
  }
  auto key_id = options_.signing_key.empty() ? "" : signing_key_id(options_.signing_key);
  if (position_.seq == 0 &&
      !write_line(genesis_event(event.at, chain_id_, options_.instance_name, key_id), false)) {
    spdlog::error("audit: event {} not logged", event.name);
    return false;
  }
  if (!write_line(event, !deferred_sync(event.name))) {
    spdlog::error("audit: event {} not logged", event.name);
    return false;
  }
  if (!options_.signing_key.empty() && since_checkpoint_ >= options_.checkpoint_every)
    checkpoint("interval");
  return true;
}

bool event_log::write_line(const policy::audit_event& event, bool sync, bool may_rotate) {
  auto line = format_line(event, position_);
  line.text += '\n';
  if (may_rotate && size_ > 0 && size_ + line.text.size() > options_.max_file_size) {
    if (!rotate()) return false;
    line = format_line(event, position_);  // a checkpoint went before it
    line.text += '\n';
  }
  if (!append(line.text)) return false;
  writable_ = true;
  position_ = {position_.seq + 1, line.hash};
  last_is_checkpoint_ = event.name == checkpoint_event_name;
  since_checkpoint_ = last_is_checkpoint_ ? 0 : since_checkpoint_ + 1;
  if (written_) {
    line.text.pop_back();
    written_(event, line.text, position_.seq, line.hash);
  }
  return !sync || sync_now();
}

bool event_log::checkpoint(const std::string& reason) {
  if (options_.signing_key.empty() || position_.seq == 0) return true;
  auto head = sign_head(options_.signing_key, chain_id_, position_.seq, position_.hash);
  return write_line(checkpoint_event(now_ms(), head, reason), true, false);
}

void event_log::reopen() {
  std::lock_guard lock(mutex_);
  if (!chain_known_) return;
  if (open_live()) spdlog::info("audit: reopened {}", options_.path);
}

chain_position event_log::position() const {
  std::lock_guard lock(mutex_);
  return position_;
}

verify_options event_log::verify_options_now() const {
  std::lock_guard lock(mutex_);
  verify_options out{options_.signing_key, {}, {}};
  if (!options_.signing_key.empty()) out.head_file = head_file_path(options_.path);
  if (chain_known_) out.writer_head = position_;
  return out;
}

void event_log::on_written(written_hook f) {
  std::lock_guard lock(mutex_);
  written_ = std::move(f);
}

}  // namespace gatehouse::audit
