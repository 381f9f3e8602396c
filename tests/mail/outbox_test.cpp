// The outbox conformance suite: every storage backend runs the same typed tests. Add a backend
// (tests/storage/storage_backends.hpp) to OutboxBackends to put a new one through it.
#include "mail/outbox.hpp"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "mail/mail_sender.hpp"
#include "storage/open_storage.hpp"
#include "storage_backends.hpp"

namespace gatehouse::mail {
namespace {

using namespace std::chrono_literals;

const time_point t0 = *parse_rfc3339("2026-11-22T18:00:00Z");

outgoing_mail mail_to(const std::string& who) {
  return {who + "@example.com", "subject for " + who, "Subject: x\r\n\r\nbody\r\n"};
}

template <typename Backend>
class Outbox : public ::testing::Test {
 protected:
  void SetUp() override { box_ = open(); }

  std::unique_ptr<outbox> open() {
    auto s = storage::open_storage(backend_.url());
    EXPECT_TRUE(s.ok()) << s.message();
    return s.ok() ? std::move(s->outbox) : nullptr;
  }

  Backend backend_;
  std::unique_ptr<outbox> box_;
};

using OutboxBackends =
    ::testing::Types<storage::testing::sqlite_file_backend, storage::testing::postgresql_backend>;
TYPED_TEST_SUITE(Outbox, OutboxBackends);

TYPED_TEST(Outbox, QueuedMailIsDueAtOnceThenSent) {
  auto& box = *this->box_;
  auto ids = box.enqueue({mail_to("bob")}, t0);
  ASSERT_TRUE(ids);
  ASSERT_EQ(ids->size(), 1u);
  auto id = ids->front();
  auto due = box.due(t0, 10);
  ASSERT_TRUE(due);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].id, id);
  EXPECT_EQ((*due)[0].mail.recipient, "bob@example.com");
  EXPECT_EQ((*due)[0].mail.body, "Subject: x\r\n\r\nbody\r\n");
  EXPECT_EQ((*due)[0].attempts, 0);
  EXPECT_EQ(*box.unsent(), 1);
  ASSERT_TRUE(box.mark_sent(id, t0 + 1s));
  EXPECT_TRUE(box.due(t0 + 1h, 10)->empty());
  EXPECT_EQ(*box.next_due(), std::nullopt);
  EXPECT_EQ(*box.unsent(), 0);
}

// A mail with a once_key is queued once, even after it was sent (until pruned); mails without
// one never collide.
TYPED_TEST(Outbox, AMailIsQueuedOnceUnderItsOnceKey) {
  auto& box = *this->box_;
  outgoing_mail keyed = mail_to("bob");
  keyed.once_key = "notice-7/bob@example.com";
  auto first = box.enqueue({keyed, mail_to("carol"), mail_to("carol")}, t0);
  ASSERT_TRUE(first) << first.message();
  ASSERT_EQ(first->size(), 3u);
  EXPECT_NE((*first)[0], 0);
  EXPECT_EQ(*box.unsent(), 3);
  ASSERT_TRUE(box.mark_sent((*first)[0], t0 + 1s));
  keyed.body = "Subject: y\r\n\r\ncomposed again\r\n";
  outgoing_mail other = mail_to("dave");
  other.once_key = "notice-7/dave@example.com";
  auto again = box.enqueue({keyed, other}, t0 + 2s);
  ASSERT_TRUE(again) << again.message();
  ASSERT_EQ(again->size(), 2u);
  EXPECT_EQ((*again)[0], 0);  // queued before: nothing stored
  EXPECT_NE((*again)[1], 0);
  EXPECT_EQ(*box.unsent(), 3);  // carol twice and dave
}

TYPED_TEST(Outbox, DueMailIsOldestFirstAndAtMostTheLimit) {
  auto& box = *this->box_;
  auto first = *box.enqueue({mail_to("a"), mail_to("b")}, t0);
  auto later = *box.enqueue({mail_to("c")}, t0 + 1s);
  ASSERT_LT(first[0], first[1]);
  ASSERT_LT(first[1], later[0]);
  auto due = *box.due(t0 + 1s, 2);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].id, first[0]);
  EXPECT_EQ(due[1].id, first[1]);
  EXPECT_EQ(box.due(t0, 10)->size(), 2u);  // c is not due yet
  EXPECT_EQ(*box.unsent(), 3);
}

TYPED_TEST(Outbox, FailedMailWaitsForItsRetry) {
  auto& box = *this->box_;
  auto ids = *box.enqueue({mail_to("bob"), mail_to("carol")}, t0);
  ASSERT_EQ(ids.size(), 2u);
  auto bob = ids[0];
  auto carol = ids[1];
  ASSERT_TRUE(box.mark_failed(bob, "connection refused", t0 + 5s));
  auto due = *box.due(t0 + 1s, 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].id, carol);
  EXPECT_EQ(**box.next_due(), t0);
  ASSERT_TRUE(box.mark_sent(carol, t0 + 1s));
  EXPECT_EQ(**box.next_due(), t0 + 5s);
  due = *box.due(t0 + 5s, 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].attempts, 1);
}

TYPED_TEST(Outbox, UnsentMailSurvivesReopening) {
  if (!TypeParam::persistent) GTEST_SKIP() << "an in-memory store starts empty by design";
  ASSERT_TRUE(this->box_->enqueue({mail_to("bob")}, t0));
  this->box_.reset();
  this->box_ = this->open();
  ASSERT_NE(this->box_, nullptr);
  auto due = this->box_->due(t0, 10);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].mail.recipient, "bob@example.com");
}

TYPED_TEST(Outbox, SentMailKeepsNoLinkAtRest) {
  auto& box = *this->box_;
  const std::string link = "https://gate.example/approvals/SECRETTOKEN";
  auto ids = *box.enqueue(
      {{"bob@example.com", "approve #1", "Subject: x\r\n\r\n" + link + "\r\n"}, mail_to("carol")},
      t0);
  ASSERT_TRUE(box.mark_sent(ids[0], t0 + 1s));
  auto stored = this->backend_.table_text("mail_outbox");
  EXPECT_EQ(stored.find("SECRETTOKEN"), std::string::npos) << stored;
  EXPECT_NE(stored.find("approve #1"), std::string::npos) << stored;        // the record stays
  EXPECT_NE(stored.find("Subject: x\r\n\r\nbody\r\n"), std::string::npos);  // unsent: kept
  EXPECT_EQ(*box.unsent(), 1);
}

TYPED_TEST(Outbox, AClaimedMailIsNobodyElsesUntilSettledOrItsLeaseEnds) {
  auto& box = *this->box_;
  auto ids = *box.enqueue({mail_to("a"), mail_to("b"), mail_to("c")}, t0);
  auto other = this->open();  // a second daemon's sender on the same store
  auto first = box.claim_due(t0, 2, 10min);
  ASSERT_TRUE(first) << first.message();
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].id, ids[0]);
  EXPECT_EQ((*first)[1].id, ids[1]);
  auto second = other->claim_due(t0, 10, 10min);
  ASSERT_TRUE(second) << second.message();
  ASSERT_EQ(second->size(), 1u);
  EXPECT_EQ((*second)[0].id, ids[2]);
  EXPECT_TRUE(box.claim_due(t0 + 1s, 10, 10min)->empty());
  // Settled: a failure is due again at its retry, a sent one never.
  ASSERT_TRUE(box.mark_failed(ids[0], "421 busy", t0 + 5s));
  ASSERT_TRUE(box.mark_sent(ids[1], t0 + 1s));
  auto retried = other->claim_due(t0 + 5s, 10, 10min);
  ASSERT_EQ(retried->size(), 1u);
  EXPECT_EQ((*retried)[0].id, ids[0]);
  EXPECT_EQ((*retried)[0].attempts, 1);
  // A sender that died with ids[2]: another takes it when the lease ends.
  auto after_lease = box.claim_due(t0 + 10min, 10, 10min);
  ASSERT_EQ(after_lease->size(), 1u);
  EXPECT_EQ((*after_lease)[0].id, ids[2]);
}

TYPED_TEST(Outbox, ConcurrentSendersNeverTakeOneMailTwice) {
  constexpr int mails = 200, senders = 4;
  std::vector<outgoing_mail> all;
  for (int i = 0; i < mails; ++i) all.push_back(mail_to("p" + std::to_string(i)));
  ASSERT_TRUE(this->box_->enqueue(all, t0));
  std::vector<std::unique_ptr<outbox>> boxes;
  for (int i = 0; i < senders; ++i) boxes.push_back(this->open());
  std::vector<std::vector<std::int64_t>> taken(senders);
  std::vector<std::thread> threads;
  for (int i = 0; i < senders; ++i)
    threads.emplace_back([&, i] {
      for (;;) {
        auto got = boxes[std::size_t(i)]->claim_due(t0, 7, 10min);
        if (!got || got->empty()) return;
        for (const auto& q : *got) {
          taken[std::size_t(i)].push_back(q.id);
          (void)boxes[std::size_t(i)]->mark_sent(q.id, t0);
        }
      }
    });
  for (auto& t : threads) t.join();
  std::set<std::int64_t> once;
  std::size_t total = 0;
  for (const auto& ids : taken) {
    total += ids.size();
    once.insert(ids.begin(), ids.end());
  }
  EXPECT_EQ(total, std::size_t(mails));
  EXPECT_EQ(once.size(), std::size_t(mails));
  EXPECT_EQ(*this->box_->unsent(), 0);
}

TYPED_TEST(Outbox, MailSenderPrunesSentMailOlderThanKeepSent) {
  auto& box = *this->box_;
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
