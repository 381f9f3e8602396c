#include "config/yaml_reader.hpp"

#include <algorithm>
#include <charconv>

#include "core/duration.hpp"

namespace gatehouse::config {

bool read_context::visit(std::size_t n, position at) {
  if (exhausted_) return false;
  visited_ += n;
  if (visited_ <= max_values_) return true;
  exhausted_ = true;
  report_.error(at, "too many values: the document expands to more than " +
                        std::to_string(max_values_) + " (each use of an alias counts)");
  return false;
}

position position_or(const YAML::Node& node, position fallback) {
  if (!node.IsDefined() || node.IsNull()) return fallback;
  auto at = position_of(node.Mark());
  return at.line == 0 ? fallback : at;
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return quote(node.Scalar());
    default: return "an empty value";
  }
}

std::string must_be(std::string_view key, std::string_view what, const YAML::Node& value) {
  std::string out = quote(key) + " must be " + std::string(what);
  if (!value.IsDefined() || value.IsNull()) return out + ", but it is empty";
  return out + ", not " + describe(value);
}

std::string one_of(const std::vector<std::string_view>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " or " : ", ";
    out += names[i];
  }
  return out;
}

map_reader::map_reader(read_context& ctx, const YAML::Node& node, position at,
                       std::string_view not_a_map, keys known)
    : ctx_(&ctx), where_(position_or(node, at)) {
  if (!node.IsMap()) {
    std::string message(not_a_map);
    message += node.IsNull() || !node.IsDefined() ? ", but it is empty" : ", not " + describe(node);
    ctx.report().error(where_, std::move(message));
    return;
  }
  if (!ctx.visit(node.size(), where_)) return;
  valid_ = true;
  std::vector<std::string_view> candidates(known.begin(), known.end());
  for (const auto& entry : node) {
    // Copies: yaml-cpp's iterators hand out temporaries, and a Node copy is a cheap handle.
    const YAML::Node key = entry.first;
    auto key_at = position_or(key, where_);
    if (!key.IsScalar()) {
      ctx.report().error(key_at, "keys must be plain words, not " + describe(key));
      continue;
    }
    const std::string& name = key.Scalar();
    if (const field* first = find(name)) {
      ctx.report().error(key_at, "duplicate key " + quote(name) + " (first at line " +
                                     std::to_string(position_or(first->key_node, where_).line) +
                                     ")");
      continue;
    }
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      auto hint = ctx.report().full() ? "" : did_you_mean(name, candidates);
      ctx.report().error(key_at, "unknown key " + quote(name) + hint);
      continue;
    }
    fields_.push_back({name, key, entry.second});
  }
}

const map_reader::field* map_reader::find(std::string_view key) const {
  for (const auto& f : fields_) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

const YAML::Node* map_reader::value(std::string_view key) const {
  const field* f = find(key);
  return f ? &f->value : nullptr;
}

position map_reader::key_at(std::string_view key) const {
  const field* f = find(key);
  return f ? position_or(f->key_node, where_) : where_;
}

position map_reader::value_at(std::string_view key) const {
  const field* f = find(key);
  return f ? position_or(f->value, key_at(key)) : where_;
}

bool map_reader::present(std::string_view key, need n) const {
  if (has(key)) return true;
  if (n == need::required && valid_) {
    report().error(where_, "missing required key " + quote(key));
  }
  return false;
}

bool map_reader::read_string(std::string_view key, std::string& out, need n) const {
  if (!present(key, n)) return false;
  const YAML::Node& v = *value(key);
  if (!v.IsScalar()) {
    report().error(value_at(key), must_be(key, "a string", v));
    return false;
  }
  out = v.Scalar();
  return true;
}

bool map_reader::read_bool(std::string_view key, bool& out) const {
  if (!has(key)) return false;
  const YAML::Node& v = *value(key);
  if (v.IsScalar()) {
    const std::string& s = v.Scalar();
    if (s == "true" || s == "True" || s == "TRUE") {
      out = true;
      return true;
    }
    if (s == "false" || s == "False" || s == "FALSE") {
      out = false;
      return true;
    }
  }
  report().error(value_at(key), must_be(key, "true or false", v));
  return false;
}

bool map_reader::read_duration(std::string_view key, std::chrono::seconds& out) const {
  if (!has(key)) return false;
  const YAML::Node& v = *value(key);
  if (!v.IsScalar()) {
    report().error(value_at(key), must_be(key, "a duration like 30m", v));
    return false;
  }
  auto parsed = parse_duration(v.Scalar());
  if (!parsed) {
    report().error(value_at(key), "bad duration " + quote(v.Scalar()) + " for " + quote(key) +
                                      " (examples: 30s, 15m, 8h, 7d, 1h30m)");
    return false;
  }
  out = *parsed;
  return true;
}

bool map_reader::read_count(std::string_view key, std::size_t& out, std::size_t min,
                            std::size_t max) const {
  if (!has(key)) return false;
  const YAML::Node& v = *value(key);
  std::string range = "a whole number from " + std::to_string(min) + " to " + std::to_string(max);
  if (!v.IsScalar()) {
    report().error(value_at(key), must_be(key, range, v));
    return false;
  }
  const std::string& s = v.Scalar();
  std::size_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || n < min || n > max) {
    report().error(value_at(key), quote(key) + " must be " + range + ", not " + quote(s));
    return false;
  }
  out = n;
  return true;
}

const YAML::Node* map_reader::list_value(std::string_view key, need n) const {
  if (!present(key, n)) return nullptr;
  const YAML::Node& v = *value(key);
  if (!v.IsSequence()) {
    report().error(value_at(key), must_be(key, "a list", v));
    return nullptr;
  }
  return ctx_->visit(v.size(), value_at(key)) ? &v : nullptr;
}

std::vector<YAML::Node> map_reader::read_list(std::string_view key, need n) const {
  std::vector<YAML::Node> out;
  const YAML::Node* list = list_value(key, n);
  if (!list) return out;
  out.reserve(list->size());
  for (const auto& item : *list) out.push_back(item);
  return out;
}

bool map_reader::read_strings(std::string_view key, std::vector<std::string>& out,
                              std::vector<position>* at, need n) const {
  const YAML::Node* list = list_value(key, n);
  if (!list) return false;
  out.clear();
  if (at) at->clear();
  for (const auto& item : *list) {
    auto item_at = position_or(item, value_at(key));
    if (!item.IsScalar()) {
      report().error(item_at,
                     "entries of " + quote(key) + " must be strings, not " + describe(item));
      continue;
    }
    out.push_back(item.Scalar());
    if (at) at->push_back(item_at);
  }
  return true;
}

std::optional<map_reader> map_reader::read_map(std::string_view key, keys known, need n) const {
  if (!present(key, n)) return std::nullopt;
  map_reader sub(*ctx_, *value(key), value_at(key), quote(key) + " must be a map", known);
  if (!sub.valid()) return std::nullopt;
  return sub;
}

void map_reader::report_bad_value(std::string_view key, std::string_view text,
                                  const std::vector<std::string_view>& names) const {
  report().error(value_at(key), "bad value " + quote(text) + " for " + quote(key) + ": expected " +
                                    one_of(names) + did_you_mean(text, names));
}

}  // namespace gatehouse::config
