#include "mail/sqlite_outbox.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>

#include "mail/mail_sender.hpp"
#include "policy/sqlite_db.hpp"
#include "policy/store.hpp"

namespace gatehouse::mail {
namespace {

using namespace std::chrono_literals;

const time_point t0 = *parse_rfc3339("2026-11-22T18:00:00Z");

outgoing_mail mail_to(const std::string& who) {
  return {who + "@example.com", "subject for " + who, "Subject: x\r\n\r\nbody\r\n"};
}

TEST(SqliteOutbox, QueuedMailIsDueAtOnceThenSent) {
  auto box = open_sqlite_outbox(":memory:");
  ASSERT_TRUE(box) << box.message();
  auto ids = (*box)->enqueue({mail_to("bob")}, t0);
  ASSERT_TRUE(ids);
  ASSERT_EQ(ids->size(), 1u);
  auto id = ids->front();
  auto due = (*box)->due(t0, 10);
  ASSERT_TRUE(due);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].id, id);
  EXPECT_EQ((*due)[0].mail.recipient, "bob@example.com");
  EXPECT_EQ((*due)[0].mail.body, "Subject: x\r\n\r\nbody\r\n");
  EXPECT_EQ((*due)[0].attempts, 0);
  EXPECT_EQ(*(*box)->unsent(), 1);
  ASSERT_TRUE((*box)->mark_sent(id, t0 + 1s));
  EXPECT_TRUE((*box)->due(t0 + 1h, 10)->empty());
  EXPECT_EQ(*(*box)->next_due(), std::nullopt);
  EXPECT_EQ(*(*box)->unsent(), 0);
}

TEST(SqliteOutbox, FailedMailWaitsForItsRetry) {
  auto opened = open_sqlite_outbox(":memory:");
  ASSERT_TRUE(opened);
  auto box = std::move(opened.value());
  auto ids = *box->enqueue({mail_to("bob"), mail_to("carol")}, t0);
  ASSERT_EQ(ids.size(), 2u);
  auto bob = ids[0];
  auto carol = ids[1];
  ASSERT_TRUE(box->mark_failed(bob, "connection refused", t0 + 5s));
  auto due = *box->due(t0 + 1s, 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].id, carol);
  EXPECT_EQ(**box->next_due(), t0);
  ASSERT_TRUE(box->mark_sent(carol, t0 + 1s));
  EXPECT_EQ(**box->next_due(), t0 + 5s);
  due = *box->due(t0 + 5s, 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].attempts, 1);
}

TEST(SqliteOutbox, SurvivesReopeningAndSharesTheStoreFile) {
  auto dir = std::filesystem::temp_directory_path() /
             ("gatehouse-outbox-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "gatehouse.db").string();
  {
    auto store = policy::open_store("sqlite:" + path);  // the policy store migrates first
    ASSERT_TRUE(store) << store.message();
    auto box = open_sqlite_outbox(path);
    ASSERT_TRUE(box) << box.message();
    ASSERT_TRUE((*box)->enqueue({mail_to("bob")}, t0));
  }
  auto box = open_sqlite_outbox(path);
  ASSERT_TRUE(box);
  auto due = (*box)->due(t0, 10);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].mail.recipient, "bob@example.com");
  auto store = policy::open_store("sqlite:" + path);  // and the store still opens after
  EXPECT_TRUE(store) << store.message();
  std::filesystem::remove_all(dir);
}

// The rows of the outbox as stored: body and whether it was sent, by id.
std::vector<std::pair<std::string, bool>> rows_of(const std::string& path) {
  auto db = policy::sqlite::database::open(path);
  EXPECT_TRUE(db) << db.message();
  auto stmt = (*db)->prepare("SELECT body, sent_at IS NOT NULL FROM mail_outbox ORDER BY id");
  EXPECT_TRUE(stmt);
  std::vector<std::pair<std::string, bool>> out;
  while (*(*stmt)->step()) out.emplace_back((*stmt)->text(0), (*stmt)->integer(1) != 0);
  return out;
}

struct outbox_file {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("gatehouse-outbox-secrets-" + std::to_string(::getpid()));
  std::string path = (dir / "gatehouse.db").string();
  outbox_file() { std::filesystem::create_directories(dir); }
  ~outbox_file() { std::filesystem::remove_all(dir); }
};

TEST(SqliteOutbox, SentMailKeepsNoLinkAtRest) {
  outbox_file f;
  auto box = open_sqlite_outbox(f.path);
  ASSERT_TRUE(box) << box.message();
  const std::string link = "https://gate.example/approvals/SECRETTOKEN";
  auto ids = *(*box)->enqueue(
      {{"bob@example.com", "approve #1", "Subject: x\r\n\r\n" + link + "\r\n"}, mail_to("carol")},
      t0);
  ASSERT_TRUE((*box)->mark_sent(ids[0], t0 + 1s));
  auto rows = rows_of(f.path);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], std::make_pair(std::string(), true));  // the record stays, not the link
  EXPECT_EQ(rows[1].first, "Subject: x\r\n\r\nbody\r\n");   // unsent: still to deliver
  EXPECT_FALSE(rows[1].second);
}

TEST(MailSender, PrunesSentMailOlderThanKeepSent) {
  auto opened = open_sqlite_outbox(":memory:");
  ASSERT_TRUE(opened);
  auto& box = **opened;
  auto ids = *box.enqueue({mail_to("a"), mail_to("b"), mail_to("c"), mail_to("d")}, t0);
  ASSERT_TRUE(box.mark_sent(ids[0], t0));       // before the limit: pruned
  ASSERT_TRUE(box.mark_sent(ids[1], t0 + 1h));  // exactly keep_sent before "now": kept
  ASSERT_TRUE(box.mark_sent(ids[2], t0 + 7 * 24h));
  // ids[3] never sent (an outage): kept however old.
  manual_clock clock(t0 + 8 * 24h);
  mail_counters counters;
  config::mail_settings settings;
  settings.keep_sent = std::chrono::days(7) + 23h;  // "now" - keep_sent = t0 + 1h
  mail_sender sender(
      box, [&] { return settings; }, clock, counters);
  sender.prune_old_mail();
  EXPECT_EQ(*box.prune_sent(t0 + 1h), 0);  // nothing left before the limit
  EXPECT_EQ(*box.unsent(), 1);
  EXPECT_EQ(*box.prune_sent(t0 + 7 * 24h + 1ms), 2);  // ids[1] and ids[2] were still there
  EXPECT_EQ(*box.unsent(), 1);
  EXPECT_EQ(box.due(clock.now(), 10)->front().id, ids[3]);
}

TEST(RetryDelay, DoublesFromFiveSecondsToTenMinutes) {
  EXPECT_EQ(retry_delay(1), 5s);
  EXPECT_EQ(retry_delay(2), 10s);
  EXPECT_EQ(retry_delay(3), 20s);
  EXPECT_EQ(retry_delay(7), 320s);
  EXPECT_EQ(retry_delay(8), 600s);
  EXPECT_EQ(retry_delay(1000), 600s);
}

}  // namespace
}  // namespace gatehouse::mail
