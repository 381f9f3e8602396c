#pragma once
// A thin RAII layer over the SQLite C API for the SQLite backend (store.cpp, token_store.cpp,
// outbox.cpp): one connection, a cache of prepared statements, and transactions that roll back
// unless committed. Errors are reported as policy::error (internal), never thrown.
//
// Ownership: `database` owns the connection and every cached statement; a `statement&` it
// hands out stays valid for the database's life. Thread-safety: none; each owner holds a
// mutex around every use of its connection.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "policy/result.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace gatehouse::storage::sqlite {

using policy::error;
using policy::error_code;
using policy::make_error;
using policy::result;

class statement {
 public:
  statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~statement();
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;

  // Bind by 1-based position; chainable.
  statement& bind(int i, std::int64_t v);
  statement& bind(int i, std::string_view v);
  statement& bind(int i, std::optional<std::int64_t> v);  // null when empty
  statement& bind_null(int i);

  // true: a row is ready; false: done. Errors: internal.
  result<bool> step();
  // Steps to the end (statements without rows).
  result<void> run();

  std::int64_t integer(int col) const;
  std::optional<std::int64_t> optional_integer(int col) const;
  std::string text(int col) const;
  int column_count() const;

  // Clears bindings and rewinds; called when its statement_ref is dropped.
  void reset();

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

// A cached statement in use: rewound and unbound when the handle goes away, so that no
// statement left on a row keeps a read transaction (and its stale snapshot) open.
class statement_ref {
 public:
  explicit statement_ref(statement* s) : s_(s) {}
  statement_ref(statement_ref&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  statement_ref& operator=(statement_ref&& o) noexcept {
    if (this != &o) {
      if (s_) s_->reset();
      s_ = std::exchange(o.s_, nullptr);
    }
    return *this;
  }
  ~statement_ref() {
    if (s_) s_->reset();
  }
  statement& operator*() const { return *s_; }
  statement* operator->() const { return s_; }

 private:
  statement* s_;
};

class database {
 public:
  // Opens (creating if needed) the file, or an in-memory database for ":memory:". The file is
  // created 0600 whatever the umask (SQLite gives its -wal, -shm and -journal files the same
  // mode); an existing one and its companions lose every right beyond 0640.
  static result<std::unique_ptr<database>> open(const std::string& path);
  ~database();
  database(const database&) = delete;
  database& operator=(const database&) = delete;

  // Runs one or more statements without results.
  result<void> exec(std::string_view sql);
  // The cached statement for `sql`, ready to bind; reset when the handle is dropped. Hold at
  // most one handle per SQL text at a time (they share the statement).
  result<statement_ref> prepare(std::string_view sql);

  std::int64_t last_insert_rowid() const;
  int changes() const;  // rows changed by the last statement
  std::string last_error() const;

 private:
  explicit database(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::map<std::string, std::unique_ptr<statement>, std::less<>> cache_;
};

// BEGIN IMMEDIATE on construction (taking the write lock up front, so two writers never
// deadlock upgrading a read lock); ROLLBACK on destruction unless commit() succeeded.
class transaction {
 public:
  static result<transaction> begin(database& db);
  transaction(transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  transaction& operator=(transaction&&) = delete;
  ~transaction();
  result<void> commit();

 private:
  explicit transaction(database& db) : db_(&db) {}
  database* db_;
};

error internal_error(std::string_view what, const database& db);

}  // namespace gatehouse::storage::sqlite
