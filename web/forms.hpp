#pragma once
// Reading what browsers send: application/x-www-form-urlencoded bodies and queries, cookies,
// paths split into segments.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::web {

// Percent-decoding with '+' as space; nullopt on a malformed escape.
std::optional<std::string> url_decode(std::string_view text);
std::string url_encode(std::string_view text);

// "a=1&b=two" -> {a: 1, b: two}; malformed pairs are skipped; the first of repeated keys wins.
std::map<std::string, std::string> parse_form(std::string_view text);

// The value of cookie `name` in a Cookie header ("" when absent).
std::string cookie_value(std::string_view header, std::string_view name);

// "/a/b/" -> {"a", "b"}.
std::vector<std::string_view> path_segments(std::string_view path);

// "scheme://host[:port]" of a URL.
std::string origin_of(std::string_view url);

}  // namespace gatehouse::web
