// What is particular to the SQLite backend: how it reports a store it cannot open, its journal
// mode, refusing a schema from a newer Gatehouse, a damaged row, and the files' modes.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "policy/store.hpp"
#include "policy_test_support.hpp"
#include "storage/sqlite/schema.hpp"

namespace gatehouse::policy::testing {
namespace {

namespace fs = std::filesystem;

class SqliteStore : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "gatehouse-sqlite-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    file_ = (dir_ / "gatehouse.db").string();
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(dir_, fs::perms::owner_all, ec);
    fs::remove_all(dir_, ec);
  }
  // Runs SQL on the file directly, as another program would.
  void raw_sql(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(file_.c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close(db);
  }
  std::string raw_text(const std::string& sql) {
    sqlite3* db = nullptr;
    sqlite3_open(file_.c_str(), &db);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
    std::string out;
    if (sqlite3_step(st) == SQLITE_ROW)
      out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
  }

  fs::path dir_;
  std::string file_;
};

TEST_F(SqliteStore, AMissingDirectoryIsReportedClearly) {
  auto s = open_store("sqlite:" + (dir_ / "no/such/dir/gatehouse.db").string());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(),
            "cannot open store sqlite:" + (dir_ / "no/such/dir/gatehouse.db").string() +
                ": unable to open database file");
}

TEST_F(SqliteStore, AnUnwritableDirectoryIsReportedClearly) {
  if (geteuid() == 0) GTEST_SKIP() << "root may write anywhere";
  fs::permissions(dir_, fs::perms::owner_read | fs::perms::owner_exec);
  auto s = open_store("sqlite:" + file_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "cannot open store sqlite:" + file_ + ": unable to open database file");
}

TEST_F(SqliteStore, UnknownKindsOfStoreAreRefused) {
  EXPECT_EQ(open_store("mysql://db/x").message(),
            "cannot open store mysql://db/x: unsupported kind of store (use sqlite:PATH or "
            "postgresql://...)");
  EXPECT_EQ(open_store("sqlite:").code(), error_code::invalid);
}

TEST_F(SqliteStore, UsesTheWriteAheadLog) {
  auto s = open_store("sqlite:" + file_);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(raw_text("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw_text("SELECT name FROM schema_migrations WHERE version = 1"),
            "requests, grants, change feed");
}

mode_t mode_of(const std::string& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

// Restores the umask it replaced.
struct scoped_umask {
  explicit scoped_umask(mode_t mask) : old(::umask(mask)) {}
  ~scoped_umask() { ::umask(old); }
  mode_t old;
};

TEST_F(SqliteStore, ItsFilesAreTheOwnersWhateverTheUmask) {
  scoped_umask loose(022);
  auto s = open_store("sqlite:" + file_);
  ASSERT_TRUE(s.ok()) << s.message();
  request r;
  r.requester = "alice";
  ASSERT_TRUE((*s)->create_request(r).ok());
  for (const char* suffix : {"", "-wal", "-shm"})
    EXPECT_EQ(mode_of(file_ + suffix), 0600u) << suffix;
}

TEST_F(SqliteStore, AnOpenStoreLosesGroupWriteAndOthersAccess) {
  { ASSERT_TRUE(open_store("sqlite:" + file_).ok()); }
  ASSERT_EQ(::chmod(file_.c_str(), 0664), 0);
  auto s = open_store("sqlite:" + file_);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(mode_of(file_), 0640u);  // the group may still read (backups), no more
}

TEST_F(SqliteStore, ASchemaFromANewerGatehouseIsRefused) {
  { ASSERT_TRUE(open_store("sqlite:" + file_).ok()); }
  raw_sql("INSERT INTO schema_migrations VALUES (99, 'future', 0)");
  auto s = open_store("sqlite:" + file_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "cannot open store sqlite:" + file_ +
                             ": the store's schema (version 99) is newer than this gatehouse "
                             "understands (version " +
                             std::to_string(storage::sqlite::migrations().back().version) + ")");
}

TEST_F(SqliteStore, AnOlderSchemaIsMigratedKeepingItsData) {
  // A database as the first release left it: migration 1 only, with one request in it.
  const auto& first = storage::sqlite::migrations().front();
  raw_sql(
      "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
      " applied_at INTEGER NOT NULL);" +
      std::string(first.sql) + "INSERT INTO schema_migrations VALUES (1, 'first', 0);");
  raw_sql(
      "INSERT INTO requests (version, state, requester, server, account, protocol,"
      " justification, window_start, window_end, emergency, post_approval, rule, max_duration,"
      " pending_until, auto_approve, filed_by, levels, decisions, comments, created, updated)"
      " VALUES (1, 'pending', 'alice', 'web01', 'root', 'ssh', 'old', 0, 3600000, 0, 'none',"
      " 'prod', 28800, 1800000, 0, 'alice', '[]', '[]', '[]', 0, 0)");
  auto s = open_store("sqlite:" + file_);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(*(*s)->schema_version(), storage::sqlite::migrations().back().version);
  auto r = (*s)->get_request(1);
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->justification, "old");
  EXPECT_EQ(r->title, "");  // migration 7: requests filed before titles have none
  EXPECT_EQ(raw_text("SELECT COUNT(*) FROM schema_migrations"),
            std::to_string(storage::sqlite::migrations().size()));
}

TEST_F(SqliteStore, ADamagedRowIsAnErrorNotACrash) {
  auto s = open_store("sqlite:" + file_);
  ASSERT_TRUE(s.ok());
  request r;
  r.requester = "alice";
  auto created = (*s)->create_request(r);
  ASSERT_TRUE(created.ok());
  raw_sql("UPDATE requests SET levels = '{not json' WHERE id = 1");
  auto got = (*s)->get_request(1);
  EXPECT_EQ(got.code(), error_code::internal);
  EXPECT_EQ(got.message(), "request #1 is damaged in the store");
}

}  // namespace
}  // namespace gatehouse::policy::testing
