#pragma once
// The SQLite backend of `store` (store.hpp): one file, WAL journal, synchronous=FULL (a commit
// is on disk when apply() returns), a busy timeout for other processes holding the write lock,
// the versioned schema of sqlite_schema.hpp, prepared statements cached per connection.
//
// Ownership: owns its connection. Thread-safety: every call takes an internal mutex, so one
// store may be shared by all threads of a daemon. Several processes may open the same file;
// writers then wait up to the busy timeout.
#include <memory>
#include <string>

#include "policy/store.hpp"

namespace gatehouse::policy {

// `path` is a file path or ":memory:". `url` is what messages call it ("sqlite:PATH").
result<std::unique_ptr<store>> open_sqlite_store(const std::string& path, const std::string& url);

}  // namespace gatehouse::policy
