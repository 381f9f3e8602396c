#pragma once
// The SQLite backend of approval::token_store (approval/token_store.hpp): table web_tokens
// (migration 4 of schema.cpp) in the store's file, through its own connection (WAL lets it
// share the file with the policy store and the outbox).
//
// Ownership: owns its connection. Thread-safety: every call takes an internal mutex.
#include <memory>
#include <string>

#include "approval/token_store.hpp"

namespace gatehouse::storage::sqlite {

// Opens `path` (":memory:" for tests) and brings its schema up to date.
policy::result<std::unique_ptr<approval::token_store>> open_token_store(const std::string& path);

}  // namespace gatehouse::storage::sqlite
