#include "audit/recorder.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace gatehouse::audit {

namespace {

std::string json_string(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size() + 16);
  out += '"';
  std::size_t run = 0;  // start of the current run of characters that need no escape
  for (std::size_t i = 0; i < utf8.size(); ++i) {
    auto u = static_cast<unsigned char>(utf8[i]);
    if (u >= 0x20 && u != 0x7f && u != '"' && u != '\\') continue;
    out.append(utf8.substr(run, i - run));
    run = i + 1;
    switch (u) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", u);
        out += buf;
      }
    }
  }
  out.append(utf8.substr(run));
  out += '"';
  return out;
}

// Length of the UTF-8 sequence that starts with `lead`, 0 when `lead` cannot start one.
int sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

bool valid_sequence(std::string_view s) {
  auto b0 = static_cast<unsigned char>(s[0]);
  for (std::size_t i = 1; i < s.size(); ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xc0) != 0x80) return false;
  if (s.size() >= 2) {
    auto b1 = static_cast<unsigned char>(s[1]);
    if (b0 == 0xe0 && b1 < 0xa0) return false;  // overlong
    if (b0 == 0xed && b1 > 0x9f) return false;  // surrogates
    if (b0 == 0xf0 && b1 < 0x90) return false;  // overlong
    if (b0 == 0xf4 && b1 > 0x8f) return false;  // above U+10FFFF
  }
  return true;
}

}  // namespace

std::string to_utf8(std::string_view bytes, std::string& carry) {
  static const std::string replacement = "\xef\xbf\xbd";
  std::string in = carry + std::string(bytes);
  carry.clear();
  std::string out;
  out.reserve(in.size());
  std::size_t i = 0;
  while (i < in.size()) {
    int n = sequence_length(static_cast<unsigned char>(in[i]));
    if (n == 0) {
      out += replacement;
      ++i;
      continue;
    }
    if (i + static_cast<std::size_t>(n) > in.size()) {
      // Possibly split across reads: keep it if what we have is a valid prefix.
      auto rest = std::string_view(in).substr(i);
      if (valid_sequence(rest)) {
        carry = std::string(rest);
        break;
      }
      out += replacement;
      ++i;
      continue;
    }
    auto seq = std::string_view(in).substr(i, static_cast<std::size_t>(n));
    if (n > 1 && !valid_sequence(seq)) {
      out += replacement;
      ++i;
      continue;
    }
    out += seq;
    i += static_cast<std::size_t>(n);
  }
  return out;
}

struct asciicast_recorder::file {
  int fd = -1;
  std::string carry;     // an incomplete UTF-8 sequence from the previous output
  std::string carry_in;  // the same for input
  std::string buffer;    // encoded lines not yet written
  std::atomic<bool> failed{false};
};

namespace {

using file_ptr = std::shared_ptr<asciicast_recorder::file>;

struct job {
  enum class kind { output, input, resize, close } what;
  file_ptr f;
  double at = 0;
  std::string data;
};

void append_event(std::string& out, double at, std::string_view code, std::string_view text) {
  char t[32];
  std::snprintf(t, sizeof t, "%.6f", at);
  out.append("[").append(t).append(", \"").append(code).append("\", ");
  out.append(json_string(text)).append("]\n");
}

void write_out(asciicast_recorder::file& f) {
  std::size_t done = 0;
  while (done < f.buffer.size() && !f.failed) {
    auto n = ::write(f.fd, f.buffer.data() + done, f.buffer.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      f.failed = true;
      spdlog::error("recording: write failed: {}", std::strerror(errno));
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  f.buffer.clear();
}

constexpr std::size_t written_piece = 256 * 1024;

// The one thread that encodes and writes every recording.
class writer {
 public:
  static writer& get() {
    static writer w;
    return w;
  }
  ~writer() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

  // False when the output would exceed the queue's bound (other kinds always fit).
  bool push(job j) {
    std::lock_guard lock(mutex_);
    bool bulk = j.what == job::kind::output || j.what == job::kind::input;
    if (bulk && queued_ + j.data.size() > recording_queue_limit) return false;
    queued_ += j.data.size();
    queue_.push_back(std::move(j));
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    wake_.notify_one();
    return true;
  }

  void wait_idle() {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return queue_.empty() && !busy_; });
  }

 private:
  void run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything is written
      std::deque<job> batch;
      batch.swap(queue_);
      busy_ = true;
      lock.unlock();
      // Job by job, each released (and off the queue's count) once encoded, and a file's
      // encoded lines written once they reach written_piece: the memory of a batch is not held
      // twice (queued and encoded) until its end.
      std::vector<file_ptr> touched;
      while (!batch.empty()) {
        auto& j = batch.front();
        const auto bytes = j.data.size();
        process(j);
        if (j.what != job::kind::close) {
          touched.push_back(j.f);
          if (j.f->buffer.size() >= written_piece) write_out(*j.f);
        }
        batch.pop_front();
        lock.lock();
        queued_ -= bytes;
        lock.unlock();
      }
      for (auto& f : touched)
        if (!f->buffer.empty()) write_out(*f);
      touched.clear();
      lock.lock();
      busy_ = false;
      if (queue_.empty()) idle_.notify_all();
    }
  }

  static void process(job& j) {
    auto& f = *j.f;
    if (f.failed) return;
    switch (j.what) {
      case job::kind::output: {
        auto text = to_utf8(j.data, f.carry);
        if (!text.empty()) append_event(f.buffer, j.at, "o", text);
        break;
      }
      case job::kind::input: {
        auto text = to_utf8(j.data, f.carry_in);
        if (!text.empty()) append_event(f.buffer, j.at, "i", text);
        break;
      }
      case job::kind::resize: append_event(f.buffer, j.at, "r", j.data); break;
      case job::kind::close:
        if (!f.carry.empty()) append_event(f.buffer, j.at, "o", "\xef\xbf\xbd");
        f.carry.clear();
        write_out(f);
        ::close(f.fd);
        f.fd = -1;
        break;
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_, idle_;
  std::deque<job> queue_;
  std::size_t queued_ = 0;
  bool busy_ = false, stop_ = false;
  std::thread thread_;
};

}  // namespace

std::unique_ptr<asciicast_recorder> asciicast_recorder::open(const std::string& path,
                                                             std::string_view term, int cols,
                                                             int rows, std::string& error) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = "cannot create " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  std::unique_ptr<asciicast_recorder> r(new asciicast_recorder());
  r->file_ = std::make_shared<file>();
  r->file_->fd = fd;
  r->start_ = std::chrono::steady_clock::now();
  auto unix_now = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  std::string carry;
  r->file_->buffer = "{\"version\": 2, \"width\": " + std::to_string(cols > 0 ? cols : 80) +
                     ", \"height\": " + std::to_string(rows > 0 ? rows : 24) +
                     ", \"timestamp\": " + std::to_string(unix_now) +
                     ", \"env\": {\"TERM\": " + json_string(to_utf8(term, carry)) + "}}\n";
  write_out(*r->file_);
  if (r->file_->failed) {
    ::close(fd);
    error = "cannot write " + path;
    return nullptr;
  }
  return r;
}

double asciicast_recorder::elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

bool asciicast_recorder::failed() const { return file_->failed; }

void asciicast_recorder::flush_dropped_note() {
  std::string note = "\r\n[gatehouse: " + std::to_string(unreported_drop_) +
                     " bytes of output not recorded: the recording queue was full]\r\n";
  if (writer::get().push({job::kind::output, file_, elapsed(), std::move(note)}))
    unreported_drop_ = 0;
}

void asciicast_recorder::output(std::string_view bytes) { queue_bytes(false, bytes); }
void asciicast_recorder::input(std::string_view bytes) { queue_bytes(true, bytes); }

void asciicast_recorder::queue_bytes(bool typed, std::string_view bytes) {
  if (closed_ || bytes.empty()) return;
  if (unreported_drop_ > 0) flush_dropped_note();
  auto kind = typed ? job::kind::input : job::kind::output;
  if (unreported_drop_ == 0 && writer::get().push({kind, file_, elapsed(), std::string(bytes)}))
    return;
  if (dropped_ == 0) spdlog::warn("recording: queue full; leaving output out of a recording");
  dropped_ += bytes.size();
  unreported_drop_ += bytes.size();
}

void asciicast_recorder::resize(int cols, int rows) {
  if (closed_) return;
  writer::get().push(
      {job::kind::resize, file_, elapsed(), std::to_string(cols) + "x" + std::to_string(rows)});
}

void asciicast_recorder::close() {
  if (closed_ || !file_) return;
  if (unreported_drop_ > 0) flush_dropped_note();
  closed_ = true;
  writer::get().push({job::kind::close, file_, elapsed(), {}});
}

void asciicast_recorder::wait_idle() { writer::get().wait_idle(); }

}  // namespace gatehouse::audit
