#include "config/store_url.hpp"

#include <algorithm>
#include <array>

namespace gatehouse::config {

namespace {
constexpr std::string_view sqlite_scheme = "sqlite:";
constexpr std::string_view postgresql_schemes[] = {"postgresql://", "postgres://"};
// The connection keywords of libpq 15 that may start a keyword string.
constexpr std::array<std::string_view, 22> libpq_keywords = {"host",
                                                             "hostaddr",
                                                             "port",
                                                             "dbname",
                                                             "user",
                                                             "password",
                                                             "passfile",
                                                             "connect_timeout",
                                                             "options",
                                                             "application_name",
                                                             "sslmode",
                                                             "sslcert",
                                                             "sslkey",
                                                             "sslrootcert",
                                                             "sslcrl",
                                                             "service",
                                                             "target_session_attrs",
                                                             "keepalives",
                                                             "keepalives_idle",
                                                             "client_encoding",
                                                             "gssencmode",
                                                             "channel_binding"};
constexpr std::string_view hidden = "***";

bool is_uri(std::string_view text) {
  return std::any_of(std::begin(postgresql_schemes), std::end(postgresql_schemes),
                     [&](std::string_view s) { return text.starts_with(s); });
}

// "host=..." and the like: the first word is a libpq keyword followed by '='.
bool is_keyword_string(std::string_view text) {
  auto start = text.find_first_not_of(" \t");
  if (start == std::string_view::npos) return false;
  text.remove_prefix(start);
  auto eq = text.find('=');
  if (eq == std::string_view::npos) return false;
  auto word = text.substr(0, eq);
  while (!word.empty() && (word.back() == ' ' || word.back() == '\t')) word.remove_suffix(1);
  return std::find(libpq_keywords.begin(), libpq_keywords.end(), word) != libpq_keywords.end();
}

// Replaces the value after each "password=" (a keyword or a URI parameter) with ***.
std::string hide_password_values(std::string text, bool in_uri) {
  const std::string_view key = "password=";
  for (std::size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + 1)) {
    const bool starts_word = at == 0 || text[at - 1] == ' ' || text[at - 1] == '\t' ||
                             text[at - 1] == '?' || text[at - 1] == '&';
    if (!starts_word) continue;
    std::size_t value = at + key.size();
    std::size_t end = value;
    if (in_uri) {
      end = text.find('&', value);
    } else if (value < text.size() && text[value] == '\'') {
      for (end = value + 1; end < text.size() && text[end] != '\''; ++end)
        if (text[end] == '\\') ++end;
      end = std::min(end + 1, text.size());
    } else {
      end = text.find_first_of(" \t", value);
    }
    if (end == std::string::npos) end = text.size();
    text.replace(value, end - value, hidden);
  }
  return text;
}
}  // namespace

std::optional<store_url> parse_store_url(std::string_view text) {
  if (text.starts_with(sqlite_scheme) && text.size() > sqlite_scheme.size())
    return store_url{store_kind::sqlite, std::string(text.substr(sqlite_scheme.size()))};
  for (std::string_view scheme : postgresql_schemes)
    if (text.starts_with(scheme) && text.size() > scheme.size())
      return store_url{store_kind::postgresql, std::string(text)};
  if (is_keyword_string(text)) return store_url{store_kind::postgresql, std::string(text)};
  return std::nullopt;
}

std::string to_string(const store_url& url) {
  if (url.kind == store_kind::sqlite) return std::string(sqlite_scheme) + url.location;
  return url.location;
}

std::string shown_store_url(std::string_view text) {
  if (is_uri(text)) {
    std::string out(text);
    const auto authority = text.find("//") + 2;
    const auto end = out.find_first_of("/?", authority);
    const auto at = out.rfind('@', end == std::string::npos ? out.size() : end);
    if (at != std::string::npos && at > authority) {
      const auto colon = out.find(':', authority);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, hidden);
    }
    return hide_password_values(std::move(out), true);
  }
  if (is_keyword_string(text)) return hide_password_values(std::string(text), false);
  return std::string(text);
}

}  // namespace gatehouse::config
