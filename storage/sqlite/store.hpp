#pragma once
// The SQLite backend of policy::store (policy/store.hpp): one file, WAL journal,
// synchronous=FULL (a commit is on disk when apply() returns), a busy timeout for other
// processes holding the write lock, the versioned schema of schema.hpp, prepared statements
// cached per connection.
//
// Ownership: owns its connection. Thread-safety: every call takes an internal mutex, so one
// store may be shared by all threads of a daemon. Several processes may open the same file;
// writers then wait up to the busy timeout.
#include <memory>
#include <string>

#include "policy/store.hpp"

namespace gatehouse::storage::sqlite {

// `path` is a file path or ":memory:". `url` is what messages call it ("sqlite:PATH").
policy::result<std::unique_ptr<policy::store>> open_store(const std::string& path,
                                                          const std::string& url);

}  // namespace gatehouse::storage::sqlite
