#pragma once
// The PostgreSQL backend's schema: the same tables as the SQLite one (storage/sqlite/schema,
// numbered alike so that `schema_version` means the same), in PostgreSQL's types, and the
// migrations that bring a database up to date. Several daemons starting at once agree: each
// migrates under one advisory lock (pg_advisory_lock), so the first applies what is missing and
// the others find it done. A schema newer than this build is refused.
//
// The change feed is numbered by its sequence without a lock; its readers keep it in order
// (feed_gaps.hpp).
//
// Thread-safety: pure functions over the connection they are given.
#include <cstdint>

#include "storage/postgresql/connection.hpp"

namespace gatehouse::storage::postgresql {

inline constexpr std::int64_t migration_lock_key = 0x67617465'00000001;  // "gate" 1
// The channel apply() notifies with the last seq it wrote.
inline constexpr const char* changes_channel = "gatehouse_changes";

// The latest version this build knows.
int latest_schema_version();
// The version the database is at (0 when empty).
result<int> current_version(connection& c);
// Brings the database up to date under the migration lock; returns the version.
result<int> migrate(connection& c);

}  // namespace gatehouse::storage::postgresql
