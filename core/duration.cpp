#include "core/duration.hpp"

#include <cstdint>

namespace gatehouse {

namespace {
constexpr std::int64_t max_seconds = std::int64_t{10} * 365 * 24 * 3600;

std::optional<std::int64_t> unit_seconds(char unit) {
  switch (unit) {
    case 's': return 1;
    case 'm': return 60;
    case 'h': return 3600;
    case 'd': return 86400;
    default: return std::nullopt;
  }
}
}  // namespace

std::optional<seconds> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::int64_t number = 0;
    std::size_t digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      number = number * 10 + (text[i] - '0');
      if (number > max_seconds) return std::nullopt;
      ++i;
      ++digits;
    }
    if (digits == 0 || i == text.size()) return std::nullopt;
    auto unit = unit_seconds(text[i++]);
    if (!unit) return std::nullopt;
    total += number * *unit;
    if (total > max_seconds) return std::nullopt;
  }
  if (total <= 0) return std::nullopt;
  return seconds{total};
}

std::string format_duration(seconds value) {
  auto s = value.count();
  if (s <= 0) return "0s";
  std::string out;
  const std::pair<std::int64_t, char> units[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
  for (auto [size, letter] : units) {
    if (s >= size) {
      out += std::to_string(s / size);
      out += letter;
      s %= size;
    }
  }
  return out;
}

}  // namespace gatehouse
