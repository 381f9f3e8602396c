#include "storage/sqlite/database.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include <cerrno>
#include <cstring>

namespace gatehouse::storage::sqlite {

namespace {

// The most a store file may allow: the owner reads and writes, its group may read (backups).
constexpr mode_t widest_mode = 0640;

// Takes from `path` (if it exists) every right beyond widest_mode.
result<void> narrow_mode(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return {};
    return make_error(error_code::internal, path + ": " + std::strerror(errno));
  }
  const mode_t mode = info.st_mode & 07777;
  if ((mode & ~widest_mode) == 0) return {};
  if (::chmod(path.c_str(), mode & widest_mode) != 0)
    return make_error(
        error_code::internal,
        path + ": cannot take away group write and others' access: " + std::strerror(errno));
  return {};
}

// SQLite creates a database with mode 0644 less the umask, and its -wal, -shm and -journal
// files with the database file's own mode. The store holds requests, token hashes and the
// mail outbox: the file is created 0600 here first (whatever the umask), and an existing one
// and its companions lose every right beyond 0640.
result<void> restrict_file_modes(const std::string& path) {
  if (path.empty() || path.starts_with(':') || path.starts_with("file:")) return {};
  // Only a file that does not exist yet (O_EXCL): closing a descriptor of a file that another
  // connection of this process has open would drop that connection's POSIX locks, and another
  // process could then checkpoint and delete the WAL under it. When this fails (no such
  // directory, no right), SQLite's open fails and says so.
  if (int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600); fd >= 0)
    ::close(fd);
  for (const char* suffix : {"", "-wal", "-shm", "-journal"})
    if (auto r = narrow_mode(path + suffix); !r) return r;
  return {};
}

}  // namespace

error internal_error(std::string_view what, const database& db) {
  return make_error(error_code::internal, std::string(what) + ": " + db.last_error());
}

statement::~statement() { sqlite3_finalize(stmt_); }

statement& statement::bind(int i, std::int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}

statement& statement::bind(int i, std::string_view v) {
  sqlite3_bind_text(stmt_, i, v.data(), int(v.size()), SQLITE_TRANSIENT);
  return *this;
}

statement& statement::bind(int i, std::optional<std::int64_t> v) {
  if (v)
    sqlite3_bind_int64(stmt_, i, *v);
  else
    sqlite3_bind_null(stmt_, i);
  return *this;
}

statement& statement::bind_null(int i) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}

result<bool> statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return make_error(error_code::internal, std::string("sqlite: ") + sqlite3_errmsg(db_));
}

result<void> statement::run() {
  for (;;) {
    auto r = step();
    if (!r) return r.err();
    if (!*r) return {};
  }
}

std::int64_t statement::integer(int col) const { return sqlite3_column_int64(stmt_, col); }

std::optional<std::int64_t> statement::optional_integer(int col) const {
  if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_int64(stmt_, col);
}

std::string statement::text(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p),
                         std::size_t(sqlite3_column_bytes(stmt_, col)))
           : std::string();
}

int statement::column_count() const { return sqlite3_column_count(stmt_); }

void statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

result<std::unique_ptr<database>> database::open(const std::string& path) {
  if (auto r = restrict_file_modes(path); !r) return r.err();
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return make_error(error_code::internal, message);
  }
  sqlite3_extended_result_codes(db, 1);
  return std::unique_ptr<database>(new database(db));
}

database::~database() {
  cache_.clear();  // statements first
  sqlite3_close(db_);
}

result<void> database::exec(std::string_view sql) {
  std::string text(sql);
  char* message = nullptr;
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string m = message ? message : last_error();
    sqlite3_free(message);
    return make_error(error_code::internal, "sqlite: " + m);
  }
  return {};
}

result<statement_ref> database::prepare(std::string_view sql) {
  if (auto it = cache_.find(sql); it != cache_.end()) return statement_ref(it->second.get());
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql.data(), int(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                         nullptr) != SQLITE_OK)
    return internal_error("sqlite: cannot prepare statement", *this);
  auto owned = std::make_unique<statement>(db_, stmt);
  statement* raw = owned.get();
  cache_.emplace(std::string(sql), std::move(owned));
  return statement_ref(raw);
}

std::int64_t database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
int database::changes() const { return sqlite3_changes(db_); }
std::string database::last_error() const { return sqlite3_errmsg(db_); }

result<transaction> transaction::begin(database& db) {
  if (auto r = db.exec("BEGIN IMMEDIATE"); !r) return r.err();
  return transaction(db);
}

transaction::~transaction() {
  if (db_) (void)db_->exec("ROLLBACK");
}

result<void> transaction::commit() {
  auto r = db_->exec("COMMIT");
  if (r) db_ = nullptr;
  return r;
}

}  // namespace gatehouse::storage::sqlite
