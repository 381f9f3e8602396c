// What is particular to the PostgreSQL backend, against the real server the tests start
// (postgres_server.hpp): several daemons migrating one empty database at once, LISTEN/NOTIFY
// waking another daemon's wait, the change feed's order under concurrent writers, libpq's
// keyword strings, and a schema from a newer Gatehouse.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <atomic>
#include <thread>

#include "policy/store.hpp"
#include "storage/open_storage.hpp"
#include "storage/postgresql/schema.hpp"
#include "storage_backends.hpp"

namespace gatehouse::storage {
namespace {

using namespace std::chrono_literals;
using testing::postgres_server;
using testing::postgresql_backend;

void raw_sql(const std::string& url, const std::string& sql) {
  PGconn* c = PQconnectdb(url.c_str());
  ASSERT_EQ(PQstatus(c), CONNECTION_OK) << PQerrorMessage(c);
  PGresult* r = PQexec(c, sql.c_str());
  EXPECT_EQ(PQresultStatus(r), PGRES_COMMAND_OK) << PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(c);
}

policy::request sample(const std::string& requester) {
  policy::request r;
  r.requester = requester;
  r.server = "web01";
  r.account = "root";
  r.pending_until = time_point(24h);
  return r;
}

TEST(PostgresqlStore, SeveralDaemonsStartingAtOnceAgreeOnTheSchema) {
  postgresql_backend backend;
  constexpr int daemons = 6;
  std::vector<std::thread> starting;
  std::atomic<int> opened{0};
  std::vector<std::string> errors(daemons);
  for (int i = 0; i < daemons; ++i)
    starting.emplace_back([&, i] {
      auto s = open_storage(backend.url());
      if (s)
        ++opened;
      else
        errors[std::size_t(i)] = s.message();
    });
  for (auto& t : starting) t.join();
  for (const auto& e : errors) EXPECT_EQ(e, "");
  EXPECT_EQ(opened.load(), daemons);
  EXPECT_EQ(backend.table_text("schema_migrations").find("mail outbox") != std::string::npos, true);
  auto s = open_store(backend.url());
  ASSERT_TRUE(s) << s.message();
  EXPECT_EQ(*(*s)->schema_version(), postgresql::latest_schema_version());
}

TEST(PostgresqlStore, ADecisionOnOneDaemonWakesAnothersWait) {
  postgresql_backend backend;
  auto a = open_store(backend.url());
  auto b = open_store(backend.url());
  ASSERT_TRUE(a && b);
  EXPECT_TRUE((*a)->notifies_changes());
  ASSERT_TRUE((*a)->wait_for_change(1s));      // the first wait connects: read the feed
  EXPECT_FALSE(*(*a)->wait_for_change(50ms));  // nothing happened
  auto filed = (*b)->apply(policy::write_batch{
      sample("alice"), std::nullopt, std::nullopt, {policy::change_kind::request_filed}});
  ASSERT_TRUE(filed) << filed.message();
  auto woke = (*a)->wait_for_change(10s);
  ASSERT_TRUE(woke) << woke.message();
  EXPECT_TRUE(*woke);
  EXPECT_EQ((*a)->changes_since(0, 0)->back().request, filed->req.id);
  // A write without feed rows (and a rolled-back one) says nothing.
  ASSERT_TRUE((*b)->create_request(sample("bob")));
  (void)(*b)->apply(
      policy::write_batch{
          sample("carol"), std::nullopt, std::nullopt, {policy::change_kind::request_filed}},
      [](const policy::committed&) -> policy::result<void> {
        return policy::make_error(policy::error_code::internal, "audit refused");
      });
  EXPECT_FALSE(*(*a)->wait_for_change(200ms));
}

TEST(PostgresqlStore, TheFeedNeverShowsASmallerSeqAfterALargerOne) {
  postgresql_backend backend;
  auto reader = open_store(backend.url());
  ASSERT_TRUE(reader) << reader.message();
  constexpr int writers = 4, per_writer = 50;
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w)
    threads.emplace_back([&] {
      auto s = open_store(backend.url());
      ASSERT_TRUE(s);
      for (int i = 0; i < per_writer; ++i)
        ASSERT_TRUE((*s)->apply(policy::write_batch{
            sample("w"), std::nullopt, std::nullopt, {policy::change_kind::request_filed}}));
    });
  // A reader following the feed as gate_service does: every row is seen, none twice.
  std::int64_t last = 0;
  std::size_t seen = 0;
  std::thread follower([&] {
    while (!done || seen < std::size_t(writers * per_writer)) {
      const bool all_written = done;  // before the read: the read then sees every row
      auto batch = (*reader)->changes_since(last, 16);
      ASSERT_TRUE(batch);
      for (const auto& c : *batch) {
        EXPECT_GT(c.seq, last);
        last = c.seq;
        ++seen;
      }
      if (all_written && batch->empty()) break;
    }
  });
  for (auto& t : threads) t.join();
  done = true;
  follower.join();
  EXPECT_EQ(seen, std::size_t(writers * per_writer));
}

// Writers are not serialised: a writer slow to commit holds a smaller number than one that
// committed after it. The reader waits for it (never skips it, never shows it late), and
// passes a number whose writer rolled back.
TEST(PostgresqlStore, TheFeedWaitsForASlowCommitterAndPassesARollback) {
  postgresql_backend backend;
  auto reader = open_store(backend.url());
  auto slow = open_store(backend.url());
  auto fast = open_store(backend.url());
  ASSERT_TRUE(reader && slow && fast);
  auto filed = [](policy::store& s, const policy::before_commit& check = {}) {
    return s.apply(
        policy::write_batch{
            sample("w"), std::nullopt, std::nullopt, {policy::change_kind::request_filed}},
        check);
  };
  const std::int64_t start = *(*reader)->last_change_seq();
  std::atomic<bool> staged{false}, release{false};
  std::int64_t slow_seq = 0;
  std::thread slow_writer([&] {
    auto done = filed(**slow, [&](const policy::committed& c) -> policy::result<void> {
      slow_seq = c.changes.at(0).seq;
      staged = true;
      while (!release) std::this_thread::sleep_for(5ms);
      return {};
    });
    EXPECT_TRUE(done) << done.message();
  });
  while (!staged) std::this_thread::sleep_for(5ms);
  auto quick = filed(**fast);
  ASSERT_TRUE(quick) << quick.message();
  ASSERT_GT(quick->changes.at(0).seq, slow_seq);
  EXPECT_TRUE((*reader)->changes_since(start, 0)->empty());  // the slow one may still come
  release = true;
  slow_writer.join();
  auto both = (*reader)->changes_since(start, 0);
  ASSERT_EQ(both->size(), 2u);
  EXPECT_EQ((*both)[0].seq, slow_seq);
  EXPECT_EQ((*both)[1].seq, quick->changes.at(0).seq);

  (void)filed(**slow, [](const policy::committed&) -> policy::result<void> {
    return policy::make_error(policy::error_code::internal, "audit refused");
  });
  auto after = filed(**fast);
  ASSERT_TRUE(after);
  const std::int64_t last = (*both)[1].seq;
  std::vector<policy::change> next;
  for (int i = 0; i < 50 && next.empty(); ++i) {
    next = *(*reader)->changes_since(last, 0);
    if (next.empty()) std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].seq, after->changes.at(0).seq);
  EXPECT_GT(next[0].seq, last + 1);  // the rolled-back number was passed
}

TEST(PostgresqlStore, TakesLibpqKeywordStrings) {
  postgresql_backend backend;  // the database to find by keywords
  auto& server = postgres_server::shared();
  const std::string name = backend.url().substr(backend.url().rfind('/') + 1);
  const std::string keywords =
      "host=127.0.0.1 port=" + std::to_string(server.port()) + " user=postgres dbname=" + name;
  auto s = open_storage(keywords);
  ASSERT_TRUE(s) << s.message();
  ASSERT_TRUE(s->store->create_request(sample("alice")));
  EXPECT_NE(backend.table_text("requests").find("alice"), std::string::npos);
}

TEST(PostgresqlStore, ASchemaFromANewerGatehouseIsRefused) {
  postgresql_backend backend;
  { ASSERT_TRUE(open_store(backend.url())); }
  raw_sql(backend.url(), "INSERT INTO schema_migrations VALUES (99, 'future', 0)");
  auto s = open_store(backend.url());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.message(), "cannot open store " + backend.url() +
                             ": the store's schema (version 99) is newer than this gatehouse "
                             "understands (version " +
                             std::to_string(postgresql::latest_schema_version()) + ")");
}

TEST(PostgresqlStore, ADamagedRowIsAnErrorNotACrash) {
  postgresql_backend backend;
  auto s = open_store(backend.url());
  ASSERT_TRUE(s);
  ASSERT_TRUE((*s)->create_request(sample("alice")));
  raw_sql(backend.url(), "UPDATE requests SET levels = '{not json' WHERE id = 1");
  auto got = (*s)->get_request(1);
  EXPECT_EQ(got.code(), policy::error_code::internal);
  EXPECT_EQ(got.message(), "request #1 is damaged in the store");
}

}  // namespace
}  // namespace gatehouse::storage
