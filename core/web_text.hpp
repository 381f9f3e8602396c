#pragma once
// Text forms shared by the HTTP front ends, the admin API and mail: URL decoding, path
// splitting and HTML escaping. Pure functions.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse {

// Percent-encodes every byte but A-Z a-z 0-9 - _ . ~ and '/' (for paths and query values).
std::string url_encode(std::string_view text);

// Decodes a query string or form value: %XX escapes and '+' as a space. nullopt when an
// escape is cut short or not hexadecimal.
std::optional<std::string> url_decode(std::string_view text);

// "/requests/7/approve/" -> {"requests", "7", "approve"}; empty segments are skipped.
std::vector<std::string_view> path_segments(std::string_view path);

// Escapes & < > " ' for HTML text and attribute values, after making bytes that are not UTF-8
// and control characters (but newlines and tabs) visible (core/untrusted_text.hpp).
std::string html_escape(std::string_view text);

}  // namespace gatehouse
