#include "storage/postgresql/schema.hpp"

#include <string>

namespace gatehouse::storage::postgresql {

namespace {

struct migration {
  int version;
  const char* name;
  const char* sql;
};

constexpr migration all_migrations[] = {
    {1, "requests, grants, change feed", R"sql(
CREATE TABLE requests (
  id            BIGSERIAL PRIMARY KEY,
  version       BIGINT NOT NULL,
  state         TEXT   NOT NULL,
  requester     TEXT   NOT NULL,
  server        TEXT   NOT NULL,
  account       TEXT   NOT NULL,
  protocol      TEXT   NOT NULL,
  justification TEXT   NOT NULL,
  window_start  BIGINT NOT NULL,
  window_end    BIGINT NOT NULL,
  emergency     BIGINT NOT NULL,
  post_approval TEXT   NOT NULL,
  grant_id      BIGINT,
  rule          TEXT   NOT NULL,
  max_duration  BIGINT NOT NULL,
  pending_until BIGINT NOT NULL,
  auto_approve  BIGINT NOT NULL,
  filed_by      TEXT   NOT NULL,
  levels        TEXT   NOT NULL,
  decisions     TEXT   NOT NULL,
  comments      TEXT   NOT NULL,
  created       BIGINT NOT NULL,
  updated       BIGINT NOT NULL
);
CREATE INDEX requests_by_state ON requests (state, pending_until);
CREATE INDEX requests_by_target ON requests (requester, server, account);

CREATE TABLE grants (
  id         BIGSERIAL PRIMARY KEY,
  version    BIGINT NOT NULL,
  request_id BIGINT NOT NULL REFERENCES requests (id),
  person     TEXT   NOT NULL,
  server     TEXT   NOT NULL,
  account    TEXT   NOT NULL,
  start_at   BIGINT NOT NULL,
  end_at     BIGINT NOT NULL,
  state      TEXT   NOT NULL,
  revoked_by TEXT   NOT NULL,
  closed_at  BIGINT
);
CREATE INDEX grants_by_state ON grants (state, end_at);

CREATE TABLE changes (
  seq        BIGSERIAL PRIMARY KEY,
  kind       TEXT   NOT NULL,
  request_id BIGINT NOT NULL,
  grant_id   BIGINT,
  at         BIGINT NOT NULL
);
)sql"},
    {2, "indexes: live-grant lookup ordered by end, grants by request", R"sql(
CREATE INDEX grants_by_target ON grants (person, server, account, state, end_at);
CREATE INDEX grants_by_request ON grants (request_id);
)sql"},
    {3, "mail outbox", R"sql(
CREATE TABLE mail_outbox (
  id              BIGSERIAL PRIMARY KEY,
  recipient       TEXT   NOT NULL,
  subject         TEXT   NOT NULL,
  body            TEXT   NOT NULL,
  created_at      BIGINT NOT NULL,
  attempts        BIGINT NOT NULL,
  next_attempt_at BIGINT NOT NULL,
  last_error      TEXT   NOT NULL,
  sent_at         BIGINT
);
CREATE INDEX mail_outbox_due ON mail_outbox (sent_at, next_attempt_at);
)sql"},
    {4, "approval tokens, sign-in, web sessions", R"sql(
CREATE TABLE web_tokens (
  selector_hash TEXT   PRIMARY KEY,
  token_hash    TEXT   NOT NULL,
  kind          TEXT   NOT NULL,
  person        TEXT   NOT NULL,
  request_id    BIGINT NOT NULL,
  next          TEXT   NOT NULL,
  created       BIGINT NOT NULL,
  expires_at    BIGINT NOT NULL,
  used_at       BIGINT
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
  pid           BIGINT NOT NULL,
  started       BIGINT NOT NULL,
  heartbeat     BIGINT NOT NULL,
  gone_at       BIGINT,
  sessions      TEXT   NOT NULL
);
CREATE TABLE kill_orders (
  id         BIGSERIAL PRIMARY KEY,
  node       TEXT   NOT NULL,
  session_id TEXT   NOT NULL,
  by_whom    TEXT   NOT NULL,
  ordered_at BIGINT NOT NULL,
  outcome    TEXT   NOT NULL
);
CREATE INDEX kill_orders_by_node ON kill_orders (node, outcome);
)sql"},
    {6, "owed notices; mail queued once per notice and recipient", R"sql(
CREATE TABLE notices (
  id         BIGSERIAL PRIMARY KEY,
  request_id BIGINT NOT NULL,
  body       TEXT   NOT NULL,
  owed_at    BIGINT NOT NULL
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

// Releases the session's migration lock however migrate() leaves.
struct migration_lock {
  connection& c;
  ~migration_lock() {
    (void)c.query("SELECT pg_advisory_unlock($1)", params().add(migration_lock_key));
  }
};

result<int> migrate_locked(connection& c) {
  auto version = current_version(c);
  if (!version) return version.err();
  const int latest = latest_schema_version();
  if (*version > latest)
    return make_error(error_code::internal,
                      "the store's schema (version " + std::to_string(*version) +
                          ") is newer than this gatehouse understands (version " +
                          std::to_string(latest) + ")");
  for (const migration& m : all_migrations) {
    if (m.version <= *version) continue;
    auto tx = transaction::begin(c);
    if (!tx) return tx.err();
    if (auto r = c.exec(m.sql); !r)
      return make_error(error_code::internal, "migration " + std::to_string(m.version) + " (" +
                                                  m.name + ") failed: " + r.message());
    if (auto r = c.query("INSERT INTO schema_migrations (version, name, applied_at)"
                         " VALUES ($1, $2, (EXTRACT(EPOCH FROM now()) * 1000)::BIGINT)",
                         params().add(m.version).add(m.name));
        !r)
      return r.err();
    if (auto r = tx->commit(); !r) return r.err();
  }
  return latest;
}

}  // namespace

int latest_schema_version() { return std::end(all_migrations)[-1].version; }

result<int> current_version(connection& c) {
  auto exists = c.query("SELECT to_regclass('schema_migrations') IS NOT NULL");
  if (!exists) return exists.err();
  if (exists->text(0, 0) != "t") return 0;
  auto r = c.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!r) return r.err();
  return int(r->integer(0, 0));
}

result<int> migrate(connection& c) {
  // The lock first: a daemon starting at the same moment waits here, then finds it done.
  if (auto r = c.query("SELECT pg_advisory_lock($1)", params().add(migration_lock_key)); !r)
    return r.err();
  migration_lock unlock{c};
  if (auto r =
          c.exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                 " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
      !r)
    return r.err();
  return migrate_locked(c);
}

}  // namespace gatehouse::storage::postgresql
