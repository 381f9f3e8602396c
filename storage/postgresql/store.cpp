#include "storage/postgresql/store.hpp"

#include <algorithm>
#include <cstdlib>
#include <mutex>

#include "storage/postgresql/connection.hpp"
#include "storage/postgresql/feed_gaps.hpp"
#include "storage/postgresql/listener.hpp"
#include "storage/postgresql/rows.hpp"
#include "storage/postgresql/schema.hpp"

namespace gatehouse::storage::postgresql {

namespace {

using namespace policy;
using codec::to_millis;

// Connections per daemon: the store worker, the admin and web workers and a spare.
constexpr std::size_t pool_size = 4;

// "a = $1, b = $2, ..." for the comma-separated `columns`.
std::string assignments(std::string_view columns) {
  std::string out;
  int n = 0;
  while (!columns.empty()) {
    auto comma = columns.find(',');
    auto name = columns.substr(0, comma);
    while (name.starts_with(' ')) name.remove_prefix(1);
    if (n) out += ", ";
    out += std::string(name) + " = $" + std::to_string(++n);
    columns = comma == std::string_view::npos ? std::string_view() : columns.substr(comma + 1);
  }
  return out;
}

std::string placeholders(int count) {
  std::string out;
  for (int i = 1; i <= count; ++i) out += (i > 1 ? ", $" : "$") + std::to_string(i);
  return out;
}

const std::string request_select = std::string("SELECT ") + fields::request_columns;
const std::string grant_select = std::string("SELECT ") + fields::grant_columns;
const std::string request_insert = std::string("INSERT INTO requests (version, ") +
                                   fields::request_written_columns + ") VALUES (1, " +
                                   placeholders(fields::request_field_count) + ") RETURNING id";
const std::string request_update = "UPDATE requests SET version = version + 1, " +
                                   assignments(fields::request_written_columns) +
                                   " WHERE id = $24 AND version = $25";
const std::string grant_insert = std::string("INSERT INTO grants (version, ") +
                                 fields::grant_written_columns + ") VALUES (1, " +
                                 placeholders(fields::grant_field_count) + ") RETURNING id";
const std::string grant_update = "UPDATE grants SET version = version + 1, " +
                                 assignments(fields::grant_written_columns) +
                                 " WHERE id = $10 AND version = $11";

std::optional<std::int64_t> limit_of(std::size_t limit) {
  if (limit == 0) return std::nullopt;  // LIMIT NULL: all
  return std::int64_t(limit);
}

class pg_store final : public store {
 public:
  using store::apply;
  pg_store(std::unique_ptr<pool> p, std::string url)
      : pool_(std::move(p)), url_(std::move(url)), listener_(pool_->conninfo()) {}

  const std::string& url() const override { return url_; }

  result<int> schema_version() override {
    return with([&](connection& c) { return current_version(c); });
  }

  result<request> create_request(const request& r) override {
    request fresh = r;
    fresh.id = 0;
    auto done = apply(write_batch{fresh, std::nullopt, std::nullopt, {}});
    if (!done) return done.err();
    return std::move(done->req);
  }

  result<request> get_request(request_id id) override {
    return with([&](connection& c) { return read_request_by_id(c, id); });
  }

  result<std::vector<request>> list_requests(const request_filter& f) override {
    return with([&](connection& c) -> result<std::vector<request>> {
      std::string where = " FROM requests WHERE TRUE";
      params p;
      auto filter = [&](const char* column, const std::optional<std::string>& v) {
        if (!v) return;
        p.add(*v);
        where += std::string(" AND ") + column + " = $" + std::to_string(p.size());
      };
      // Any target (fields::filter_matches_targets): the first, or one of more_targets.
      auto any_target = [&](const char* column, const std::optional<std::string>& v) {
        if (!v) return;
        p.add(*v);
        where += std::string(" AND (") + column + " = $" + std::to_string(p.size());
        p.add(fields::target_pattern(column, *v));
        where += " OR more_targets LIKE $" + std::to_string(p.size()) + ")";
      };
      if (f.state) filter("state", std::string(to_string(*f.state)));
      filter("requester", f.requester);
      any_target("server", f.server);
      any_target("account", f.account);
      p.add(limit_of(f.limit));
      auto r = c.query(
          request_select + where + " ORDER BY id DESC LIMIT $" + std::to_string(p.size()), p);
      if (!r) return r.err();
      auto list = read_rows<request>(*r, fields::read_request<row_view>);
      if (list) fields::keep_matching_targets(*list, f);
      return list;
    });
  }

  result<request> update_request(const request& r) override {
    if (r.id <= 0) return make_error(error_code::not_found, "request #0 not found");
    auto done = apply(write_batch{r, std::nullopt, std::nullopt, {}});
    if (!done) return done.err();
    return std::move(done->req);
  }

  result<grant> create_grant(const grant& g) override {
    return with([&](connection& c) { return insert_grant(c, g); });
  }

  result<grant> get_grant(grant_id id) override {
    return with([&](connection& c) -> result<grant> {
      auto r = c.query(grant_select + " FROM grants WHERE id = $1", params().add(id));
      if (!r) return r.err();
      if (r->count() == 0)
        return make_error(error_code::not_found, "grant #" + std::to_string(id) + " not found");
      return fields::read_grant(row_view{*r, 0});
    });
  }

  result<std::vector<grant>> list_grants(const grant_filter& f) override {
    return with([&](connection& c) -> result<std::vector<grant>> {
      std::string where = " FROM grants WHERE TRUE";
      params p;
      if (f.state) {
        p.add(to_string(*f.state));
        where += " AND state = $" + std::to_string(p.size());
      }
      if (f.person) {
        p.add(*f.person);
        where += " AND person = $" + std::to_string(p.size());
      }
      if (f.request) {
        p.add(std::int64_t{*f.request});
        where += " AND request_id = $" + std::to_string(p.size());
      }
      p.add(limit_of(f.limit));
      auto r =
          c.query(grant_select + where + " ORDER BY id DESC LIMIT $" + std::to_string(p.size()), p);
      if (!r) return r.err();
      return read_rows<grant>(*r, fields::read_grant<row_view>);
    });
  }

  result<std::optional<grant>> find_live_grant(std::string_view person, std::string_view server,
                                               std::string_view account, time_point now) override {
    return with([&](connection& c) -> result<std::optional<grant>> {
      auto r = c.query(grant_select +
                           " FROM grants WHERE person = $1 AND server = $2 AND account = $3"
                           " AND state = 'active' AND start_at <= $4 AND end_at > $4"
                           " ORDER BY end_at DESC LIMIT 1",
                       params().add(person).add(server).add(account).add(to_millis(now)));
      if (!r) return r.err();
      if (r->count() == 0) return std::optional<grant>();
      auto g = fields::read_grant(row_view{*r, 0});
      if (!g) return g.err();
      return std::optional<grant>(std::move(*g));
    });
  }

  result<grant> update_grant(const grant& g) override {
    return with([&](connection& c) { return update_grant_row(c, g); });
  }

  result<due_items> due(time_point now) override {
    return with([&](connection& c) -> result<due_items> {
      due_items out;
      auto r = c.query(request_select +
                           " FROM requests WHERE state = 'pending' AND pending_until <= $1"
                           " ORDER BY pending_until",
                       params().add(to_millis(now)));
      if (!r) return r.err();
      auto requests = read_rows<request>(*r, fields::read_request<row_view>);
      if (!requests) return requests.err();
      out.expired_requests = std::move(*requests);
      auto g = c.query(
          grant_select + " FROM grants WHERE state = 'active' AND end_at <= $1 ORDER BY end_at",
          params().add(to_millis(now)));
      if (!g) return g.err();
      auto grants = read_rows<grant>(*g, fields::read_grant<row_view>);
      if (!grants) return grants.err();
      out.ended_grants = std::move(*grants);
      return out;
    });
  }

  result<std::optional<time_point>> next_deadline() override {
    return with([&](connection& c) -> result<std::optional<time_point>> {
      auto r = c.query(
          "SELECT LEAST((SELECT MIN(pending_until) FROM requests WHERE state = 'pending'),"
          " (SELECT MIN(end_at) FROM grants WHERE state = 'active'),"
          " (SELECT MIN(owed_at) FROM notices))");
      if (!r) return r.err();
      auto ms = r->optional_integer(0, 0);
      if (!ms) return std::optional<time_point>();
      return std::optional<time_point>(codec::from_millis(*ms));
    });
  }

  result<std::vector<owed_notice>> claim_owed_notices(time_point now,
                                                      std::chrono::milliseconds lease,
                                                      std::size_t limit) override {
    return with([&](connection& c) -> result<std::vector<owed_notice>> {
      // SKIP LOCKED: daemons claiming at once take different notices instead of queueing.
      auto r = c.query(
          "UPDATE notices SET owed_at = $1 WHERE id IN (SELECT id FROM notices"
          " WHERE owed_at <= $2 ORDER BY owed_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)"
          " RETURNING id, request_id, body",
          params()
              .add(to_millis(now + lease))
              .add(to_millis(now))
              .add(std::int64_t(limit == 0 ? 1000 : limit)));
      if (!r) return r.err();
      std::vector<owed_notice> out;
      for (int i = 0; i < r->count(); ++i)
        out.push_back(owed_notice{r->integer(i, 0), r->integer(i, 1), r->text(i, 2)});
      std::sort(out.begin(), out.end(),
                [](const owed_notice& x, const owed_notice& y) { return x.id < y.id; });
      return out;
    });
  }

  // Without waiting for the disk: a settle lost in a crash only has the notice told again,
  // which queues no second mail (once_key), so it need not cost a durable commit.
  result<void> settle_notices(const std::vector<std::int64_t>& ids) override {
    return with([&](connection& c) -> result<void> {
      auto tx = transaction::begin(c);
      if (!tx) return tx.err();
      if (auto off = c.query("SET LOCAL synchronous_commit TO OFF"); !off) return off.err();
      for (std::int64_t id : ids)
        if (auto done = c.query("DELETE FROM notices WHERE id = $1", params().add(id)); !done)
          return done.err();
      return tx->commit();
    });
  }

  result<std::vector<change>> changes_since(std::int64_t after, std::size_t limit) override {
    return with([&](connection& c) -> result<std::vector<change>> {
      // The rows and the snapshot they were read under, in one statement (feed_gaps.hpp).
      auto r = c.query(std::string("SELECT ") + fields::change_columns +
                           ", pg_snapshot_xmin(pg_current_snapshot())::text"
                           " FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2",
                       params().add(after).add(limit_of(limit)));
      if (!r) return r.err();
      auto rows = read_rows<change>(*r, fields::read_change<row_view>);
      if (!rows || rows->empty()) return rows;
      std::vector<std::int64_t> seqs;
      for (const change& ch : *rows) seqs.push_back(ch.seq);
      const auto xmin = std::strtoull(r->text(0, 5).c_str(), nullptr, 10);
      auto marker = [&c]() -> std::optional<std::uint64_t> {
        auto m = c.query("SELECT pg_current_xact_id()::text");  // its own transaction
        if (!m || m->count() == 0) return std::nullopt;
        return std::strtoull(m->text(0, 0).c_str(), nullptr, 10);
      };
      rows->resize(gaps_.usable(after, seqs, xmin, marker));
      return rows;
    });
  }

  result<std::int64_t> last_change_seq() override {
    return with([&](connection& c) -> result<std::int64_t> {
      auto r = c.query("SELECT COALESCE(MAX(seq), 0) FROM changes");
      if (!r) return r.err();
      return r->integer(0, 0);
    });
  }

  result<committed> apply(const write_batch& batch, const before_commit& check) override {
    return with([&](connection& c) { return apply_on(c, batch, check); });
  }

  bool notifies_changes() const override { return true; }

  // While a read stopped at a gap, word comes every gap_recheck at least: a gap whose writer
  // rolled back (or died) sends no NOTIFY, and the rows behind it must not wait for the next.
  result<bool> wait_for_change(std::chrono::milliseconds timeout) override {
    std::lock_guard lock(listener_mutex_);
    if (gaps_.open_gaps() == 0) return listener_.wait(timeout);
    auto heard = listener_.wait(std::min(timeout, gap_recheck));
    if (heard && !*heard && timeout > gap_recheck) return true;
    return heard;
  }

 private:
  template <typename F>
  auto with(F f) -> decltype(f(std::declval<connection&>())) {
    return with_connection(*pool_, f);
  }

  result<committed> apply_on(connection& c, const write_batch& batch, const before_commit& check) {
    auto tx = transaction::begin(c);
    if (!tx) return tx.err();
    committed out{batch.req, std::nullopt, {}};
    request& r = out.req;
    const bool is_new = r.id == 0;
    if (is_new) {
      params p;
      params_binder b{p};
      fields::bind_request(b, r);
      auto inserted = c.query(request_insert, p);
      if (!inserted) return inserted.err();
      r.id = inserted->integer(0, 0);
      r.version = 1;
    }
    if (batch.new_grant) {
      grant g = *batch.new_grant;
      g.request = r.id;
      auto stored = insert_grant(c, g);
      if (!stored) return stored.err();
      r.grant = stored->id;
      out.stored_grant = std::move(*stored);
    }
    for (const grant& more : batch.more_new_grants) {
      grant g = more;
      g.request = r.id;
      auto stored = insert_grant(c, g);
      if (!stored) return stored.err();
      fields::set_target_grant(r, *stored);
      out.more_grants.push_back(std::move(*stored));
    }
    if (!is_new || batch.new_grant || !batch.more_new_grants.empty()) {
      auto stored = update_request_row(c, r, is_new ? 1 : r.version);
      if (!stored) return stored.err();
      r = std::move(*stored);
    }
    if (batch.changed_grant) {
      auto stored = update_grant_row(c, *batch.changed_grant);
      if (!stored) return stored.err();
      out.stored_grant = std::move(*stored);
    }
    if (!batch.changes.empty()) {
      // Numbered by the sequence, visible at commit: readers wait out the gaps (feed_gaps.hpp).
      for (change_kind kind : batch.changes) {
        change ch{0, kind, r.id, out.stored_grant ? std::optional(out.stored_grant->id) : r.grant,
                  r.updated};
        auto row = c.query(
            "INSERT INTO changes (kind, request_id, grant_id, at) VALUES ($1, $2, $3, $4)"
            " RETURNING seq",
            params().add(to_string(kind)).add(ch.request).add(ch.grant).add(to_millis(ch.at)));
        if (!row) return row.err();
        ch.seq = row->integer(0, 0);
        out.changes.push_back(ch);
      }
      // Delivered at commit, never before the rows are visible; dropped with a rollback.
      if (auto n = c.query("SELECT pg_notify($1, $2)",
                           params().add(changes_channel).add(out.changes.back().seq));
          !n)
        return n.err();
    }
    for (const std::string& body : batch.notices) {
      auto row = c.query(
          "INSERT INTO notices (request_id, body, owed_at) VALUES ($1, $2, $3) RETURNING id",
          params().add(std::int64_t{r.id}).add(body).add(to_millis(r.updated + notice_grace)));
      if (!row) return row.err();
      out.notice_ids.push_back(row->integer(0, 0));
    }
    if (check)
      if (auto checked = check(out); !checked) return checked.err();  // rolled back
    if (auto done = tx->commit(); !done) return done.err();
    return out;
  }

  result<request> update_request_row(connection& c, const request& r, std::int64_t expected) {
    params p;
    params_binder b{p};
    fields::bind_request(b, r);
    p.add(std::int64_t{r.id}).add(expected);
    auto done = c.query(request_update, p);
    if (!done) return done.err();
    if (done->affected() == 0) return missing_or_conflict(c, "request", "requests", r.id);
    request stored = r;
    stored.version = expected + 1;
    return stored;
  }

  result<grant> insert_grant(connection& c, const grant& g) {
    params p;
    params_binder b{p};
    fields::bind_grant(b, g);
    auto done = c.query(grant_insert, p);
    if (!done) return done.err();
    grant stored = g;
    stored.id = done->integer(0, 0);
    stored.version = 1;
    return stored;
  }

  result<grant> update_grant_row(connection& c, const grant& g) {
    params p;
    params_binder b{p};
    fields::bind_grant(b, g);
    p.add(std::int64_t{g.id}).add(std::int64_t{g.version});
    auto done = c.query(grant_update, p);
    if (!done) return done.err();
    if (done->affected() == 0) return missing_or_conflict(c, "grant", "grants", g.id);
    grant stored = g;
    stored.version = g.version + 1;
    return stored;
  }

  static error missing_or_conflict(connection& c, const std::string& what, const char* table,
                                   std::int64_t id) {
    const std::string ref = what + " #" + std::to_string(id);
    auto r = c.query(std::string("SELECT 1 FROM ") + table + " WHERE id = $1", params().add(id));
    if (!r) return r.err();
    if (r->count() == 0) return make_error(error_code::not_found, ref + " not found");
    return make_error(error_code::conflict, ref + " was changed by someone else; try again");
  }

  static result<request> read_request_by_id(connection& c, request_id id) {
    auto r = c.query(request_select + " FROM requests WHERE id = $1", params().add(id));
    if (!r) return r.err();
    if (r->count() == 0)
      return make_error(error_code::not_found, "request #" + std::to_string(id) + " not found");
    return fields::read_request(row_view{*r, 0});
  }

  std::unique_ptr<pool> pool_;
  std::string url_;
  std::mutex listener_mutex_;
  change_listener listener_;
  feed_gaps gaps_;
  static constexpr std::chrono::milliseconds gap_recheck{50};
};

}  // namespace

result<std::unique_ptr<policy::store>> open_store(const std::string& conninfo,
                                                  const std::string& shown_url) {
  auto fail = [&](const std::string& why) {
    return make_error(error_code::internal, "cannot open store " + shown_url + ": " + why);
  };
  auto p = pool::open(conninfo, pool_size);
  if (!p) return fail(p.message());
  {
    auto c = (*p)->acquire();
    if (!c) return fail(c.message());
    if (auto v = migrate(**c); !v) return fail(v.message());
  }
  return std::unique_ptr<policy::store>(new pg_store(std::move(*p), shown_url));
}

}  // namespace gatehouse::storage::postgresql
