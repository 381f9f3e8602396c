#include "storage/sqlite/store.hpp"

#include <algorithm>
#include <mutex>

#include "policy/record_codec.hpp"
#include "storage/record_fields.hpp"
#include "storage/sqlite/database.hpp"
#include "storage/sqlite/rows.hpp"
#include "storage/sqlite/schema.hpp"

namespace gatehouse::storage::sqlite {

namespace {

using namespace policy;

std::string select_from(const char* columns, const char* rest) {
  return std::string("SELECT ") + columns + " " + rest;
}

// Steps `s` to the end, reading each row with `read`.
template <typename T, typename Read>
result<std::vector<T>> read_all(statement& s, Read read) {
  std::vector<T> out;
  for (;;) {
    auto row = s.step();
    if (!row) return row.err();
    if (!*row) return out;
    auto value = read(s);
    if (!value) return value.err();
    out.push_back(std::move(*value));
  }
}

std::int64_t limit_of(std::size_t limit) { return limit == 0 ? -1 : std::int64_t(limit); }

class sqlite_store final : public store {
 public:
  using store::apply;
  sqlite_store(std::unique_ptr<database> db, std::string url)
      : db_(std::move(db)), url_(std::move(url)) {}

  const std::string& url() const override { return url_; }

  result<int> schema_version() override {
    return locked([&] { return sqlite::current_version(*db_); });
  }

  result<request> create_request(const request& r) override {
    request fresh = r;
    fresh.id = 0;
    return locked([&]() -> result<request> {
      auto done = apply_locked(write_batch{fresh, std::nullopt, std::nullopt, {}});
      if (!done) return done.err();
      return std::move(done->req);
    });
  }

  result<request> get_request(request_id id) override {
    return locked([&] { return read_request_by_id(id); });
  }

  result<std::vector<request>> list_requests(const request_filter& f) override {
    return locked([&]() -> result<std::vector<request>> {
      // Only the filters given appear in the WHERE clause, so that SQLite can use an index;
      // parameter numbers are fixed (?5 is always the limit), one cached statement per shape.
      std::string where = "WHERE 1";
      if (f.state) where += " AND state = ?1";
      if (f.requester) where += " AND requester = ?2";
      if (f.server) where += " AND (server = ?3 OR more_targets LIKE ?6)";
      if (f.account) where += " AND (account = ?4 OR more_targets LIKE ?7)";
      const std::string sql =
          select_from(sqlite::request_columns,
                      ("FROM requests " + where + " ORDER BY id DESC LIMIT ?5").c_str());
      auto s = db_->prepare(sql);
      if (!s) return s.err();
      if (f.state) (*s)->bind(1, to_string(*f.state));
      bind_text(**s, 2, f.requester);
      bind_text(**s, 3, f.server);
      bind_text(**s, 4, f.account);
      (*s)->bind(5, limit_of(f.limit));
      if (f.server) (*s)->bind(6, fields::target_pattern("server", *f.server));
      if (f.account) (*s)->bind(7, fields::target_pattern("account", *f.account));
      auto list = read_all<request>(**s, sqlite::read_request);
      if (list) fields::keep_matching_targets(*list, f);
      return list;
    });
  }

  result<request> update_request(const request& r) override {
    if (r.id <= 0) return make_error(error_code::not_found, "request #0 not found");
    return locked([&]() -> result<request> {
      auto done = apply_locked(write_batch{r, std::nullopt, std::nullopt, {}});
      if (!done) return done.err();
      return std::move(done->req);
    });
  }

  result<grant> create_grant(const grant& g) override {
    return locked([&] { return in_transaction([&] { return insert_grant(g); }); });
  }

  result<grant> get_grant(grant_id id) override {
    return locked([&] { return read_grant_by_id(id); });
  }

  result<std::vector<grant>> list_grants(const grant_filter& f) override {
    return locked([&]() -> result<std::vector<grant>> {
      std::string where = "WHERE 1";  // as in list_requests; ?4 is always the limit
      if (f.state) where += " AND state = ?1";
      if (f.person) where += " AND person = ?2";
      if (f.request) where += " AND request_id = ?3";
      const std::string sql = select_from(
          sqlite::grant_columns, ("FROM grants " + where + " ORDER BY id DESC LIMIT ?4").c_str());
      auto s = db_->prepare(sql);
      if (!s) return s.err();
      if (f.state) (*s)->bind(1, to_string(*f.state));
      bind_text(**s, 2, f.person);
      (*s)->bind(3, std::optional<std::int64_t>(f.request)).bind(4, limit_of(f.limit));
      return read_all<grant>(**s, sqlite::read_grant);
    });
  }

  result<std::optional<grant>> find_live_grant(std::string_view person, std::string_view server,
                                               std::string_view account, time_point now) override {
    return locked([&]() -> result<std::optional<grant>> {
      static const std::string sql = select_from(
          sqlite::grant_columns,
          "FROM grants WHERE person = ?1 AND server = ?2 AND account = ?3 AND state = 'active'"
          " AND start_at <= ?4 AND end_at > ?4 ORDER BY end_at DESC LIMIT 1");
      auto s = db_->prepare(sql);
      if (!s) return s.err();
      (*s)->bind(1, person).bind(2, server).bind(3, account).bind(4, codec::to_millis(now));
      auto rows = read_all<grant>(**s, sqlite::read_grant);
      if (!rows) return rows.err();
      if (rows->empty()) return std::optional<grant>();
      return std::optional<grant>(std::move(rows->front()));
    });
  }

  result<grant> update_grant(const grant& g) override {
    return locked([&] { return in_transaction([&] { return update_grant_row(g); }); });
  }

  result<due_items> due(time_point now) override {
    return locked([&]() -> result<due_items> {
      static const std::string requests_sql = select_from(
          sqlite::request_columns,
          "FROM requests WHERE state = 'pending' AND pending_until <= ?1 ORDER BY pending_until");
      static const std::string grants_sql =
          select_from(sqlite::grant_columns,
                      "FROM grants WHERE state = 'active' AND end_at <= ?1 ORDER BY end_at");
      due_items out;
      auto s = db_->prepare(requests_sql);
      if (!s) return s.err();
      (*s)->bind(1, codec::to_millis(now));
      auto requests = read_all<request>(**s, sqlite::read_request);
      if (!requests) return requests.err();
      out.expired_requests = std::move(*requests);
      s = db_->prepare(grants_sql);
      if (!s) return s.err();
      (*s)->bind(1, codec::to_millis(now));
      auto grants = read_all<grant>(**s, sqlite::read_grant);
      if (!grants) return grants.err();
      out.ended_grants = std::move(*grants);
      return out;
    });
  }

  result<std::optional<time_point>> next_deadline() override {
    return locked([&]() -> result<std::optional<time_point>> {
      auto s = db_->prepare(
          "SELECT MIN(t) FROM (SELECT MIN(pending_until) AS t FROM requests WHERE state = 'pending'"
          " UNION ALL SELECT MIN(end_at) FROM grants WHERE state = 'active'"
          " UNION ALL SELECT MIN(owed_at) FROM notices)");
      if (!s) return s.err();
      auto row = (*s)->step();
      if (!row) return row.err();
      auto ms = (*s)->optional_integer(0);
      if (!ms) return std::optional<time_point>();
      return std::optional<time_point>(codec::from_millis(*ms));
    });
  }

  result<std::vector<owed_notice>> claim_owed_notices(time_point now,
                                                      std::chrono::milliseconds lease,
                                                      std::size_t limit) override {
    return locked([&]() -> result<std::vector<owed_notice>> {
      auto s = db_->prepare(
          "UPDATE notices SET owed_at = ?1 WHERE id IN (SELECT id FROM notices"
          " WHERE owed_at <= ?2 ORDER BY owed_at, id LIMIT ?3) RETURNING id, request_id, body");
      if (!s) return s.err();
      (*s)->bind(1, codec::to_millis(now + lease))
          .bind(2, codec::to_millis(now))
          .bind(3, limit_of(limit));
      auto owed = read_all<owed_notice>(**s, [](statement& row) -> result<owed_notice> {
        return owed_notice{row.integer(0), row.integer(1), row.text(2)};
      });
      if (owed)  // RETURNING gives no order: oldest first by id
        std::sort(owed->begin(), owed->end(),
                  [](const owed_notice& x, const owed_notice& y) { return x.id < y.id; });
      return owed;
    });
  }

  // Without a sync of its own (synchronous = NORMAL for this commit; the next durable commit
  // syncs it): a settle lost in a crash only has the notice told again, which queues no second
  // mail (once_key).
  result<void> settle_notices(const std::vector<std::int64_t>& ids) override {
    return locked([&]() -> result<void> {
      if (auto r = db_->exec("PRAGMA synchronous = NORMAL"); !r) return r.err();
      auto done = in_transaction([&]() -> result<void> {
        for (std::int64_t id : ids) {
          auto s = db_->prepare("DELETE FROM notices WHERE id = ?1");
          if (!s) return s.err();
          if (auto done = (*s)->bind(1, id).run(); !done) return done.err();
        }
        return {};
      });
      if (auto r = db_->exec("PRAGMA synchronous = FULL"); !r) return r.err();
      return done;
    });
  }

  result<std::vector<change>> changes_since(std::int64_t after, std::size_t limit) override {
    return locked([&]() -> result<std::vector<change>> {
      static const std::string sql =
          select_from(sqlite::change_columns, "FROM changes WHERE seq > ?1 ORDER BY seq LIMIT ?2");
      auto s = db_->prepare(sql);
      if (!s) return s.err();
      (*s)->bind(1, after).bind(2, limit_of(limit));
      return read_all<change>(**s, sqlite::read_change);
    });
  }

  result<std::int64_t> last_change_seq() override {
    return locked([&]() -> result<std::int64_t> {
      auto s = db_->prepare("SELECT COALESCE(MAX(seq), 0) FROM changes");
      if (!s) return s.err();
      auto row = (*s)->step();
      if (!row) return row.err();
      return (*s)->integer(0);
    });
  }

  result<committed> apply(const write_batch& batch, const before_commit& check) override {
    return locked([&] { return apply_locked(batch, check); });
  }

 private:
  // Runs `f` under the mutex; an exception (only bad_alloc can arise) becomes an error.
  template <typename F>
  auto locked(F f) -> decltype(f()) {
    std::lock_guard lock(mutex_);
    try {
      return f();
    } catch (const std::exception& e) {
      return make_error(error_code::internal, std::string("store: ") + e.what());
    }
  }

  // Runs `f` (returning a result) in one transaction, committed only when `f` succeeds.
  template <typename F>
  auto in_transaction(F f) -> decltype(f()) {
    auto tx = sqlite::transaction::begin(*db_);
    if (!tx) return tx.err();
    auto out = f();
    if (!out) return out;
    if (auto c = tx->commit(); !c) return c.err();
    return out;
  }

  static void bind_text(statement& s, int i, const std::optional<std::string>& v) {
    if (v)
      s.bind(i, *v);
    else
      s.bind_null(i);
  }

  result<committed> apply_locked(const write_batch& batch, const before_commit& check = {}) {
    auto tx = sqlite::transaction::begin(*db_);
    if (!tx) return tx.err();
    committed out{batch.req, std::nullopt, {}};
    request& r = out.req;
    const bool is_new = r.id == 0;
    if (is_new) {
      auto s = db_->prepare(sqlite::request_insert_sql);
      if (!s) return s.err();
      sqlite::bind_request(**s, r);
      if (auto done = (*s)->run(); !done) return done.err();
      r.id = db_->last_insert_rowid();
      r.version = 1;
    }
    if (batch.new_grant) {
      grant g = *batch.new_grant;
      g.request = r.id;
      auto stored = insert_grant(g);
      if (!stored) return stored.err();
      r.grant = stored->id;
      out.stored_grant = std::move(*stored);
    }
    for (const grant& more : batch.more_new_grants) {
      grant g = more;
      g.request = r.id;
      auto stored = insert_grant(g);
      if (!stored) return stored.err();
      fields::set_target_grant(r, *stored);
      out.more_grants.push_back(std::move(*stored));
    }
    if (!is_new || batch.new_grant || !batch.more_new_grants.empty()) {
      if (auto stored = update_request_row(r, is_new ? 1 : r.version); !stored)
        return stored.err();
      else
        r = std::move(*stored);
    }
    if (batch.changed_grant) {
      auto stored = update_grant_row(*batch.changed_grant);
      if (!stored) return stored.err();
      out.stored_grant = std::move(*stored);
    }
    for (change_kind kind : batch.changes) {
      auto s = db_->prepare(
          "INSERT INTO changes (kind, request_id, grant_id, at)"
          " VALUES (?1, ?2, ?3, ?4)");
      if (!s) return s.err();
      change c{0, kind, r.id, out.stored_grant ? std::optional(out.stored_grant->id) : r.grant,
               r.updated};
      (*s)->bind(1, to_string(kind))
          .bind(2, c.request)
          .bind(3, c.grant)
          .bind(4, codec::to_millis(c.at));
      if (auto done = (*s)->run(); !done) return done.err();
      c.seq = db_->last_insert_rowid();
      out.changes.push_back(c);
    }
    for (const std::string& body : batch.notices) {
      auto s = db_->prepare("INSERT INTO notices (request_id, body, owed_at) VALUES (?1, ?2, ?3)");
      if (!s) return s.err();
      (*s)->bind(1, r.id).bind(2, body).bind(3, codec::to_millis(r.updated + notice_grace));
      if (auto done = (*s)->run(); !done) return done.err();
      out.notice_ids.push_back(db_->last_insert_rowid());
    }
    if (check)
      if (auto checked = check(out); !checked) return checked.err();  // rolled back
    if (auto c = tx->commit(); !c) return c.err();
    return out;
  }

  // Versioned update; the stored record comes back with its new version.
  result<request> update_request_row(const request& r, std::int64_t expected_version) {
    auto s = db_->prepare(sqlite::request_update_sql);
    if (!s) return s.err();
    sqlite::bind_request(**s, r);
    (*s)->bind(24, r.id).bind(25, expected_version);
    if (auto done = (*s)->run(); !done) return done.err();
    if (db_->changes() == 0) return missing_or_conflict("request", "requests", r.id);
    request stored = r;
    stored.version = expected_version + 1;
    return stored;
  }

  result<grant> insert_grant(const grant& g) {
    auto s = db_->prepare(sqlite::grant_insert_sql);
    if (!s) return s.err();
    sqlite::bind_grant(**s, g);
    if (auto done = (*s)->run(); !done) return done.err();
    grant stored = g;
    stored.id = db_->last_insert_rowid();
    stored.version = 1;
    return stored;
  }

  result<grant> update_grant_row(const grant& g) {
    auto s = db_->prepare(sqlite::grant_update_sql);
    if (!s) return s.err();
    sqlite::bind_grant(**s, g);
    (*s)->bind(10, g.id).bind(11, g.version);
    if (auto done = (*s)->run(); !done) return done.err();
    if (db_->changes() == 0) return missing_or_conflict("grant", "grants", g.id);
    grant stored = g;
    stored.version = g.version + 1;
    return stored;
  }

  error missing_or_conflict(const std::string& what, const char* table, std::int64_t id) {
    auto s = db_->prepare(std::string("SELECT 1 FROM ") + table + " WHERE id = ?1");
    std::string ref = what + " #" + std::to_string(id);
    if (!s) return s.err();
    (*s)->bind(1, id);
    auto row = (*s)->step();
    if (!row) return row.err();
    if (!*row) return make_error(error_code::not_found, ref + " not found");
    return make_error(error_code::conflict, ref + " was changed by someone else; try again");
  }

  result<request> read_request_by_id(request_id id) {
    static const std::string sql =
        select_from(sqlite::request_columns, "FROM requests WHERE id = ?1");
    auto s = db_->prepare(sql);
    if (!s) return s.err();
    (*s)->bind(1, id);
    auto row = (*s)->step();
    if (!row) return row.err();
    if (!*row)
      return make_error(error_code::not_found, "request #" + std::to_string(id) + " not found");
    return sqlite::read_request(**s);
  }

  result<grant> read_grant_by_id(grant_id id) {
    static const std::string sql = select_from(sqlite::grant_columns, "FROM grants WHERE id = ?1");
    auto s = db_->prepare(sql);
    if (!s) return s.err();
    (*s)->bind(1, id);
    auto row = (*s)->step();
    if (!row) return row.err();
    if (!*row)
      return make_error(error_code::not_found, "grant #" + std::to_string(id) + " not found");
    return sqlite::read_grant(**s);
  }

  std::mutex mutex_;
  std::unique_ptr<database> db_;
  std::string url_;
};

}  // namespace

result<std::unique_ptr<policy::store>> open_store(const std::string& path, const std::string& url) {
  auto fail = [&](const std::string& why) {
    return make_error(error_code::internal, "cannot open store " + url + ": " + why);
  };
  try {
    auto db = open_migrated(path, {"PRAGMA foreign_keys = ON"});
    if (!db) return fail(db.message());
    return std::unique_ptr<policy::store>(new sqlite_store(std::move(*db), url));
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}

}  // namespace gatehouse::storage::sqlite
