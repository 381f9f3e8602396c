#include "web/forms.hpp"

namespace gatehouse::web {

namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}
}  // namespace

namespace {
// Calls `take(key, value)` for each well-formed pair of `text`, in order.
template <typename Take>
void for_each_pair(std::string_view text, Take take) {
  while (!text.empty()) {
    auto amp = text.find('&');
    auto pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
    auto eq = pair.find('=');
    auto key = url_decode(pair.substr(0, eq));
    auto value =
        url_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    if (key && value && !key->empty()) take(std::move(*key), std::move(*value));
  }
}
}  // namespace

std::map<std::string, std::string> parse_form(std::string_view text) {
  std::map<std::string, std::string> out;
  for_each_pair(text, [&out](std::string key, std::string value) {
    out.emplace(std::move(key), std::move(value));
  });
  return out;
}

std::vector<std::string> form_values(std::string_view text, std::string_view key) {
  std::vector<std::string> out;
  for_each_pair(text, [&](const std::string& k, std::string value) {
    if (k == key) out.push_back(std::move(value));
  });
  return out;
}

std::string cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    auto semi = header.find(';');
    auto pair = trim(header.substr(0, semi));
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name)
      return std::string(pair.substr(eq + 1));
  }
  return {};
}

std::string origin_of(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  auto slash = url.find('/', scheme + 3);
  return std::string(url.substr(0, slash));
}

}  // namespace gatehouse::web
