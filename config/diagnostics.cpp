#include "config/diagnostics.hpp"

#include <yaml-cpp/mark.h>

#include <algorithm>
#include <cstdio>

namespace gatehouse::config {

namespace {
constexpr std::size_t max_quoted = 60;
// Suggestions are a courtesy: skip them when the search would cost too much.
constexpr std::size_t max_suggestion_candidates = 2000;
constexpr std::size_t max_suggestion_word = 64;

// Optimal string alignment distance: like Levenshtein, but a swap of two neighbours costs
// one ("usres" is one edit from "users").
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}
}  // namespace

std::string diagnostic::to_string() const {
  if (line <= 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

position position_of(const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0) return {};
  return {mark.line + 1, mark.column + 1};
}

void reporter::error(position at, std::string message) {
  error_in(file_, at, at, std::move(message));
}

void reporter::error_in(std::string file, position at, position anchor, std::string message) {
  if (full()) {
    dropped_ = true;
    return;
  }
  entries_.push_back({anchor, diagnostic{std::move(file), at.line, at.column, std::move(message)}});
}

std::vector<diagnostic> reporter::take() {
  std::stable_sort(entries_.begin(), entries_.end(),
                   [](const entry& a, const entry& b) { return a.anchor < b.anchor; });
  std::vector<diagnostic> out;
  out.reserve(entries_.size() + 1);
  for (auto& e : entries_) out.push_back(std::move(e.problem));
  if (dropped_) {
    out.push_back(
        {file_, 0, 0, "too many problems; stopped after " + std::to_string(max_problems)});
  }
  entries_.clear();
  dropped_ = false;
  return out;
}

std::string quote(std::string_view text) {
  std::string out = "'";
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i == max_quoted) {
      out += "...";
      break;
    }
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "'";
}

std::string rule_label(std::string_view name) {
  return name.empty() ? "this rule" : "rule " + quote(name);
}

std::string did_you_mean(std::string_view word, const std::vector<std::string_view>& candidates) {
  if (word.empty() || word.size() > max_suggestion_word ||
      candidates.size() > max_suggestion_candidates)
    return "";
  const std::size_t limit = word.size() <= 4 ? 1 : 2;
  std::string_view best;
  std::size_t best_distance = limit + 1;
  for (auto candidate : candidates) {
    auto length_gap = candidate.size() > word.size() ? candidate.size() - word.size()
                                                     : word.size() - candidate.size();
    if (candidate.empty() || candidate == word || length_gap > limit) continue;
    auto d = edit_distance(word, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  if (best.empty()) return "";
  return " (did you mean " + quote(best) + "?)";
}

}  // namespace gatehouse::config
