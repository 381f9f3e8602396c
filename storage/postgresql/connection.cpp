#include "storage/postgresql/connection.hpp"

#include <poll.h>

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <charconv>

#include "policy/store_reachability.hpp"

namespace gatehouse::storage::postgresql {

namespace {

std::string first_line(const char* text) {
  std::string s = text ? text : "";
  if (auto nl = s.find('\n'); nl != std::string::npos) s.resize(nl);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s.empty() ? std::string("unknown error") : s;
}

}  // namespace

error connection_error(pg_conn* conn) {
  return make_error(error_code::internal, "postgresql: " + first_line(PQerrorMessage(conn)));
}

rows::rows(pg_result* r) : r_(r) {}
rows::~rows() {
  if (r_) PQclear(r_);
}
rows::rows(rows&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }

int rows::count() const { return PQntuples(r_); }
bool rows::is_null(int row, int col) const { return PQgetisnull(r_, row, col) != 0; }
std::string rows::text(int row, int col) const {
  return std::string(PQgetvalue(r_, row, col), std::size_t(PQgetlength(r_, row, col)));
}
std::int64_t rows::integer(int row, int col) const {
  return optional_integer(row, col).value_or(0);
}
std::optional<std::int64_t> rows::optional_integer(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  const char* v = PQgetvalue(r_, row, col);
  const char* end = v + PQgetlength(r_, row, col);
  std::int64_t out = 0;
  auto [ptr, ec] = std::from_chars(v, end, out);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return out;
}
std::int64_t rows::affected() const {
  const char* n = PQcmdTuples(r_);
  std::int64_t out = 0;
  std::from_chars(n, n + std::char_traits<char>::length(n), out);
  return out;
}

result<std::unique_ptr<connection>> connection::open(const std::string& conninfo) {
  pg_conn* c = PQconnectdb(conninfo.c_str());
  if (!c) return make_error(error_code::internal, "postgresql: out of memory");
  if (PQstatus(c) != CONNECTION_OK) {
    auto e = connection_error(c);
    PQfinish(c);
    return e;
  }
  // Our own statements say what they mean: no notices on stderr.
  PQsetNoticeProcessor(
      c, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<connection>(new connection(c));
}

connection::~connection() { PQfinish(conn_); }

bool connection::broken() const { return PQstatus(conn_) != CONNECTION_OK; }

bool connection::lost() {
  if (broken()) return true;
  // Idle, nothing should arrive but the server's goodbye (a restart) or the socket's end:
  // anything readable means the connection is not worth keeping.
  pollfd fd{PQsocket(conn_), POLLIN, 0};
  return fd.fd < 0 || ::poll(&fd, 1, 0) != 0;
}

result<void> connection::reset() {
  PQreset(conn_);
  prepared_.clear();
  if (PQstatus(conn_) != CONNECTION_OK) return connection_error(conn_);
  return {};
}

result<rows> connection::check(pg_result* r) {
  rows out(r);
  auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return out;
  const char* msg = r ? PQresultErrorMessage(r) : nullptr;
  if (!msg || !*msg) msg = PQerrorMessage(conn_);
  return make_error(error_code::internal, "postgresql: " + first_line(msg));
}

result<void> connection::exec(const std::string& sql) {
  auto r = check(PQexec(conn_, sql.c_str()));
  if (!r) return r.err();
  return {};
}

result<rows> connection::query(const std::string& sql, const params& p) {
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    std::string name = "gh" + std::to_string(prepared_.size() + 1);
    auto done = check(PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr));
    if (!done) return done.err();
    it = prepared_.emplace(sql, std::move(name)).first;
  }
  std::vector<const char*> values;
  values.reserve(p.size());
  for (const auto& v : p.values()) values.push_back(v ? v->c_str() : nullptr);
  return check(PQexecPrepared(conn_, it->second.c_str(), int(values.size()), values.data(), nullptr,
                              nullptr, 0));
}

result<transaction> transaction::begin(connection& c) {
  if (auto r = c.exec("BEGIN"); !r) return r.err();
  return transaction(c);
}

transaction::~transaction() {
  if (c_ && !c_->broken()) (void)c_->exec("ROLLBACK");
}

result<void> transaction::commit() {
  auto r = c_->exec("COMMIT");
  c_ = nullptr;  // committed, or failed and rolled back by the server
  return r;
}

result<std::unique_ptr<pool>> pool::open(const std::string& conninfo, std::size_t size) {
  std::unique_ptr<pool> p(new pool(conninfo, size == 0 ? 1 : size));
  auto first = connection::open(conninfo);
  if (!first) return first.err();
  p->idle_.push_back(std::move(*first));
  p->open_ = 1;
  return p;
}

result<pool::lease> pool::acquire() {
  std::unique_ptr<connection> c;
  {
    std::unique_lock lock(mutex_);
    returned_.wait(lock, [&] { return !idle_.empty() || open_ < size_; });
    if (!idle_.empty()) {
      c = std::move(idle_.back());
      idle_.pop_back();
    } else {
      ++open_;  // a place for a new connection, opened outside the lock
    }
  }
  if (!c) {
    auto opened = connection::open(conninfo_);
    if (!opened) {
      {
        std::lock_guard lock(mutex_);
        --open_;
        returned_.notify_one();
      }
      return unreachable(opened.message());
    }
    c = std::move(*opened);
  } else if (c->lost()) {
    if (auto r = c->reset(); !r) {
      give_back(std::move(c));  // tried again on the next loan
      return unreachable(r.message());
    }
  }
  if (unreachable_.exchange(false)) spdlog::info("store: PostgreSQL is reachable again");
  return lease(*this, std::move(c));
}

error pool::unreachable(const std::string& why) {
  if (!unreachable_.exchange(true)) spdlog::warn("store: PostgreSQL cannot be reached: {}", why);
  return make_error(error_code::internal, std::string(policy::store_unreachable_text));
}

void pool::give_back(std::unique_ptr<connection> c) {
  std::lock_guard lock(mutex_);
  idle_.push_back(std::move(c));
  returned_.notify_one();
}

pool::lease::~lease() {
  if (c_) pool_->give_back(std::move(c_));
}

}  // namespace gatehouse::storage::postgresql
