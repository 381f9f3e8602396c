#pragma once
// The store's URL (the `store` setting), parsed in this one place for the configuration's
// checks and for storage::open_storage: `sqlite:PATH` (a file, or one of SQLite's special
// names such as ":memory:") or `postgresql://...` (also `postgres://...`, kept whole for the
// PostgreSQL client). Pure functions, no I/O.
#include <optional>
#include <string>
#include <string_view>

namespace gatehouse::config {

enum class store_kind { sqlite, postgresql };

struct store_url {
  store_kind kind = store_kind::sqlite;
  std::string location;  // sqlite: the path after "sqlite:"; postgresql: the whole URL

  // A file path to resolve and protect, not a special SQLite name (":memory:").
  bool names_a_file() const { return kind == store_kind::sqlite && !location.starts_with(':'); }
};

// nullopt when `text` is neither form or names nothing ("sqlite:", "postgresql://").
std::optional<store_url> parse_store_url(std::string_view text);
// The URL as text again: "sqlite:" + location, or the PostgreSQL URL.
std::string to_string(const store_url& url);

}  // namespace gatehouse::config
