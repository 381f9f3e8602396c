#include "proxy/ssh/recorder.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

namespace gatehouse::proxy::ssh {

namespace {

std::string json_string(std::string_view utf8) {
  std::string out = "\"";
  for (char c : utf8) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20 || u == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", u);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
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

std::unique_ptr<asciicast_recorder> asciicast_recorder::open(const std::string& path,
                                                             std::string_view term, int cols,
                                                             int rows, std::string& error) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = "cannot create " + path;
    return nullptr;
  }
  ::close(fd);
  std::unique_ptr<asciicast_recorder> r(new asciicast_recorder());
  r->file_.open(path, std::ios::out | std::ios::trunc | std::ios::binary);
  if (!r->file_) {
    error = "cannot write " + path;
    return nullptr;
  }
  r->start_ = r->last_flush_ = std::chrono::steady_clock::now();
  auto unix_now = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  std::string carry;
  r->file_ << "{\"version\": 2, \"width\": " << (cols > 0 ? cols : 80)
           << ", \"height\": " << (rows > 0 ? rows : 24) << ", \"timestamp\": " << unix_now
           << ", \"env\": {\"TERM\": " << json_string(to_utf8(term, carry)) << "}}\n";
  return r;
}

double asciicast_recorder::elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void asciicast_recorder::event(std::string_view code, std::string_view text) {
  if (failed_ || closed_) return;
  char t[32];
  std::snprintf(t, sizeof t, "%.6f", elapsed());
  file_ << '[' << t << ", \"" << code << "\", " << json_string(text) << "]\n";
  auto now = std::chrono::steady_clock::now();
  if (now - last_flush_ >= std::chrono::seconds(1)) {
    file_.flush();
    last_flush_ = now;
  }
  if (!file_) failed_ = true;
}

void asciicast_recorder::output(std::string_view bytes) {
  auto text = to_utf8(bytes, carry_);
  if (!text.empty()) event("o", text);
}

void asciicast_recorder::resize(int cols, int rows) {
  event("r", std::to_string(cols) + "x" + std::to_string(rows));
}

void asciicast_recorder::close() {
  if (closed_) return;
  if (!carry_.empty()) {
    carry_.clear();
    event("o", "\xef\xbf\xbd");
  }
  closed_ = true;
  file_.flush();
  file_.close();
}

}  // namespace gatehouse::proxy::ssh
