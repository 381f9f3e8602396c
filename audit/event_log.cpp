#include "audit/event_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "audit/log_files.hpp"

namespace gatehouse::audit {

namespace {

// Events that record what already happened, in bursts (each SFTP packet, thousands of held
// connections released or sessions ended at once): written at once, made durable by the
// next synced event or flush() within a second, so that a burst costs one fdatasync.
bool deferred_sync(const std::string& name) {
  return name == "sftp.open" || name == "sftp.close" || name == "sftp.opendir" ||
         name == "hold.end" || name == "session.end" || name == "exec.exit";
}

std::string errno_text() { return std::strerror(errno); }

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
  chain_known_ = true;
  for (auto it = files.rbegin(); it != files.rend(); ++it) {
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
    break;
  }
  if (chain_known_) open_live();
  if (!writable_)
    spdlog::error(
        "audit: the audit log {} is not writable; new sessions are refused unless "
        "audit.on_write_failure is `continue`",
        options_.path);
}

event_log::~event_log() {
  if (fd_ >= 0) {
    if (unsynced_) ::fdatasync(fd_);
    ::close(fd_);
  }
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

bool event_log::append(const std::string& line, bool sync) {
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
  return !sync || sync_now();
}

bool event_log::sync_now() {
  if (!unsynced_) return true;
  if (::fdatasync(fd_) != 0) {
    fail("cannot flush " + options_.path + ": " + errno_text());
    return false;
  }
  unsynced_ = false;
  return true;
}

void event_log::flush() {
  std::lock_guard lock(mutex_);
  if (fd_ >= 0) sync_now();
}

void event_log::record(const policy::audit_event& event) { write(event); }

bool event_log::write(const policy::audit_event& event) {
  std::lock_guard lock(mutex_);
  if (!chain_known_) {
    fail("event " + event.name + " not logged: the existing log's chain cannot be continued");
    return false;
  }
  if (fd_ < 0 && !open_live()) {
    spdlog::error("audit: event {} not logged", event.name);
    return false;
  }
  auto line = format_line(event, position_);
  line.text += '\n';
  if (size_ > 0 && size_ + line.text.size() > options_.max_file_size && !rotate()) {
    spdlog::error("audit: event {} not logged", event.name);
    return false;
  }
  if (!append(line.text, !deferred_sync(event.name))) {
    spdlog::error("audit: event {} not logged", event.name);
    return false;
  }
  writable_ = true;
  position_ = {position_.seq + 1, line.hash};
  if (written_) {
    line.text.pop_back();
    written_(event, line.text, position_.seq, line.hash);
  }
  return true;
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

void event_log::on_written(written_hook f) {
  std::lock_guard lock(mutex_);
  written_ = std::move(f);
}

}  // namespace gatehouse::audit
