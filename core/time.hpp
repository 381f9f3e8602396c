#pragma once
// Wall-clock instants and their RFC 3339 text form (UTC, millisecond precision).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace gatehouse {

using time_point = std::chrono::sys_time<std::chrono::milliseconds>;

// "2026-11-22T16:20:40.123Z"
std::string format_rfc3339(time_point t);
// "17:30 UTC", for messages people read.
std::string format_clock_time(time_point t);
// Accepts "Z" or a numeric offset, with or without fractional seconds.
std::optional<time_point> parse_rfc3339(std::string_view text);

// The source of "now"; injected so that tests and the policy core never read the real clock.
class clock {
 public:
  virtual ~clock() = default;
  virtual time_point now() const = 0;
};

class system_clock final : public clock {
 public:
  time_point now() const override {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now());
  }
};

// A clock that only moves when told to.
class manual_clock final : public clock {
 public:
  explicit manual_clock(time_point start) : now_(start) {}
  time_point now() const override { return now_; }
  void advance(std::chrono::milliseconds d) { now_ += d; }
  void set(time_point t) { now_ = t; }

 private:
  time_point now_;
};

}  // namespace gatehouse
