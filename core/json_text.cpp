#include "core/json_text.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>

#include "core/untrusted_text.hpp"

namespace gatehouse {

namespace json = boost::json;

namespace {

// True when no string or member name below `value` needs an escape.
bool all_plain(const json::value& value) {
  switch (value.kind()) {
    case json::kind::string: return needs_no_escapes(value.get_string());
    case json::kind::array:
      for (const auto& item : value.get_array())
        if (!all_plain(item)) return false;
      return true;
    case json::kind::object:
      for (const auto& member : value.get_object())
        if (!needs_no_escapes(member.key()) || !all_plain(member.value())) return false;
      return true;
    default: return true;
  }
}

// Applies `convert` to every string and member name below `value` for which `needs` holds.
template <typename Needs, typename Convert>
void convert_strings(json::value& value, Needs needs, Convert convert) {
  switch (value.kind()) {
    case json::kind::string: {
      auto& s = value.get_string();
      if (needs(s)) s = convert(s);
      break;
    }
    case json::kind::array:
      for (auto& item : value.get_array()) convert_strings(item, needs, convert);
      break;
    case json::kind::object: {
      auto& o = value.get_object();
      bool keys_need = false;
      for (auto& member : o) {
        keys_need = keys_need || needs(member.key());
        convert_strings(member.value(), needs, convert);
      }
      if (keys_need) {
        json::object rebuilt;
        for (auto& member : o) rebuilt[convert(member.key())] = std::move(member.value());
        o = std::move(rebuilt);
      }
      break;
    }
    default: break;
  }
}

// True when `text` holds a character of the byte-escape block (U+10FE80..U+10FEFF: F4 8F BA xx
// or F4 8F BB xx).
bool has_escapes(std::string_view text) {
  return text.find("\xF4\x8F\xBA") != text.npos || text.find("\xF4\x8F\xBB") != text.npos;
}

}  // namespace

std::string json_serialize(const json::value& value) {
  if (all_plain(value)) return json::serialize(value);
  json::value copy = value;
  convert_strings(
      copy, [](std::string_view s) { return !needs_no_escapes(s); },
      [](std::string_view s) { return to_valid_utf8(s); });
  return json::serialize(copy);
}

namespace {
// Printable ASCII without a quote or a backslash (most values): the serializer would write it
// as it is, between quotes.
bool quotes_as_is(std::string_view bytes) {
  return std::all_of(bytes.begin(), bytes.end(),
                     [](char c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; });
}

// Anything else: through the serializer, in the lossless form when it is not UTF-8.
std::string serialized_quote(std::string_view bytes) {
  if (needs_no_escapes(bytes)) return json::serialize(json::string(bytes));
  return json::serialize(json::string(to_valid_utf8(bytes)));
}
}  // namespace

std::string json_quote(std::string_view bytes) {
  if (!quotes_as_is(bytes)) return serialized_quote(bytes);
  std::string out;
  out.reserve(bytes.size() + 2);
  out += '"';
  out.append(bytes);
  out += '"';
  return out;
}

void append_json_quoted(std::string& out, std::string_view bytes) {
  if (!quotes_as_is(bytes)) {
    out += serialized_quote(bytes);
    return;
  }
  out += '"';
  out.append(bytes);
  out += '"';
}

json::value json_parse_text(std::string_view text, bool& had_raw_bytes, std::error_code& error) {
  had_raw_bytes = false;
  error.clear();
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) {
    json::parse_options lenient;
    lenient.allow_invalid_utf8 = true;
    json::error_code second;
    v = json::parse(text, second, {}, lenient);
    if (second) {
      error = ec;
      return nullptr;
    }
    had_raw_bytes = true;
  }
  convert_strings(v, has_escapes, [](std::string_view s) { return from_valid_utf8(s); });
  return v;
}

json::value json_parse_text(std::string_view text, std::error_code& error) {
  bool raw_bytes = false;
  return json_parse_text(text, raw_bytes, error);
}

}  // namespace gatehouse
