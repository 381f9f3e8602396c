#pragma once
// Typed reading of YAML maps (internal to config/). A map_reader knows the keys its map may
// hold: it reports unknown and repeated keys when built, and each typed read reports a value
// of the wrong type or form at that value's position. Nothing here throws; a failed read
// leaves the destination as it was (the struct default).
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/diagnostics.hpp"

namespace gatehouse::config {

enum class need { optional, required };

class read_context {
 public:
  // Every value takes at least two characters of text, so a document without aliases never
  // needs a budget above half its size; with aliases, the work stays in proportion to it.
  static std::size_t budget_for(std::size_t text_size) { return 1000 + text_size / 2; }

  read_context(reporter& report, std::string base_dir, std::size_t max_values)
      : report_(report), base_dir_(std::move(base_dir)), max_values_(max_values) {}

  reporter& report() { return report_; }
  const std::string& base_dir() const { return base_dir_; }
  // Counts `n` more values; false, reported once, when the budget is spent. Aliases let a
  // small file name one list many times over, so this budget bounds the work on a document.
  bool visit(std::size_t n, position at);

 private:
  reporter& report_;
  std::string base_dir_;
  std::size_t max_values_;
  std::size_t visited_ = 0;
  bool exhausted_ = false;
};

// The position of `node`, or `fallback` for an empty value (yaml-cpp marks those at the next
// token, which may be lines away).
position position_or(const YAML::Node& node, position fallback);
// "a map", "a list", "an empty value" or the quoted text.
std::string describe(const YAML::Node& node);
// "'KEY' must be WHAT, not a map" (or "…, but it is empty").
std::string must_be(std::string_view key, std::string_view what, const YAML::Node& value);
// "allow, justify, approve or deny"
std::string one_of(const std::vector<std::string_view>& names);

class map_reader {
 public:
  using keys = std::span<const std::string_view>;

  // `at` locates the map when `node` is empty; `not_a_map` is the complaint when `node` is
  // not a map ("'ssh' must be a map"); `known` lists the keys the map may hold.
  map_reader(read_context& ctx, const YAML::Node& node, position at, std::string_view not_a_map,
             keys known);

  bool valid() const { return valid_; }
  position where() const { return where_; }
  read_context& context() const { return *ctx_; }
  reporter& report() const { return ctx_->report(); }

  bool has(std::string_view key) const { return find(key) != nullptr; }
  const YAML::Node* value(std::string_view key) const;
  position key_at(std::string_view key) const;
  position value_at(std::string_view key) const;

  // Whether `key` is there; reports "missing required key" when it is required and absent.
  bool present(std::string_view key, need n) const;

  bool read_string(std::string_view key, std::string& out, need n = need::optional) const;
  bool read_bool(std::string_view key, bool& out) const;
  bool read_duration(std::string_view key, std::chrono::seconds& out) const;
  // A whole number in [min, max].
  bool read_count(std::string_view key, std::size_t& out, std::size_t min, std::size_t max) const;
  // The strings of a list and, when `at` is given, the position of each; entries that are
  // not strings are reported and left out.
  bool read_strings(std::string_view key, std::vector<std::string>& out,
                    std::vector<position>* at = nullptr, need n = need::optional) const;
  // The entries of a list.
  std::vector<YAML::Node> read_list(std::string_view key, need n = need::optional) const;
  std::optional<map_reader> read_map(std::string_view key, keys known,
                                     need n = need::optional) const;

  template <typename E>
  bool read_enum(std::string_view key, E& out,
                 std::initializer_list<std::pair<std::string_view, E>> names) const {
    std::string text;
    if (!read_string(key, text)) return false;
    for (const auto& [name, v] : names) {
      if (name == text) {
        out = v;
        return true;
      }
    }
    std::vector<std::string_view> all;
    for (const auto& entry : names) all.push_back(entry.first);
    report_bad_value(key, text, all);
    return false;
  }

 private:
  struct field {
    std::string key;
    YAML::Node key_node;
    YAML::Node value;
  };

  const field* find(std::string_view key) const;
  // The value under `key` when it is a list; reports otherwise.
  const YAML::Node* list_value(std::string_view key, need n) const;
  void report_bad_value(std::string_view key, std::string_view text,
                        const std::vector<std::string_view>& names) const;

  read_context* ctx_;
  position where_;
  bool valid_ = false;
  std::vector<field> fields_;
};

}  // namespace gatehouse::config
