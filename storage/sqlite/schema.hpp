#pragma once
// The SQLite schema as an ordered list of migrations. A database records the migrations it
// has had in `schema_migrations`; migrate() applies the missing ones, each in its own
// transaction, and refuses a database made by a newer Gatehouse. Append new migrations at the
// end; never edit one that has shipped.
//
// Times are INTEGER milliseconds since the Unix epoch (UTC). Nested request parts (levels,
// decisions, comments) are JSON text (record_codec.hpp).
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "policy/result.hpp"
#include "storage/sqlite/database.hpp"

namespace gatehouse::storage::sqlite {

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

// Opens `path` as every part of the store does (WAL: readers do not block the writer;
// synchronous FULL: a commit is on disk before it returns; a 5 s busy timeout for other
// writers), runs `extra_pragmas`, and migrates. Errors carry SQLite's words alone.
result<std::unique_ptr<database>> open_migrated(const std::string& path,
                                                std::initializer_list<const char*> extra_pragmas);

}  // namespace gatehouse::storage::sqlite
