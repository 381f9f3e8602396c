#include "config/store_url.hpp"

namespace gatehouse::config {

namespace {
constexpr std::string_view sqlite_scheme = "sqlite:";
constexpr std::string_view postgresql_schemes[] = {"postgresql://", "postgres://"};
}  // namespace

std::optional<store_url> parse_store_url(std::string_view text) {
  if (text.starts_with(sqlite_scheme) && text.size() > sqlite_scheme.size())
    return store_url{store_kind::sqlite, std::string(text.substr(sqlite_scheme.size()))};
  for (std::string_view scheme : postgresql_schemes)
    if (text.starts_with(scheme) && text.size() > scheme.size())
      return store_url{store_kind::postgresql, std::string(text)};
  return std::nullopt;
}

std::string to_string(const store_url& url) {
  if (url.kind == store_kind::sqlite) return std::string(sqlite_scheme) + url.location;
  return url.location;
}

}  // namespace gatehouse::config
