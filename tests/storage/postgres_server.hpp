#pragma once
// A real PostgreSQL server for the tests, shared by every test of one process: initdb into a
// fresh temporary directory, `postgres` on a free 127.0.0.1 port (and a Unix socket in that
// directory), stopped and removed when the process ends. As root (CI) it runs as the
// `postgres` user (runuser), which owns the directory. Binaries: /usr/lib/postgresql/15/bin
// (bookworm's postgresql-15) or $GATEHOUSE_PG_BIN. When they are missing or the server does
// not start, problem() says why and the suites FAIL with it (CI installs them: never a silent
// skip). tests/integration/support/postgres_env.py does the same for the integration tests.
//
// Thread-safety: shared() and new_database() may be called from any thread.
#include <mutex>
#include <string>

namespace gatehouse::storage::testing {

class postgres_server {
 public:
  // The process's server, started on first use.
  static postgres_server& shared();
  ~postgres_server();
  postgres_server(const postgres_server&) = delete;
  postgres_server& operator=(const postgres_server&) = delete;

  // Empty when the server runs; else why not (with the log's tail).
  const std::string& problem() const { return problem_; }
  int port() const { return port_; }
  // A new empty database and its URL (postgresql://postgres@127.0.0.1:PORT/NAME); "" and
  // problem() set when it cannot be made.
  std::string new_database();
  // The URL of an existing database.
  std::string url_of(const std::string& database) const;

 private:
  postgres_server();
  bool start();
  std::string as_server_user(const std::string& command) const;

  std::mutex mutex_;
  std::string bin_;
  std::string dir_;
  std::string problem_;
  int port_ = 0;
  int next_database_ = 0;
  bool started_ = false;
};

// Every value of `table` as text, one per line, read over a connection of its own.
std::string postgres_table_text(const std::string& url, const std::string& table);

}  // namespace gatehouse::storage::testing
