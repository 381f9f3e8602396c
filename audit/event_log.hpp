#pragma once
// The durable audit log: a hash-chained JSON-lines file (FORMAT.md) behind policy::audit_sink.
//
// record() appends the event's line with write(2) and fdatasync(2)s it before returning, so
// that the action it records takes effect only once it is on disk - except for the events
// that record what already happened and come in bursts (sftp.open/close/opendir, hold.end,
// session.end, exec.exit): those reach disk with the next synced event or flush(), which the
// daemon calls every second. The chain continues across a
// restart (the last line's seq and hash are read at open) and across size-based rotation
// (LOG -> LOG.N, a fresh LOG continues the chain). reopen() (SIGHUP) reopens the live file.
//
// A failed write is logged at error level every time and counted; the chain does not advance
// (a partial line is cut off again), and writable() stays false until a write succeeds.
// The front ends ask writable() before they let a new session in.
//
// Thread-safe: one mutex around each record().
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "audit/chain_line.hpp"
#include "policy/audit_sink.hpp"

namespace gatehouse::audit {

struct log_options {
  std::string path;
  std::uint64_t max_file_size = 64ull << 20;  // rotate before a line would cross it
};

class event_log final : public policy::audit_sink {
 public:
  explicit event_log(log_options options);
  ~event_log() override;
  event_log(const event_log&) = delete;
  event_log& operator=(const event_log&) = delete;

  void record(const policy::audit_event& event) override;
  // record() that tells whether the line is written (and synced, as record() says).
  bool write(const policy::audit_event& event);
  // SIGHUP: close and reopen the live file (after an outside rotation, or a fixed disk).
  void reopen();
  // fdatasync(2)s lines written without it (see above); a failure counts as a write failure.
  void flush();

  bool writable() const { return writable_.load(); }
  std::uint64_t write_failures() const { return failures_.load(); }
  chain_position position() const;
  const std::string& path() const { return options_.path; }

  // Called after each line is written (for syslog), with the line without its newline and its
  // seq and hash. Runs under the log's lock: must not block and must not record().
  using written_hook = std::function<void(const policy::audit_event&, const std::string& line,
                                          std::uint64_t seq, const std::string& hash)>;
  void on_written(written_hook f);

 private:
  bool open_live();  // with mutex_ held
  bool rotate();     // with mutex_ held
  bool append(const std::string& line, bool sync);
  bool sync_now();  // with mutex_ held
  void fail(const std::string& what);

  log_options options_;
  mutable std::mutex mutex_;
  int fd_ = -1;
  std::uint64_t size_ = 0;  // bytes of complete lines in the live file
  bool unsynced_ = false;   // lines written since the last fdatasync
  chain_position position_;
  bool chain_known_ = false;  // false when the existing log's last line could not be read
  std::atomic<bool> writable_{false};
  std::atomic<std::uint64_t> failures_{0};
  written_hook written_;
};

}  // namespace gatehouse::audit
