#pragma once
// Recording of SSH terminal sessions as asciicast v2 (SPEC "Audit": `<recordings>/<session
// id>.cast`, replayable with `asciinema play`). A header line
//   {"version": 2, "width": COLS, "height": ROWS, "timestamp": UNIX, "env": {"TERM": ...}}
// then one event per line: [SECONDS, "o", "text"] for what the person's terminal received
// and [SECONDS, "r", "COLSxROWS"] for window changes. Output is turned into valid UTF-8
// (sequences split across reads are joined; invalid bytes become U+FFFD), as JSON requires.
//
// One recorder per pty channel, owned by its channel_relay; writes are buffered and flushed
// at least once a second and at close(), so the file is complete once the session ends.
// Not thread-safe.
#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>

namespace gatehouse::proxy::ssh {

class asciicast_recorder {
 public:
  // Creates `path` (mode 0600). Null with `error` set when it cannot be written.
  static std::unique_ptr<asciicast_recorder> open(const std::string& path, std::string_view term,
                                                  int cols, int rows, std::string& error);
  ~asciicast_recorder() { close(); }

  void output(std::string_view bytes);
  void resize(int cols, int rows);
  void close();
  bool failed() const { return failed_; }

 private:
  asciicast_recorder() = default;
  void event(std::string_view code, std::string_view text);
  double elapsed() const;

  std::ofstream file_;
  std::chrono::steady_clock::time_point start_, last_flush_;
  std::string carry_;  // an incomplete UTF-8 sequence from the previous output
  bool failed_ = false, closed_ = false;
};

// Valid UTF-8 from `bytes`: `carry` holds an incomplete trailing sequence in and out.
std::string to_utf8(std::string_view bytes, std::string& carry);

}  // namespace gatehouse::proxy::ssh
