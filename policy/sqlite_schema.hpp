#pragma once
// The SQLite schema as an ordered list of migrations. A database records the migrations it
// has had in `schema_migrations`; migrate() applies the missing ones, each in its own
// transaction, and refuses a database made by a newer Gatehouse. Append new migrations at the
// end; never edit one that has shipped.
//
// Times are INTEGER milliseconds since the Unix epoch (UTC). Nested request parts (levels,
// decisions, comments) are JSON text (record_codec.hpp).
#include <span>
#include <string_view>

#include "policy/result.hpp"
#include "policy/sqlite_db.hpp"

namespace gatehouse::policy::sqlite {

struct migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

std::span<const migration> migrations();

// Brings the schema up to the latest version; returns that version.
result<int> migrate(database& db);
// The version recorded in the database (0 when empty).
result<int> current_version(database& db);

}  // namespace gatehouse::policy::sqlite
