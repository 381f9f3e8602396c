// The rest of a request's life through access_service: cancel, comments, reassignment,
// revocation, admin override, expiry, grant end, the change feed and version-conflict retries.
#include <algorithm>

#include "policy/access_service.hpp"
#include "policy_test_support.hpp"
#include "storage/forwarding_store.hpp"

namespace gatehouse::policy::testing {
namespace {

using config::condition;
using config::rule_mode;

class AccessServiceLifecycle : public service_fixture {};

TEST_F(AccessServiceLifecycle, PendingRequestExpires) {
  use(prod_rule({level({"bob"})}));
  request r = file("alice");
  EXPECT_EQ(*svc().next_deadline(), std::optional<time_point>(t0() + 30min));
  clock_.advance(29min);
  EXPECT_TRUE(svc().process_due(clock_.now())->expired.empty());
  clock_.advance(2min);
  auto report = svc().process_due(clock_.now());
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->expired.size(), 1u);
  EXPECT_EQ(report->expired[0].state, request_state::expired);
  EXPECT_EQ(svc().approve(r.id, "bob", {}).message(), "request #1 is already expired");
  EXPECT_EQ(audit_.names().back(), "request.expired");
  EXPECT_EQ(*svc().next_deadline(), std::nullopt);
  EXPECT_TRUE(svc().process_due(clock_.now())->expired.empty());
}

// Who must be told is stored with the change. When telling fails (the mail could not be
// queued; or the daemon died before it could), the notice stays owed and is told once due,
// under the same once prefix, so that the outbox keeps one mail per recipient.
TEST_F(AccessServiceLifecycle, ANoticeNotToldIsToldAgainOnceOwed) {
  use(prod_rule({level({"bob"})}));
  request r = file("alice");
  ASSERT_EQ(notifier_.calls.size(), 1u);
  const std::string first_once = notifier_.calls[0].once;
  EXPECT_TRUE(first_once.starts_with("notice-")) << first_once;
  notifier_.refuse = true;
  ASSERT_TRUE(svc().approve(r.id, "bob", {}).ok());
  notifier_.refuse = false;
  EXPECT_EQ(notifier_.calls.size(), 1u);  // alice not told yet
  EXPECT_EQ(*svc().next_deadline(), std::optional<time_point>(t0() + notice_grace));

  clock_.advance(notice_grace - 1s);
  EXPECT_EQ(svc().process_due(clock_.now())->told_again, 0u);
  clock_.advance(1s);
  auto report = svc().process_due(clock_.now());
  ASSERT_TRUE(report.ok()) << report.message();
  EXPECT_EQ(report->told_again, 1u);
  ASSERT_EQ(notifier_.calls.size(), 2u);
  EXPECT_EQ(notifier_.calls[1].what, "tell");
  EXPECT_EQ(notifier_.calls[1].about, "request.approved");
  EXPECT_EQ(notifier_.calls[1].by, "bob");
  EXPECT_TRUE(notifier_.calls[1].once.starts_with("notice-"));
  EXPECT_NE(notifier_.calls[1].once, first_once);
  EXPECT_EQ(*svc().next_deadline(), std::optional<time_point>(t0() + 1h));  // the grant's end
  EXPECT_EQ(svc().process_due(clock_.now())->told_again, 0u);
  EXPECT_EQ(notifier_.calls.size(), 2u);
}

TEST_F(AccessServiceLifecycle, GrantEndsWhenItsPeriodRunsOut) {
  use(prod_rule({level({"bob"})}));
  request r = file("alice");
  auto ok = svc().approve(r.id, "bob", {});
  EXPECT_EQ(*svc().next_deadline(), std::optional<time_point>(t0() + 1h));
  clock_.advance(1h);
  auto report = svc().process_due(clock_.now());
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->ended.size(), 1u);
  EXPECT_EQ(report->ended[0].state, grant_state::ended);
  EXPECT_EQ(grant_of(*ok).state, grant_state::ended);
  EXPECT_EQ(audit_.names().back(), "grant.ended");
  EXPECT_TRUE(std::holds_alternative<decisions::approval_needed>(svc().check(to("alice"))));
  EXPECT_EQ(svc().revoke(*ok->grant, "bob").message(), "grant #1 has already ended");
}

TEST_F(AccessServiceLifecycle, CancelByRequesterOrAdmin) {
  use(prod_rule({level({"bob"})}));
  request r = file("alice");
  EXPECT_EQ(svc().cancel(r.id, "carol").message(), "only alice or an admin may cancel request #1");
  auto cancelled = svc().cancel(r.id, "alice");
  ASSERT_TRUE(cancelled.ok());
  EXPECT_EQ(cancelled->state, request_state::cancelled);
  EXPECT_EQ(svc().approve(r.id, "bob", {}).message(), "request #1 is already cancelled");
  EXPECT_EQ(svc().cancel(r.id, "alice").message(), "request #1 is already cancelled");

  request again = file("alice");
  EXPECT_EQ(svc().cancel(again.id, "admin", true)->state, request_state::cancelled);
  EXPECT_EQ(audit_.names().back(), "request.cancelled");
}

TEST_F(AccessServiceLifecycle, CommentsNeverChangeState) {
  use(prod_rule({level({"bob"})}));
  request r = file("alice");
  auto c1 = svc().comment(r.id, "bob", "which ticket?");
  auto c2 = svc().comment(r.id, "alice", "OPS-42");
  ASSERT_TRUE(c1.ok() && c2.ok());
  EXPECT_EQ(c2->state, request_state::pending);
  EXPECT_EQ(c2->comments.size(), 2u);
  EXPECT_EQ(c2->comments[1].author, "alice");
  EXPECT_EQ(c2->comments[1].text, "OPS-42");
  EXPECT_EQ(svc().comment(r.id, "frank", "hi").code(), error_code::refused);
  EXPECT_EQ(svc().comment(r.id, "bob", "").code(), error_code::invalid);
  ASSERT_TRUE(svc().deny(r.id, "bob", "no").ok());
  auto after = svc().comment(r.id, "alice", "ok, filed another");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->state, request_state::denied);
  EXPECT_EQ(audit_.names()[1], "request.comment");
}

TEST_F(AccessServiceLifecycle, ReassignHandsOnAnApproval) {
  use(prod_rule({level({"bob", "carol"}, condition::all)}));
  request r = file("alice");
  EXPECT_EQ(svc().reassign(r.id, "frank", "bob", "erin").code(), error_code::refused);
  EXPECT_EQ(svc().reassign(r.id, "bob", "bob", "alice").message(),
            "alice cannot approve request #1: it is their own request");
  EXPECT_EQ(svc().reassign(r.id, "bob", "bob", "carol").message(),
            "carol already approves level 1 of request #1");
  EXPECT_EQ(svc().reassign(r.id, "bob", "bob", "nobody").code(), error_code::invalid);
  auto moved = svc().reassign(r.id, "bob", "bob", "erin");
  ASSERT_TRUE(moved.ok()) << moved.message();
  EXPECT_EQ(moved->levels[0].approvers, (std::vector<std::string>{"erin", "carol"}));
  EXPECT_EQ(notifier_.calls.back().people, std::vector<std::string>{"erin"});
  EXPECT_EQ(svc().approve(r.id, "bob", {}).message(), "bob is not an approver of request #1");
  ASSERT_TRUE(svc().approve(r.id, "erin", {}).ok());
  EXPECT_EQ(svc().approve(r.id, "carol", {})->state, request_state::approved);
}

TEST_F(AccessServiceLifecycle, AnyApproverMayRevokeNotOnlyTheOneWhoApproved) {
  use(prod_rule({level({"bob", "carol"})}));
  request r = file("alice");
  auto ok = svc().approve(r.id, "bob", {});
  grant_id g = *ok->grant;
  EXPECT_EQ(svc().revoke(g, "frank").message(),
            "frank may not revoke grant #1: only its approvers, alice or an admin may");
  auto revoked = svc().revoke(g, "carol");
  ASSERT_TRUE(revoked.ok()) << revoked.message();
  EXPECT_EQ(revoked->state, grant_state::revoked);
  EXPECT_EQ(revoked->revoked_by, "carol");
  EXPECT_EQ(svc().get_request(r.id)->state, request_state::approved);
  EXPECT_TRUE(std::holds_alternative<decisions::approval_needed>(svc().check(to("alice"))));
  EXPECT_EQ(svc().revoke(g, "bob").message(), "grant #1 has already been revoked");
  EXPECT_EQ(audit_.names().back(), "grant.revoked");
  EXPECT_EQ(notifier_.calls.back().about, "grant.revoked");
  EXPECT_EQ(svc().revoke(99, "bob").code(), error_code::not_found);
}

TEST_F(AccessServiceLifecycle, AdminOverrideDecidesTheWholeRequest) {
  use(prod_rule({level({"bob", "carol"}, condition::all), level({"erin"})}));
  request r = file("alice");
  auto ok = svc().approve(r.id, "root", {.comment = "incident 7", .admin_override = true});
  ASSERT_TRUE(ok.ok()) << ok.message();
  EXPECT_EQ(ok->state, request_state::approved);
  ASSERT_EQ(ok->decisions.size(), 1u);
  EXPECT_EQ(ok->decisions[0].approver, "admin");
  EXPECT_TRUE(ok->decisions[0].admin_override);
  EXPECT_EQ(grant_of(*ok).state, grant_state::active);

  request other = file("dave");
  auto no = svc().deny(other.id, "root", "no", true);
  ASSERT_TRUE(no.ok());
  EXPECT_EQ(no->state, request_state::denied);
  EXPECT_EQ(no->decisions[0].approver, "admin");
  EXPECT_EQ(svc().deny(other.id, "root", "again", true).message(), "request #2 is already denied");
}

TEST_F(AccessServiceLifecycle, ChangeFeedRecordsWhatChanged) {
  use(prod_rule({level({"bob"})}));
  request r = file("alice");
  ASSERT_TRUE(svc().comment(r.id, "bob", "?").ok());
  auto ok = svc().approve(r.id, "bob", {});
  ASSERT_TRUE(svc().revoke(*ok->grant, "alice").ok());
  auto feed = store_->changes_since(0, 0);
  ASSERT_TRUE(feed.ok());
  std::vector<change_kind> kinds;
  for (const auto& c : *feed) kinds.push_back(c.kind);
  EXPECT_EQ(kinds,
            (std::vector<change_kind>{change_kind::request_filed, change_kind::request_updated,
                                      change_kind::request_decided, change_kind::grant_revoked}));
  EXPECT_EQ(feed->back().grant, ok->grant);
}

// A store that lets someone else change the request between our read and our write, once.
class racing_store final : public storage::forwarding_store {
 public:
  explicit racing_store(store& inner) : storage::forwarding_store(inner) {}
  using store::apply;
  result<committed> apply(const write_batch& b, const before_commit& check) override {
    if (race_ && b.req.id != 0) {
      race_ = false;
      auto theirs = inner_.get_request(b.req.id);
      theirs->comments.push_back({"carol", "meanwhile", theirs->updated});
      EXPECT_TRUE(inner_.update_request(*theirs).ok());
    }
    return inner_.apply(b, check);
  }
  bool race_ = true;
};

TEST_F(AccessServiceLifecycle, AVersionConflictIsRetriedOnFreshData) {
  use(prod_rule({level({"bob", "carol"}, condition::all)}));
  racing_store racing(*store_);
  access_service svc2(svc().config(), racing, audit_, notifier_, clock_);
  request r = file("alice");
  auto ok = svc2.approve(r.id, "bob", {});
  ASSERT_TRUE(ok.ok()) << ok.message();
  EXPECT_FALSE(racing.race_);
  EXPECT_EQ(ok->comments.size(), 1u);  // the other writer's change survived
  EXPECT_EQ(ok->decisions.size(), 1u);
  EXPECT_EQ(ok->version, 3);
}

}  // namespace
}  // namespace gatehouse::policy::testing
