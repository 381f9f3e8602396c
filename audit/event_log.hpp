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
// Anchors (anchor.hpp): the first line of a new chain is its `audit.genesis` record. With a
// signing key, an `audit.checkpoint` signs the head every `checkpoint_every` lines, before a
// rotation (as the last line of the rotated file) and at close; and each time the log is
// synced, the signed head file LOG.head is rewritten with the newest durable line. At open,
// a log that ends before the seq its head file signs (a cut tail) is not continued.
//
// Thread-safe: one mutex around each record().
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "audit/chain_line.hpp"
#include "audit/verify.hpp"
#include "policy/audit_sink.hpp"

namespace gatehouse::audit {

struct log_options {
  std::string path;
  std::uint64_t max_file_size = 64ull << 20;  // rotate before a line would cross it
  std::string signing_key{};                  // its bytes; "" = no checkpoints and no head file
  std::uint64_t checkpoint_every = 1000;
  std::string instance_name{};  // named in the genesis record
  std::string key_problem{};    // why the configured key could not be loaded: nothing is written
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
  // Writes a checkpoint ("stop") unless the last line is one, and syncs: the daemon, as it
  // stops (the destructor does the same for lines written later).
  void seal();

  bool writable() const { return writable_.load(); }
  std::uint64_t write_failures() const { return failures_.load(); }
  chain_position position() const;
  const std::string& path() const { return options_.path; }
  // What `audit verify` of this log holds it to: the key, the head file and the head.
  verify_options verify_options_now() const;

  // Called after each line is written (for syslog), with the line without its newline and its
  // seq and hash. Runs under the log's lock: must not block and must not record().
  using written_hook = std::function<void(const policy::audit_event&, const std::string& line,
                                          std::uint64_t seq, const std::string& hash)>;
  void on_written(written_hook f);

 private:
  // All with mutex_ held.
  bool open_live();
  bool rotate();
  bool append(const std::string& line);
  bool sync_now();
  void fail(const std::string& what);
  void find_anchors(const std::vector<std::string>& files);
  bool head_file_agrees();
  // Formats, rotates first when due (`may_rotate`), appends, advances the chain and tells the
  // hook; syncs when `sync`.
  bool write_line(const policy::audit_event& event, bool sync, bool may_rotate = true);
  bool checkpoint(const std::string& reason);
  void write_head_file();

  log_options options_;
  mutable std::mutex mutex_;
  int fd_ = -1;
  std::uint64_t size_ = 0;  // bytes of complete lines in the live file
  bool unsynced_ = false;   // lines written since the last fdatasync
  chain_position position_;
  bool chain_known_ = false;  // false when the existing log's last line could not be read
  std::string chain_id_;
  std::uint64_t since_checkpoint_ = 0;  // lines written since the last checkpoint
  bool last_is_checkpoint_ = false;
  bool head_file_ok_ = true;  // the last write of the head file succeeded (logged once)
  std::atomic<bool> writable_{false};
  std::atomic<std::uint64_t> failures_{0};
  written_hook written_;
};

}  // namespace gatehouse::audit
