#include "policy/record_codec.hpp"

#include <boost/json.hpp>

#include "core/json_text.hpp"

namespace gatehouse::policy::codec {

namespace json = boost::json;

namespace {

// Field readers: false when the field is missing or of the wrong type.
bool read(const json::object& o, std::string_view key, std::string& out) {
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_string()) return false;
  out = std::string(v->get_string());
  return true;
}
bool read(const json::object& o, std::string_view key, std::int64_t& out) {
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_int64()) return false;
  out = v->get_int64();
  return true;
}
bool read(const json::object& o, std::string_view key, bool& out) {
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_bool()) return false;
  out = v->get_bool();
  return true;
}

// Parses an array of objects, each decoded by `one`.
template <typename T, typename F>
std::optional<std::vector<T>> decode_array(std::string_view text, F one) {
  // Rows from before the lossless form may hold raw bytes; they are read as they are.
  bool raw_bytes = false;
  std::error_code ec;
  json::value root = json_parse_text(text, raw_bytes, ec);
  if (ec || !root.is_array()) return std::nullopt;
  std::vector<T> out;
  for (const json::value& item : root.get_array()) {
    if (!item.is_object()) return std::nullopt;
    T value;
    if (!one(item.get_object(), value)) return std::nullopt;
    out.push_back(std::move(value));
  }
  return out;
}

}  // namespace

std::int64_t to_millis(time_point t) { return t.time_since_epoch().count(); }
time_point from_millis(std::int64_t ms) { return time_point(std::chrono::milliseconds(ms)); }

std::string encode_levels(const std::vector<approver_level>& levels) {
  json::array out;
  for (const auto& level : levels) {
    json::array people;
    for (const auto& p : level.approvers) people.emplace_back(p);
    out.emplace_back(
        json::object{{"approvers", std::move(people)}, {"condition", to_string(level.condition)}});
  }
  return json_serialize(out);
}

std::string encode_decisions(const std::vector<decision_record>& decisions) {
  json::array out;
  for (const auto& d : decisions)
    out.emplace_back(json::object{{"approver", d.approver},
                                  {"verdict", to_string(d.verdict)},
                                  {"comment", d.comment},
                                  {"at", to_millis(d.at)},
                                  {"level", d.level},
                                  {"admin", d.admin_override}});
  return json_serialize(out);
}

std::string encode_comments(const std::vector<comment_record>& comments) {
  json::array out;
  for (const auto& c : comments) {
    json::object o{{"author", c.author}, {"text", c.text}, {"at", to_millis(c.at)}};
    if (c.kind != record_kind::comment) o["kind"] = to_string(c.kind);
    out.emplace_back(std::move(o));
  }
  return json_serialize(out);
}

std::string encode_targets(const std::vector<request_target>& targets) {
  json::array out;
  for (const auto& t : targets) {
    json::object o{{"server", t.server}, {"account", t.account}};
    if (t.grant) o["grant"] = *t.grant;
    out.emplace_back(std::move(o));
  }
  return json_serialize(out);
}

std::optional<std::vector<approver_level>> decode_levels(std::string_view text) {
  return decode_array<approver_level>(text, [](const json::object& o, approver_level& level) {
    std::string condition;
    const json::value* people = o.if_contains("approvers");
    if (!read(o, "condition", condition) || !people || !people->is_array()) return false;
    auto c = parse_condition(condition);
    if (!c) return false;
    level.condition = *c;
    for (const json::value& p : people->get_array()) {
      if (!p.is_string()) return false;
      level.approvers.emplace_back(p.get_string());
    }
    return true;
  });
}

std::optional<std::vector<decision_record>> decode_decisions(std::string_view text) {
  return decode_array<decision_record>(text, [](const json::object& o, decision_record& d) {
    std::string verdict_text;
    std::int64_t at = 0, level = 0;
    if (!read(o, "approver", d.approver) || !read(o, "verdict", verdict_text) ||
        !read(o, "comment", d.comment) || !read(o, "at", at) || !read(o, "level", level) ||
        !read(o, "admin", d.admin_override))
      return false;
    auto v = parse_verdict(verdict_text);
    if (!v) return false;
    d.verdict = *v;
    d.at = from_millis(at);
    d.level = int(level);
    return true;
  });
}

std::optional<std::vector<comment_record>> decode_comments(std::string_view text) {
  return decode_array<comment_record>(text, [](const json::object& o, comment_record& c) {
    std::int64_t at = 0;
    if (!read(o, "author", c.author) || !read(o, "text", c.text) || !read(o, "at", at))
      return false;
    c.at = from_millis(at);
    if (o.contains("kind")) {  // absent: a comment (every record before kinds existed)
      std::string kind_text;
      if (!read(o, "kind", kind_text)) return false;
      auto kind = parse_record_kind(kind_text);
      if (!kind) return false;
      c.kind = *kind;
    }
    return true;
  });
}

std::optional<std::vector<request_target>> decode_targets(std::string_view text) {
  return decode_array<request_target>(text, [](const json::object& o, request_target& t) {
    if (!read(o, "server", t.server) || !read(o, "account", t.account)) return false;
    if (o.contains("grant")) {
      std::int64_t id = 0;
      if (!read(o, "grant", id)) return false;
      t.grant = id;
    }
    return true;
  });
}

}  // namespace gatehouse::policy::codec
