#pragma once
// Recording of SSH terminal sessions as asciicast v2 (SPEC "Audit": `<recordings>/<session
// id>.cast`, replayable with `asciinema play`). A header line
//   {"version": 2, "width": COLS, "height": ROWS, "timestamp": UNIX, "env": {"TERM": ...}}
// then one event per line: [SECONDS, "o", "text"] for what the person's terminal received
// and [SECONDS, "r", "COLSxROWS"] for window changes; with audit.record_input also
// [SECONDS, "i", "text"] for what the person typed. Output is turned into valid UTF-8
// (sequences split across reads are joined; invalid bytes become U+FFFD), as JSON requires.
//
// One recorder per pty channel (and, with audit.record: all, per shell without a pty and per
// exec channel: its stdout and stderr), owned by its channel_relay. The relay only timestamps and
// queues the bytes: one writer thread (for all recordings) turns them into UTF-8 and JSON
// and writes the file, so recording costs the relay a copy. The queue is bounded
// (recording_queue_limit bytes over all recordings); when it is full, output is left out of
// the recording and a marker line says how much. close() queues the end; the file is
// complete as soon as the writer has drained it (wait_idle() waits for that; the process
// waits at exit). The methods are for one thread (the relay's); the writer is internal.
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace gatehouse::audit {

inline constexpr std::size_t recording_queue_limit = 32u << 20;

class asciicast_recorder {
 public:
  // Creates `path` (mode 0600) and writes the header. Null with `error` set when it cannot
  // be written.
  static std::unique_ptr<asciicast_recorder> open(const std::string& path, std::string_view term,
                                                  int cols, int rows, std::string& error);
  ~asciicast_recorder() { close(); }

  void output(std::string_view bytes);
  void input(std::string_view bytes);
  void resize(int cols, int rows);
  void close();
  bool failed() const;
  std::uint64_t dropped_bytes() const { return dropped_; }

  // Blocks until the writer has written everything queued so far (tests, shutdown).
  static void wait_idle();

  struct file;  // the writer thread's side of one recording

 private:
  asciicast_recorder() = default;
  double elapsed() const;
  void flush_dropped_note();
  void queue_bytes(bool typed, std::string_view bytes);

  std::shared_ptr<file> file_;
  std::chrono::steady_clock::time_point start_;
  std::uint64_t dropped_ = 0, unreported_drop_ = 0;
  bool closed_ = false;
};

// Valid UTF-8 from `bytes`: `carry` holds an incomplete trailing sequence in and out.
std::string to_utf8(std::string_view bytes, std::string& carry);

}  // namespace gatehouse::audit
