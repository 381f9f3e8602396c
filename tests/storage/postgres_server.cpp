#include "postgres_server.hpp"

#include <netinet/in.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libpq-fe.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace gatehouse::storage::testing {

namespace fs = std::filesystem;

namespace {

int free_loopback_port() {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(s);
  return port;
}

std::string tail_of(const std::string& path) {
  std::ifstream in(path);
  std::stringstream all;
  all << in.rdbuf();
  std::string text = all.str();
  return text.size() > 1500 ? text.substr(text.size() - 1500) : text;
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }

}  // namespace

postgres_server& postgres_server::shared() {
  static postgres_server server;
  return server;
}

postgres_server::postgres_server() {
  const char* bin = ::getenv("GATEHOUSE_PG_BIN");
  bin_ = bin && *bin ? bin : "/usr/lib/postgresql/15/bin";
  started_ = start();
}

std::string postgres_server::as_server_user(const std::string& command) const {
  if (::geteuid() != 0) return command;
  return "runuser -u postgres -- " + command;
}

bool postgres_server::start() {
  if (!fs::exists(fs::path(bin_) / "initdb") || !fs::exists(fs::path(bin_) / "pg_ctl")) {
    problem_ = "PostgreSQL server binaries not found in " + bin_ +
               " (install postgresql-15: scripts/install-deps; or set GATEHOUSE_PG_BIN)";
    return false;
  }
  std::string pattern = (fs::temp_directory_path() / "gatehouse-pg-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) {
    problem_ = "cannot make a temporary directory for PostgreSQL";
    return false;
  }
  dir_ = pattern;
  if (::geteuid() == 0) {
    passwd* pg = ::getpwnam("postgres");
    if (!pg || ::chown(dir_.c_str(), pg->pw_uid, pg->pw_gid) != 0) {
      problem_ = "running as root, but there is no `postgres` user to run the server as";
      return false;
    }
  }
  const std::string data = dir_ + "/data", log = dir_ + "/server.log";
  const std::string initdb = as_server_user(bin_ + "/initdb -D " + quoted(data) +
                                            " -U postgres -A trust -E UTF8 --no-sync > " +
                                            quoted(dir_ + "/initdb.log") + " 2>&1");
  if (std::system(initdb.c_str()) != 0) {
    problem_ = "initdb failed: " + tail_of(dir_ + "/initdb.log");
    return false;
  }
  for (int attempt = 0; attempt < 3 && !started_; ++attempt) {
    port_ = free_loopback_port();
    const std::string options = "-p " + std::to_string(port_) + " -k " + dir_ +
                                " -c listen_addresses=127.0.0.1 -c fsync=off"
                                " -c max_connections=200";
    const std::string pg_ctl =
        as_server_user(bin_ + "/pg_ctl -D " + quoted(data) + " -l " + quoted(log) +
                       " -w -t 60 -o " + quoted(options) + " start > /dev/null 2>&1");
    if (std::system(pg_ctl.c_str()) == 0) return true;
  }
  problem_ = "the PostgreSQL server did not start: " + tail_of(log);
  return false;
}

postgres_server::~postgres_server() {
  if (dir_.empty()) return;
  if (started_) {
    const std::string stop = as_server_user(bin_ + "/pg_ctl -D " + quoted(dir_ + "/data") +
                                            " -m immediate -w stop > /dev/null 2>&1");
    (void)std::system(stop.c_str());
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string postgres_server::url_of(const std::string& database) const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

std::string postgres_server::new_database() {
  std::lock_guard lock(mutex_);
  if (!started_) return "";
  const std::string name = "gatehouse_test_" + std::to_string(++next_database_);
  PGconn* c = PQconnectdb(url_of("postgres").c_str());
  std::string why;
  if (PQstatus(c) != CONNECTION_OK) {
    why = PQerrorMessage(c);
  } else {
    PGresult* r = PQexec(c, ("CREATE DATABASE " + name).c_str());
    if (PQresultStatus(r) != PGRES_COMMAND_OK) why = PQresultErrorMessage(r);
    PQclear(r);
  }
  PQfinish(c);
  if (!why.empty()) {
    problem_ = "cannot create database " + name + ": " + why;
    return "";
  }
  return url_of(name);
}

std::string postgres_table_text(const std::string& url, const std::string& table) {
  PGconn* c = PQconnectdb(url.c_str());
  std::string out;
  if (PQstatus(c) != CONNECTION_OK) {
    out = std::string("cannot open: ") + PQerrorMessage(c);
  } else {
    PGresult* r = PQexec(c, ("SELECT * FROM " + table).c_str());
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
      out = "cannot read: " + std::string(PQresultErrorMessage(r));
    else
      for (int i = 0; i < PQntuples(r); ++i)
        for (int j = 0; j < PQnfields(r); ++j)
          out += std::string(PQgetvalue(r, i, j), std::size_t(PQgetlength(r, i, j))) + "\n";
    PQclear(r);
  }
  PQfinish(c);
  return out;
}

}  // namespace gatehouse::storage::testing
