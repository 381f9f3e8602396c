// A request of several targets on every store backend (the conformance backends of
// tests/storage/storage_backends.hpp: SQLite in a file, in memory, and a real PostgreSQL): its
// further targets round-trip (migration 8), an approval through access_service writes one grant
// per target in the same transaction, and each grant is revoked on its own, the others left live.
#include <gtest/gtest.h>

#include "policy/access_service.hpp"
#include "policy/store.hpp"
#include "policy_test_support.hpp"
#include "storage_backends.hpp"

namespace gatehouse::policy::testing {
namespace {

template <typename Backend>
class StoreTargets : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = open_store(backend_.url());
    ASSERT_TRUE(s.ok()) << s.message();
    store_ = std::move(*s);
    auto cfg = standard_people()
                   .server("web02", {"root", "deploy"}, {"production"})
                   .rule(prod_rule({level({"bob"})}))
                   .build();
    service_ = std::make_unique<access_service>(cfg, *store_, audit_, notifier_, clock_);
  }

  Backend backend_;
  std::unique_ptr<store> store_;
  manual_clock clock_{t0()};
  recording_audit audit_;
  recording_notifier notifier_;
  std::unique_ptr<access_service> service_;
};

using Backends =
    ::testing::Types<storage::testing::sqlite_file_backend, storage::testing::sqlite_memory_backend,
                     storage::testing::postgresql_backend>;
TYPED_TEST_SUITE(StoreTargets, Backends);

TYPED_TEST(StoreTargets, FurtherTargetsRoundTrip) {
  request r;
  r.requester = "alice";
  r.server = "web01";
  r.account = "root";
  r.more_targets = {{"web02", "deploy", std::nullopt}, {"web02", "r\xe9ot \"x\"", 42}};
  r.window = {t0(), t0() + 1h};
  auto created = this->store_->create_request(r);
  ASSERT_TRUE(created.ok()) << created.message();
  auto read = this->store_->get_request(created->id);
  ASSERT_TRUE(read.ok()) << read.message();
  EXPECT_EQ(read->more_targets, r.more_targets);
  EXPECT_EQ(targets_text(*read), "root@web01, deploy@web02, r\xe9ot \"x\"@web02");
}

TYPED_TEST(StoreTargets, ListsFilteredByServerOrAccountMatchAnyTarget) {
  request r;
  r.requester = "alice";
  r.server = "web01";
  r.account = "root";
  r.more_targets = {{"web02", "deploy", std::nullopt}};
  r.window = {t0(), t0() + 1h};
  request other = r;
  other.more_targets = {{"web_2", "deploy", std::nullopt}};  // `_` is LIKE's wildcard
  other.server = "db01";
  auto created = this->store_->create_request(r);
  ASSERT_TRUE(created.ok()) << created.message();
  ASSERT_TRUE(this->store_->create_request(other).ok());
  auto ids = [&](request_filter f) {
    std::vector<request_id> out;
    auto list = this->store_->list_requests(f);
    EXPECT_TRUE(list.ok()) << list.message();
    if (list)
      for (const auto& x : *list) out.push_back(x.id);
    return out;
  };
  const std::vector<request_id> just_r{created->id};
  EXPECT_EQ(ids({.server = "web02"}), just_r) << "the second target's server";
  EXPECT_EQ(ids({.server = "web01"}), just_r) << "the first target's server";
  EXPECT_EQ(ids({.server = "web02", .account = "deploy"}), just_r);
  EXPECT_EQ(ids({.server = "web02", .account = "root"}), std::vector<request_id>{})
      << "root is asked on web01, not on web02";
  EXPECT_EQ(ids({.account = "deploy"}).size(), 2u);
}

TYPED_TEST(StoreTargets, TwoTargetsApprovedGiveTwoGrantsEachRevokedOnItsOwn) {
  auto& svc = *this->service_;
  filing f{.justification = "deploy 4.2"};
  f.more_targets = {{"web02", "deploy", std::nullopt}};
  auto filed = svc.file_request(to("alice", "web01", "root"), f);
  ASSERT_TRUE(filed.ok()) << filed.message();
  EXPECT_EQ(filed->more_targets.size(), 1u);

  auto approved = svc.approve(filed->id, "bob", {});
  ASSERT_TRUE(approved.ok()) << approved.message();
  ASSERT_TRUE(approved->grant.has_value());
  ASSERT_EQ(approved->more_targets.size(), 1u);
  ASSERT_TRUE(approved->more_targets[0].grant.has_value());
  const grant_id first = *approved->grant, second = *approved->more_targets[0].grant;
  EXPECT_NE(first, second);

  // As stored: two grants of this request, one per target, the same window.
  auto stored = this->store_->get_request(filed->id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->more_targets[0].grant, std::optional(second));
  auto grants = this->store_->list_grants({.request = filed->id});
  ASSERT_TRUE(grants.ok());
  ASSERT_EQ(grants->size(), 2u);
  auto g2 = this->store_->get_grant(second);
  ASSERT_TRUE(g2.ok());
  EXPECT_EQ(g2->server, "web02");
  EXPECT_EQ(g2->account, "deploy");
  EXPECT_EQ(g2->request, filed->id);
  EXPECT_EQ(g2->start, approved->window.start);
  EXPECT_EQ(g2->end, approved->window.end);
  auto now = this->clock_.now();
  EXPECT_TRUE(this->store_->find_live_grant("alice", "web01", "root", now)->has_value());
  EXPECT_TRUE(this->store_->find_live_grant("alice", "web02", "deploy", now)->has_value());

  // The second target's grant is revoked alone; the first stays live.
  auto revoked = svc.revoke(second, "bob", false, "done on web02");
  ASSERT_TRUE(revoked.ok()) << revoked.message();
  EXPECT_EQ(revoked->id, second);
  EXPECT_EQ(revoked->state, grant_state::revoked);
  EXPECT_EQ(this->store_->get_grant(first)->state, grant_state::active);
  EXPECT_TRUE(this->store_->find_live_grant("alice", "web01", "root", now)->has_value());
  EXPECT_FALSE(this->store_->find_live_grant("alice", "web02", "deploy", now)->has_value());
  auto again = svc.revoke(second, "bob", false, "");
  EXPECT_EQ(again.code(), error_code::refused);

  // Then the first, on its own; the request's timeline keeps both, each naming its target.
  auto revoked_first = svc.revoke(first, "alice", false, "");
  ASSERT_TRUE(revoked_first.ok()) << revoked_first.message();
  EXPECT_EQ(this->store_->get_grant(first)->state, grant_state::revoked);
  auto timeline = this->store_->get_request(filed->id);
  ASSERT_TRUE(timeline.ok());
  std::vector<std::string> records;
  for (const auto& c : timeline->comments)
    if (c.kind == record_kind::revoked) records.push_back(c.author + ": " + c.text);
  EXPECT_EQ(records,
            (std::vector<std::string>{"bob: deploy@web02: done on web02", "alice: root@web01"}));

  // The feed names each revoked grant.
  auto feed = this->store_->changes_since(0, 0);
  ASSERT_TRUE(feed.ok());
  std::vector<grant_id> revoked_in_feed;
  for (const auto& c : *feed)
    if (c.kind == change_kind::grant_revoked && c.grant) revoked_in_feed.push_back(*c.grant);
  EXPECT_EQ(revoked_in_feed, (std::vector<grant_id>{second, first}));
}

TYPED_TEST(StoreTargets, EachGrantEndsOnItsOwnDeadline) {
  auto& svc = *this->service_;
  filing f{.justification = "deploy 4.2", .duration = std::chrono::seconds(3600)};
  f.more_targets = {{"web02", "deploy", std::nullopt}};
  auto filed = svc.file_request(to("alice", "web01", "root"), f);
  ASSERT_TRUE(filed.ok()) << filed.message();
  ASSERT_TRUE(svc.approve(filed->id, "bob", {}).ok());
  this->clock_.advance(2h);
  auto report = svc.process_due(this->clock_.now());
  ASSERT_TRUE(report.ok()) << report.message();
  EXPECT_EQ(report->ended.size(), 2u);
  auto grants = this->store_->list_grants({.request = filed->id});
  ASSERT_TRUE(grants.ok()) << grants.message();
  for (const auto& g : *grants)
    EXPECT_EQ(g.state, grant_state::ended) << g.account << "@" << g.server;
}

}  // namespace
}  // namespace gatehouse::policy::testing
