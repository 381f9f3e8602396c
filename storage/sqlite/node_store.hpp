#pragma once
// The SQLite backend of nodes::node_store (nodes/node_store.hpp): tables nodes and kill_orders
// (migration 5 of schema.cpp) in the store's file, through its own connection. One daemon per
// file, so it only ever lists itself; the tables are there so both backends behave alike.
//
// Ownership: owns its connection. Thread-safety: every call takes an internal mutex.
#include <memory>
#include <string>

#include "nodes/node_store.hpp"

namespace gatehouse::storage::sqlite {

// Opens `path` (":memory:" for tests) and brings its schema up to date.
policy::result<std::unique_ptr<nodes::node_store>> open_node_store(const std::string& path);

}  // namespace gatehouse::storage::sqlite
