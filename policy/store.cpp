#include "policy/store.hpp"

#include "policy/sqlite_store.hpp"

namespace gatehouse::policy {

std::string_view to_string(change_kind k) {
  switch (k) {
    case change_kind::request_filed: return "request_filed";
    case change_kind::request_updated: return "request_updated";
    case change_kind::request_decided: return "request_decided";
    case change_kind::grant_ended: return "grant_ended";
    case change_kind::grant_revoked: return "grant_revoked";
  }
  return "request_updated";
}

std::optional<change_kind> parse_change_kind(std::string_view text) {
  for (auto k :
       {change_kind::request_filed, change_kind::request_updated, change_kind::request_decided,
        change_kind::grant_ended, change_kind::grant_revoked})
    if (to_string(k) == text) return k;
  return std::nullopt;
}

result<std::unique_ptr<store>> open_store(const std::string& url) {
  constexpr std::string_view sqlite_scheme = "sqlite:";
  if (url.starts_with(sqlite_scheme)) {
    std::string path = url.substr(sqlite_scheme.size());
    if (path.empty())
      return make_error(error_code::invalid, "cannot open store " + url + ": no file named");
    return open_sqlite_store(path, url);
  }
  return make_error(error_code::invalid,
                    "cannot open store " + url + ": unsupported kind of store (use sqlite:PATH)");
}

}  // namespace gatehouse::policy
