#include "storage/sqlite/schema.hpp"

#include <string>

namespace gatehouse::storage::sqlite {

namespace {

constexpr migration all_migrations[] = {
    {1, "requests, grants, change feed", R"sql(
CREATE TABLE requests (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  version       INTEGER NOT NULL,
  state         TEXT    NOT NULL,
  requester     TEXT    NOT NULL,
  server        TEXT    NOT NULL,
  account       TEXT    NOT NULL,
  protocol      TEXT    NOT NULL,
  justification TEXT    NOT NULL,
  window_start  INTEGER NOT NULL,
  window_end    INTEGER NOT NULL,
  emergency     INTEGER NOT NULL,
  post_approval TEXT    NOT NULL,
  grant_id      INTEGER,
  rule          TEXT    NOT NULL,
  max_duration  INTEGER NOT NULL,
  pending_until INTEGER NOT NULL,
  auto_approve  INTEGER NOT NULL,
  filed_by      TEXT    NOT NULL,
  levels        TEXT    NOT NULL,
  decisions     TEXT    NOT NULL,
  comments      TEXT    NOT NULL,
  created       INTEGER NOT NULL,
  updated       INTEGER NOT NULL
);
CREATE INDEX requests_by_state ON requests (state, pending_until);
CREATE INDEX requests_by_target ON requests (requester, server, account);

CREATE TABLE grants (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  version    INTEGER NOT NULL,
  request_id INTEGER NOT NULL REFERENCES requests (id),
  person     TEXT    NOT NULL,
  server     TEXT    NOT NULL,
  account    TEXT    NOT NULL,
  start_at   INTEGER NOT NULL,
  end_at     INTEGER NOT NULL,
  state      TEXT    NOT NULL,
  revoked_by TEXT    NOT NULL,
  closed_at  INTEGER
);
CREATE INDEX grants_by_target ON grants (person, server, account, state);
CREATE INDEX grants_by_state ON grants (state, end_at);

CREATE TABLE changes (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  kind       TEXT    NOT NULL,
  request_id INTEGER NOT NULL,
  grant_id   INTEGER,
  at         INTEGER NOT NULL
);
)sql"},
    {2, "indexes: live-grant lookup ordered by end, grants by request", R"sql(
DROP INDEX grants_by_target;
CREATE INDEX grants_by_target ON grants (person, server, account, state, end_at);
CREATE INDEX grants_by_request ON grants (request_id);
)sql"},
    {3, "mail outbox", R"sql(
CREATE TABLE mail_outbox (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  recipient       TEXT    NOT NULL,
  subject         TEXT    NOT NULL,
  body            TEXT    NOT NULL,
  created_at      INTEGER NOT NULL,
  attempts        INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  last_error      TEXT    NOT NULL,
  sent_at         INTEGER
);
CREATE INDEX mail_outbox_due ON mail_outbox (sent_at, next_attempt_at);
)sql"},
    {4, "approval tokens, sign-in, web sessions", R"sql(
CREATE TABLE web_tokens (
  selector_hash TEXT    PRIMARY KEY,
  token_hash    TEXT    NOT NULL,
  kind          TEXT    NOT NULL,
  person        TEXT    NOT NULL,
  request_id    INTEGER NOT NULL,
  next          TEXT    NOT NULL,
  created       INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL,
  used_at       INTEGER
);
CREATE INDEX web_tokens_by_expiry ON web_tokens (kind, expires_at);
)sql"},
    {5, "nodes: the daemons sharing the store, their sessions, kill orders", R"sql(
CREATE TABLE nodes (
  id            TEXT   PRIMARY KEY,
  instance_name TEXT   NOT NULL,
  host          TEXT   NOT NULL,
  addresses     TEXT   NOT NULL,
  version       TEXT   NOT NULL,
  pid           INTEGER NOT NULL,
  started       INTEGER NOT NULL,
  heartbeat     INTEGER NOT NULL,
  gone_at       INTEGER,
  sessions      TEXT   NOT NULL
);
CREATE TABLE kill_orders (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  node       TEXT   NOT NULL,
  session_id TEXT   NOT NULL,
  by_whom    TEXT   NOT NULL,
  ordered_at INTEGER NOT NULL,
  outcome    TEXT   NOT NULL
);
CREATE INDEX kill_orders_by_node ON kill_orders (node, outcome);
)sql"},
    {6, "owed notices; mail queued once per notice and recipient", R"sql(
CREATE TABLE notices (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  request_id INTEGER NOT NULL,
  body       TEXT   NOT NULL,
  owed_at    INTEGER NOT NULL
);
CREATE INDEX notices_by_owed ON notices (owed_at);
ALTER TABLE mail_outbox ADD COLUMN once_key TEXT;
CREATE UNIQUE INDEX mail_outbox_once ON mail_outbox (once_key);
)sql"},
    {7, "request titles", R"sql(
ALTER TABLE requests ADD COLUMN title TEXT NOT NULL DEFAULT '';
)sql"},
    {8, "several targets in one request", R"sql(
ALTER TABLE requests ADD COLUMN more_targets TEXT NOT NULL DEFAULT '[]';
)sql"},
};

}  // namespace

std::span<const migration> migrations() { return all_migrations; }

result<int> current_version(database& db) {
  if (auto r = db.exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                       " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                       " applied_at INTEGER NOT NULL)");
      !r)
    return r.err();
  auto stmt = db.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!stmt) return stmt.err();
  auto row = (*stmt)->step();
  if (!row) return row.err();
  return int((*stmt)->integer(0));
}

result<int> migrate(database& db) {
  auto version = current_version(db);
  if (!version) return version.err();
  const int latest = migrations().back().version;
  if (*version > latest)
    return make_error(error_code::internal,
                      "the store's schema (version " + std::to_string(*version) +
                          ") is newer than this gatehouse understands (version " +
                          std::to_string(latest) + ")");
  for (const migration& m : migrations()) {
    if (m.version <= *version) continue;
    auto tx = transaction::begin(db);
    if (!tx) return tx.err();
    if (auto r = db.exec(m.sql); !r)
      return make_error(error_code::internal, "migration " + std::to_string(m.version) + " (" +
                                                  std::string(m.name) + ") failed: " + r.message());
    auto insert = db.prepare(
        "INSERT INTO schema_migrations (version, name, applied_at)"
        " VALUES (?, ?, CAST(strftime('%s','now') AS INTEGER) * 1000)");
    if (!insert) return insert.err();
    if (auto r = (*insert)->bind(1, std::int64_t{m.version}).bind(2, m.name).run(); !r)
      return r.err();
    if (auto r = tx->commit(); !r) return r.err();
  }
  return latest;
}

result<std::unique_ptr<database>> open_migrated(const std::string& path,
                                                std::initializer_list<const char*> extra_pragmas) {
  auto fail = [](const std::string& m) {
    return make_error(error_code::internal, m.starts_with("sqlite: ") ? m.substr(8) : m);
  };
  auto db = database::open(path);
  if (!db) return db.err();
  for (const char* pragma :
       {"PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA busy_timeout = 5000"})
    if (auto r = (*db)->exec(pragma); !r) return fail(r.message());
  for (const char* pragma : extra_pragmas)
    if (auto r = (*db)->exec(pragma); !r) return fail(r.message());
  if (auto v = migrate(**db); !v) return v.err();
  return db;
}

}  // namespace gatehouse::storage::sqlite
