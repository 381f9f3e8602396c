// Several targets in one request: the pure transitions (one grant per target at approval; a
// revocation or end acts on the grant given, whichever target's it is) and the filing rules of
// access_service (same rule, protocol and approvers, or a refusal naming the odd target with
// nothing filed; duplicates folded; at most max_targets; no emergency; a pending request
// covering a target is found for it, so a held connection reuses it).
#include <gtest/gtest.h>

#include "policy/access_service.hpp"
#include "policy/request_transitions.hpp"
#include "policy_test_support.hpp"

namespace gatehouse::policy::testing {
namespace {

request two_target_request() {
  request r;
  r.id = 7;
  r.requester = "alice";
  r.server = "web01";
  r.account = "root";
  r.more_targets = {{"web02", "deploy", std::nullopt}};
  r.window = {t0(), t0() + 1h};
  r.levels = {{{"bob"}, config::condition::any}};
  r.max_duration = 8h;
  r.pending_until = t0() + 30min;
  r.rule = "prod";
  return r;
}

grant grant_on(grant_id id, request_id req, const std::string& server, const std::string& account) {
  grant g;
  g.id = id;
  g.request = req;
  g.person = "alice";
  g.server = server;
  g.account = account;
  g.start = t0();
  g.end = t0() + 1h;
  return g;
}

TEST(RequestTargetTransitions, ApprovalCreatesOneGrantPerTarget) {
  auto out = transition(two_target_request(), nullptr, events::approve{"bob", "ok", {}}, t0());
  ASSERT_TRUE(out.ok()) << out.message();
  EXPECT_EQ(out->next.state, request_state::approved);
  ASSERT_TRUE(out->new_grant.has_value());
  EXPECT_EQ(out->new_grant->server, "web01");
  EXPECT_EQ(out->new_grant->account, "root");
  ASSERT_EQ(out->more_new_grants.size(), 1u);
  EXPECT_EQ(out->more_new_grants[0].server, "web02");
  EXPECT_EQ(out->more_new_grants[0].account, "deploy");
  EXPECT_EQ(out->more_new_grants[0].person, "alice");
  EXPECT_EQ(out->more_new_grants[0].start, out->new_grant->start);
  EXPECT_EQ(out->more_new_grants[0].end, out->new_grant->end);
}

TEST(RequestTargetTransitions, RevokeActsOnTheFurtherTargetsGrantAndNamesIt) {
  request r = two_target_request();
  r.state = request_state::approved;
  r.grant = 11;
  r.more_targets[0].grant = 12;
  grant g = grant_on(12, r.id, "web02", "deploy");
  auto out = transition(r, &g, events::revoke{"bob", false, "done"}, t0() + 5min);
  ASSERT_TRUE(out.ok()) << out.message();
  ASSERT_TRUE(out->changed_grant.has_value());
  EXPECT_EQ(out->changed_grant->id, 12);
  EXPECT_EQ(out->changed_grant->state, grant_state::revoked);
  ASSERT_FALSE(out->next.comments.empty());
  EXPECT_EQ(out->next.comments.back().kind, record_kind::revoked);
  EXPECT_EQ(out->next.comments.back().text, "deploy@web02: done");

  auto cancel = transition(r, &g, events::cancel{"alice"}, t0() + 5min);
  EXPECT_EQ(cancel.message(),
            "request #7 is already approved; revoke grants #11, #12 to end the access");

  grant foreign = grant_on(99, r.id, "web03", "root");
  auto refused = transition(r, &foreign, events::revoke{"bob", false, ""}, t0() + 5min);
  EXPECT_EQ(refused.code(), error_code::internal);
}

class RequestTargets : public service_fixture {
 protected:
  void SetUp() override {
    auto db = make_rule("db", config::rule_mode::approve, {"group:developers"}, {"db01"}, {"*"},
                        {level({"bob"})});
    use(standard_people()
            .server("web02", {"root", "deploy"}, {"production"})
            .server("db01", {"root"})
            .rule(prod_rule({level({"bob"})}))
            .rule(db)
            .build());
  }
  static filing with(std::vector<request_target> more) {
    filing f{.justification = "deploy 4.2"};
    f.more_targets = std::move(more);
    return f;
  }
  std::size_t filed_count() { return svc().list_requests({})->size(); }
};

TEST_F(RequestTargets, OneRequestForTwoTargetsIsDecidedOnceAndGrantsBoth) {
  request r = file("alice", with({{"web02", "deploy", std::nullopt}}));
  EXPECT_EQ(targets_text(r), "root@web01, deploy@web02");
  EXPECT_EQ(notifier_.asked(r.id, 0), (std::vector<std::string>{"bob"}));  // asked once
  auto approved = svc().approve(r.id, "bob", {});
  ASSERT_TRUE(approved.ok()) << approved.message();
  EXPECT_TRUE(std::holds_alternative<decisions::allowed_by_grant>(svc().check(to("alice"))));
  EXPECT_TRUE(std::holds_alternative<decisions::allowed_by_grant>(
      svc().check(to("alice", "web02", "deploy"))));
  // Not a target of the request: still needs one.
  EXPECT_TRUE(std::holds_alternative<decisions::approval_needed>(
      svc().check(to("alice", "web02", "root"))));
  const auto& approved_event = audit_.events.back();
  EXPECT_EQ(approved_event.name, "request.approved");
  EXPECT_EQ(approved_event.fields.at("targets"), "root@web01, deploy@web02");
  EXPECT_EQ(
      approved_event.fields.at("grants"),
      std::to_string(*approved->grant) + "," + std::to_string(*approved->more_targets[0].grant));
}

TEST_F(RequestTargets, ATargetUnderAnotherRuleIsRefusedByNameAndNothingIsFiled) {
  auto r = svc().file_request(to("alice"),
                              with({{"web02", "deploy", std::nullopt}, {"db01", "root", {}}}));
  EXPECT_EQ(r.code(), error_code::refused);
  EXPECT_EQ(r.message(), "root@db01 falls under rule db, not prod: file these separately");
  EXPECT_EQ(filed_count(), 0u);
  EXPECT_TRUE(audit_.events.empty());
  EXPECT_TRUE(notifier_.calls.empty());
}

TEST_F(RequestTargets, ATargetNoRuleTakesIsRefusedByName) {
  auto r = svc().file_request(to("alice"), with({{"web02", "nobody", std::nullopt}}));
  EXPECT_EQ(r.code(), error_code::refused);
  EXPECT_TRUE(r.message().starts_with("nobody@web02: ")) << r.message();
  EXPECT_EQ(filed_count(), 0u);
}

TEST_F(RequestTargets, DuplicatesAreFoldedAndTheCountIsBounded) {
  request r = file("alice", with({{"web01", "root", std::nullopt},
                                  {"web02", "deploy", std::nullopt},
                                  {"web02", "deploy", std::nullopt}}));
  ASSERT_EQ(r.more_targets.size(), 1u);
  EXPECT_EQ(r.more_targets[0].server, "web02");

  std::vector<request_target> many;
  for (std::size_t i = 0; i < max_targets; ++i)
    many.push_back({"web02", "acct" + std::to_string(i), std::nullopt});
  auto over = svc().file_request(to("dave"), with(many));
  EXPECT_EQ(over.code(), error_code::invalid);
  EXPECT_EQ(over.message(), "at most 20 targets in one request");
}

TEST_F(RequestTargets, EmergencyNamesOneTarget) {
  auto r = svc().file_request(to("alice"), [] {
    filing f = with({{"web02", "deploy", std::nullopt}});
    f.emergency = true;
    return f;
  }());
  EXPECT_EQ(r.code(), error_code::refused);
  EXPECT_EQ(r.message(), "emergency access names one target: file the others separately");
}

TEST_F(RequestTargets, APendingRequestCoversEachOfItsTargets) {
  request r = file("alice", with({{"web02", "deploy", std::nullopt}}));
  // A held connection to the second target finds this request (gate_service's file_or_reuse).
  auto open = svc().find_open_request("alice", "web02", "deploy");
  ASSERT_TRUE(open.ok());
  ASSERT_TRUE(open->has_value());
  EXPECT_EQ((*open)->id, r.id);
  // And another request for it is refused, naming the one waiting.
  auto again = svc().file_request(to("alice", "web02", "deploy"), with({}));
  EXPECT_EQ(again.code(), error_code::refused);
  EXPECT_EQ(again.message(), "request #" + std::to_string(r.id) +
                                 " for deploy@web02 is already waiting for approval");
}

}  // namespace
}  // namespace gatehouse::policy::testing
