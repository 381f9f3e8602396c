#include "mail/sqlite_outbox.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>

#include "mail/mail_sender.hpp"
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
