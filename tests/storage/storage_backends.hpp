#pragma once
// The storage backends the conformance suites run over (tests/policy/store_conformance_test,
// tests/approval/token_store_test, tests/mail/outbox_test). A backend is a small struct:
//   url()                 the store URL open_storage() takes;
//   persistent            whether reopening the URL finds what was written;
//   table_text(table)     every value of `table` as text, concatenated (what a copy of the
//                         store would give away), read over a connection of its own.
// To put a new backend through every suite, add it here and to the type lists.
#include <stdlib.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "postgres_server.hpp"
#include "storage/sqlite/database.hpp"

namespace gatehouse::storage::testing {

// A fresh directory under the system temp dir, removed with the object.
class temp_dir {
 public:
  temp_dir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "gatehouse-storage-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data()) ? pattern : std::string();
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all, ec);
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// SQLite in a file, as the daemon runs it.
struct sqlite_file_backend {
  static constexpr bool persistent = true;
  temp_dir dir;
  std::string file() const { return (dir.path() / "gatehouse.db").string(); }
  std::string url() const { return "sqlite:" + file(); }
  std::string table_text(const std::string& table) const {
    auto db = sqlite::database::open(file());
    if (!db) return "cannot open: " + db.message();
    auto select = (*db)->prepare("SELECT * FROM " + table);
    if (!select) return "cannot read: " + select.message();
    std::string out;
    while (auto row = (*select)->step()) {
      if (!*row) break;
      for (int i = 0; i < (*select)->column_count(); ++i) out += (*select)->text(i) + "\n";
    }
    return out;
  }
};

// SQLite in memory: every open is a database of its own (tests only).
struct sqlite_memory_backend {
  static constexpr bool persistent = false;
  std::string url() const { return "sqlite::memory:"; }
};

// A database of its own on the real PostgreSQL server the tests start (postgres_server.hpp).
// Without a server the test fails, saying why.
struct postgresql_backend {
  static constexpr bool persistent = true;
  postgresql_backend() : url_(postgres_server::shared().new_database()) {
    if (url_.empty()) ADD_FAILURE() << postgres_server::shared().problem();
  }
  std::string url() const { return url_.empty() ? "postgresql://127.0.0.1:1/unavailable" : url_; }
  std::string table_text(const std::string& table) const {
    return postgres_table_text(url(), table);
  }

 private:
  std::string url_;
};

}  // namespace gatehouse::storage::testing
