#include "core/time.hpp"

#include <cstdio>

namespace gatehouse {

namespace {
// `value` as exactly `width` decimal digits at `out` (callers keep it in range).
void put_digits(char* out, unsigned value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}
}  // namespace

// Digits written directly (every audit line has a timestamp: snprintf's format parsing was
// most of its cost); a year outside 0..9999 goes through snprintf as before.
std::string format_rfc3339(time_point t) {
  auto day = std::chrono::floor<std::chrono::days>(t);
  std::chrono::year_month_day ymd{day};
  std::chrono::hh_mm_ss hms{t - day};
  int year = int(ymd.year());
  if (year < 0 || year > 9999) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", year,
                  unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                  int(hms.minutes().count()), int(hms.seconds().count()),
                  int(hms.subseconds().count()));
    return buf;
  }
  std::string out = "0000-00-00T00:00:00.000Z";
  put_digits(&out[0], unsigned(year), 4);
  put_digits(&out[5], unsigned(ymd.month()), 2);
  put_digits(&out[8], unsigned(ymd.day()), 2);
  put_digits(&out[11], unsigned(hms.hours().count()), 2);
  put_digits(&out[14], unsigned(hms.minutes().count()), 2);
  put_digits(&out[17], unsigned(hms.seconds().count()), 2);
  put_digits(&out[20], unsigned(hms.subseconds().count()), 3);
  return out;
}

std::string format_clock_time(time_point t) {
  auto day = std::chrono::floor<std::chrono::days>(t);
  std::chrono::hh_mm_ss hms{t - day};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d UTC", int(hms.hours().count()),
                int(hms.minutes().count()));
  return buf;
}

namespace {
bool read_int(std::string_view s, std::size_t& pos, std::size_t width, int& out) {
  if (pos + width > s.size()) return false;
  int v = 0;
  for (std::size_t i = 0; i < width; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  pos += width;
  out = v;
  return true;
}
bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos >= s.size() || (s[pos] != c && !(c == 'T' && (s[pos] == 't' || s[pos] == ' '))))
    return false;
  ++pos;
  return true;
}
}  // namespace

std::optional<time_point> parse_rfc3339(std::string_view s) {
  std::size_t p = 0;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!read_int(s, p, 4, y) || !expect(s, p, '-') || !read_int(s, p, 2, mo) || !expect(s, p, '-') ||
      !read_int(s, p, 2, d) || !expect(s, p, 'T') || !read_int(s, p, 2, h) || !expect(s, p, ':') ||
      !read_int(s, p, 2, mi) || !expect(s, p, ':') || !read_int(s, p, 2, sec))
    return std::nullopt;
  int millis = 0;
  if (p < s.size() && s[p] == '.') {
    ++p;
    int scale = 100;
    std::size_t digits = 0;
    while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
      millis += (s[p] - '0') * scale;
      scale /= 10;
      ++p;
      ++digits;
    }
    if (digits == 0) return std::nullopt;
  }
  int offset_minutes = 0;
  if (p < s.size() && (s[p] == 'Z' || s[p] == 'z')) {
    ++p;
  } else if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
    int sign = s[p] == '-' ? -1 : 1;
    ++p;
    int oh = 0, om = 0;
    if (!read_int(s, p, 2, oh) || !expect(s, p, ':') || !read_int(s, p, 2, om)) return std::nullopt;
    if (oh > 23 || om > 59) return std::nullopt;
    offset_minutes = sign * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  if (p != s.size()) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{unsigned(mo)},
                                  std::chrono::day{unsigned(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  auto t = std::chrono::sys_days{ymd} + std::chrono::hours{h} + std::chrono::minutes{mi} +
           std::chrono::seconds{sec} + std::chrono::milliseconds{millis} -
           std::chrono::minutes{offset_minutes};
  return std::chrono::time_point_cast<std::chrono::milliseconds>(t);
}

}  // namespace gatehouse
