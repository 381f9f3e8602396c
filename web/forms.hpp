#pragma once
// Reading what browsers send: application/x-www-form-urlencoded bodies and queries, cookies,
// paths split into segments.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/web_text.hpp"  // url_encode, url_decode, path_segments

namespace gatehouse::web {

using gatehouse::url_encode;

// "a=1&b=two" -> {a: 1, b: two}; malformed pairs are skipped; the first of repeated keys wins.
std::map<std::string, std::string> parse_form(std::string_view text);

// Every value of `key` in order ("approvers=bob&approvers=carol": checkboxes sharing a name).
std::vector<std::string> form_values(std::string_view text, std::string_view key);

// The value of cookie `name` in a Cookie header ("" when absent).
std::string cookie_value(std::string_view header, std::string_view name);

// "scheme://host[:port]" of a URL.
std::string origin_of(std::string_view url);

}  // namespace gatehouse::web
