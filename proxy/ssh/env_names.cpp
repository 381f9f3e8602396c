#include "proxy/ssh/env_names.hpp"

#include <algorithm>

namespace gatehouse::proxy::ssh {

bool wildcard_match(std::string_view pattern, std::string_view text) {
  // Greedy with one backtrack point (the last '*'): linear in practice, never exponential.
  std::size_t p = 0, t = 0;
  std::size_t star = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_t = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++star_t;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool env_name_accepted(std::span<const std::string> patterns, std::string_view name) {
  return !name.empty() && std::ranges::any_of(patterns, [&](const std::string& pattern) {
    return wildcard_match(pattern, name);
  });
}

}  // namespace gatehouse::proxy::ssh
