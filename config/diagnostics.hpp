#pragma once
// Collecting the problems found in one configuration file (internal to config/).
// Problems are listed in the order of the place in the configuration they concern, their
// "anchor": a problem found inside a file the configuration names (a bad line of an
// ssh_keys_file) is listed where that file is named. The list is capped so that garbage input
// cannot produce unbounded output.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "config/loader.hpp"

namespace YAML {
struct Mark;
}

namespace gatehouse::config {

// 1-based; line 0 means "the file as a whole".
struct position {
  int line = 0;
  int column = 0;
  friend auto operator<=>(const position&, const position&) = default;
};

position position_of(const YAML::Mark& mark);

class reporter {
 public:
  static constexpr std::size_t max_problems = 1000;

  explicit reporter(std::string file) : file_(std::move(file)) {}

  const std::string& file() const { return file_; }
  void error(position at, std::string message);
  // A problem in another file, listed as if found at `anchor` in this one.
  void error_in(std::string file, position at, position anchor, std::string message);
  std::size_t count() const { return entries_.size(); }
  bool full() const { return entries_.size() >= max_problems; }
  // In file order; ends with a note when problems were dropped.
  std::vector<diagnostic> take();

 private:
  struct entry {
    position anchor;
    diagnostic problem;
  };
  std::string file_;
  std::vector<entry> entries_;
  bool dropped_ = false;
};

// `text` in single quotes, shortened, with control characters escaped so that a message
// never carries raw bytes from the input into a terminal or a log.
std::string quote(std::string_view text);

// "rule 'NAME'", or "this rule" when it has none: how messages name a rule.
std::string rule_label(std::string_view name);

// " (did you mean 'users'?)" when one candidate is a likely typo of `word`, else "".
std::string did_you_mean(std::string_view word, const std::vector<std::string_view>& candidates);

}  // namespace gatehouse::config
