#include "web/audit_search.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "web/forms.hpp"

namespace gatehouse::web {

namespace {
constexpr std::array<std::string_view, 8> filter_keys = {
    "person", "server", "event", "since", "until", "request", "session", "emergency"};
}

std::string audit_search::value(std::string_view key) const {
  for (const auto& [k, v] : filters)
    if (k == key) return v;
  return {};
}

std::string audit_search::query_string(std::string_view extra) const {
  std::string out;
  for (const auto& [k, v] : filters) out += (out.empty() ? "" : "&") + k + "=" + url_encode(v);
  if (!extra.empty()) out += (out.empty() ? "" : "&") + std::string(extra);
  return out;
}

std::string complete_time(std::string_view text) {
  auto digits_at = [&](std::initializer_list<std::size_t> at) {
    return std::all_of(at.begin(), at.end(), [&](std::size_t i) {
      return i < text.size() && text[i] >= '0' && text[i] <= '9';
    });
  };
  const bool date = digits_at({0, 1, 2, 3, 5, 6, 8, 9}) && text[4] == '-' && text[7] == '-';
  if (date && text.size() == 10) return std::string(text) + "T00:00:00Z";
  if (date && text.size() == 16 && text[10] == 'T' && text[13] == ':' &&
      digits_at({11, 12, 14, 15}))
    return std::string(text) + ":00Z";
  return std::string(text);
}

std::optional<audit_search> audit_search_from(std::string_view url_query, std::size_t default_limit,
                                              std::size_t most, std::string& error) {
  auto form = parse_form(url_query);
  audit_search s;
  for (auto key : filter_keys) {
    auto it = form.find(std::string(key));
    if (it == form.end() || it->second.empty()) continue;
    std::string v = key == "since" || key == "until" ? complete_time(it->second) : it->second;
    s.filters.emplace_back(std::string(key), std::move(v));
  }
  auto q = audit::query_from_parameters(s.filters, error);
  if (!q) return std::nullopt;
  s.query = std::move(*q);
  s.query.limit = default_limit;
  if (auto it = form.find("limit"); it != form.end() && !it->second.empty()) {
    const auto& text = it->second;
    std::size_t n = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || p != text.data() + text.size() || n == 0) {
      error = "limit: not a positive number: " + text;
      return std::nullopt;
    }
    s.query.limit = n;
  }
  s.query.limit = std::min(s.query.limit, most);
  return s;
}

}  // namespace gatehouse::web
