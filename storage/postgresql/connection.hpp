#pragma once
// A thin RAII layer over libpq for the PostgreSQL backend (store.cpp, token_store.cpp,
// outbox.cpp, listener.cpp): one connection, its prepared statements, results, transactions
// that roll back unless committed, and a small pool of connections.
//
// Why synchronous libpq here: every caller of the store interfaces runs off the io thread (the
// gate service's store worker, the admin and web workers, the mail thread), so a blocking
// PQexecPrepared costs nobody's relay; the pool gives each such thread a connection of its
// own for the length of one call. Only the LISTEN connection (listener.hpp) waits for the
// server by itself, with PQsocket and poll(), on the gate service's listener thread.
//
// Parameters and results travel as text (PostgreSQL converts them); values are bound, never
// spliced into SQL. Errors are policy::error (internal: "postgresql: ..."), never thrown; the
// server's message is kept to its first line and never contains the password.
//
// Ownership: `connection` owns its PGconn; a `pool` owns its connections and lends one at a
// time to one thread (`pool::lease`). Thread-safety: a connection is used by one thread at a
// time; the pool is safe from any thread.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/result.hpp"

struct pg_conn;
struct pg_result;

namespace gatehouse::storage::postgresql {

using policy::error;
using policy::error_code;
using policy::make_error;
using policy::result;

// Bound parameters $1..$N, as text; nullopt is SQL NULL.
class params {
 public:
  params& add(std::string_view v) { return push(std::string(v)); }
  params& add(const std::string& v) { return push(v); }
  params& add(const char* v) { return push(std::string(v)); }
  params& add(std::int64_t v) { return push(std::to_string(v)); }
  params& add(int v) { return push(std::to_string(v)); }
  params& add(bool v) { return push(v ? "1" : "0"); }
  params& add(const std::optional<std::int64_t>& v) {
    return v ? push(std::to_string(*v)) : push(std::nullopt);
  }
  params& add(const std::optional<std::string>& v) { return push(v); }
  std::size_t size() const { return values_.size(); }
  const std::vector<std::optional<std::string>>& values() const { return values_; }

 private:
  params& push(std::optional<std::string> v) {
    values_.push_back(std::move(v));
    return *this;
  }
  std::vector<std::optional<std::string>> values_;
};

// A query's rows (owns the PGresult).
class rows {
 public:
  explicit rows(pg_result* r);
  ~rows();
  rows(rows&& o) noexcept;
  rows& operator=(rows&&) = delete;
  rows(const rows&) = delete;

  int count() const;
  bool is_null(int row, int col) const;
  std::string text(int row, int col) const;
  std::int64_t integer(int row, int col) const;  // 0 for NULL or a malformed number
  std::optional<std::int64_t> optional_integer(int row, int col) const;
  // Rows an INSERT/UPDATE/DELETE touched.
  std::int64_t affected() const;

 private:
  pg_result* r_;
};

class connection {
 public:
  // Connects with a libpq connection string (URI or keywords). The message never holds it.
  static result<std::unique_ptr<connection>> open(const std::string& conninfo);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  // Runs one or more statements without parameters (migrations, BEGIN, LISTEN).
  result<void> exec(const std::string& sql);
  // Runs `sql` with parameters as a named prepared statement, prepared on this connection the
  // first time it is used (the SQL text is its name's key).
  result<rows> query(const std::string& sql, const params& p = {});
  // Broken (a call found the server gone): the pool re-connects it.
  bool broken() const;
  // Broken, or the server said goodbye while it was idle (a restart): checked before a loan,
  // so the first call after the server came back does not fail on a dead connection.
  bool lost();
  // Re-establishes a broken connection (prepared statements are prepared again).
  result<void> reset();
  pg_conn* native() { return conn_; }

 private:
  explicit connection(pg_conn* c) : conn_(c) {}
  result<rows> check(pg_result* r);
  pg_conn* conn_;
  std::map<std::string, std::string, std::less<>> prepared_;  // SQL text -> statement name
};

// The server's message for `conn`, first line only, prefixed "postgresql: ".
error connection_error(pg_conn* conn);

// BEGIN on construction; ROLLBACK on destruction unless commit() succeeded.
class transaction {
 public:
  static result<transaction> begin(connection& c);
  transaction(transaction&& o) noexcept : c_(o.c_) { o.c_ = nullptr; }
  transaction& operator=(transaction&&) = delete;
  ~transaction();
  result<void> commit();

 private:
  explicit transaction(connection& c) : c_(&c) {}
  connection* c_;
};

// A few connections lent to one thread at a time; a lost one is reconnected on its next loan
// (off the io thread, like every store call).
class pool {
 public:
  class lease {
   public:
    lease(pool& p, std::unique_ptr<connection> c) : pool_(&p), c_(std::move(c)) {}
    lease(lease&& o) noexcept = default;
    lease& operator=(lease&&) = delete;
    ~lease();
    connection& operator*() const { return *c_; }
    connection* operator->() const { return c_.get(); }

   private:
    pool* pool_;
    std::unique_ptr<connection> c_;
  };

  // Opens the first connection now (so that a wrong URL is a startup error); the others as
  // they are needed, at most `size`.
  static result<std::unique_ptr<pool>> open(const std::string& conninfo, std::size_t size);
  // A healthy connection, waiting for one to be returned when all are lent. While the server
  // cannot be reached: an error people may be shown (policy::store_unreachable_text); the
  // reason (host, port, libpq's words) goes to the log once per outage. The daemon learns of
  // the outage itself from the change listener (listener.hpp), not from here.
  result<lease> acquire();
  const std::string& conninfo() const { return conninfo_; }

 private:
  pool(std::string conninfo, std::size_t size) : conninfo_(std::move(conninfo)), size_(size) {}
  void give_back(std::unique_ptr<connection> c);
  error unreachable(const std::string& why);

  std::string conninfo_;
  std::size_t size_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<connection>> idle_;
  std::size_t open_ = 0;
  std::atomic<bool> unreachable_{false};
};

// f(connection&) on a connection lent by `p` for the call; an exception (only bad_alloc can
// arise) becomes an error.
template <typename F>
auto with_connection(pool& p, F f) -> decltype(f(std::declval<connection&>())) {
  try {
    auto c = p.acquire();
    if (!c) return c.err();
    return f(**c);
  } catch (const std::exception& e) {
    return make_error(error_code::internal, std::string("postgresql: ") + e.what());
  }
}

}  // namespace gatehouse::storage::postgresql
