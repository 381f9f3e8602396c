#pragma once
// The store's URL (the `store` setting), parsed in this one place for the configuration's
// checks and for storage::open_storage: `sqlite:PATH` (a file, or one of SQLite's special
// names such as ":memory:"), or a PostgreSQL connection string as libpq takes it, kept whole
// for the client: a URI `postgresql://user@host:port/db?...` (also `postgres://...`) or
// keywords `host=db.example port=5432 dbname=gatehouse user=gate ...` (the first word must
// be one of libpq's keywords). Passwords belong in ~/.pgpass or PGPASSFILE; one written in
// the string is accepted but never shown: shown_store_url() is the form for logs and messages.
// Pure functions, no I/O.
#include <optional>
#include <string>
#include <string_view>

namespace gatehouse::config {

enum class store_kind { sqlite, postgresql };

struct store_url {
  store_kind kind = store_kind::sqlite;
  std::string location;  // sqlite: the path after "sqlite:"; postgresql: the whole string

  // A file path to resolve and protect, not a special SQLite name (":memory:").
  bool names_a_file() const { return kind == store_kind::sqlite && !location.starts_with(':'); }
};

// nullopt when `text` is neither form or names nothing ("sqlite:", "postgresql://").
std::optional<store_url> parse_store_url(std::string_view text);
// The URL as text again: "sqlite:" + location, or the PostgreSQL string.
std::string to_string(const store_url& url);
// `text` without its password, if it holds one: "postgresql://gate:***@db/x",
// "host=db password=*** dbname=x", "...?password=***". Anything else is returned as it is.
std::string shown_store_url(std::string_view text);

}  // namespace gatehouse::config
