// The request workflows through access_service (transition -> store -> audit -> notifier),
// each asserting the request's state, its grant and what was audited / notified.
#include "policy/access_service.hpp"

#include <algorithm>

#include "policy_test_support.hpp"

namespace gatehouse::policy::testing {
namespace {

using config::condition;
using config::rule_mode;

class AccessService : public service_fixture {};

TEST_F(AccessService, AnyOfTwoApproversOneApprovalGrantsAccess) {
  use(prod_rule({level({"bob", "carol"})}));
  request r = file("alice");
  EXPECT_EQ(r.id, 1);
  EXPECT_EQ(r.state, request_state::pending);
  EXPECT_EQ(r.window, (time_window{t0(), t0() + 1h}));
  EXPECT_EQ(r.pending_until, t0() + 30min);
  EXPECT_EQ(notifier_.asked(r.id, 0), (std::vector<std::string>{"bob", "carol"}));
  EXPECT_TRUE(std::holds_alternative<decisions::approval_needed>(svc().check(to("alice"))));

  clock_.advance(5min);
  auto approved = svc().approve(r.id, "carol", {.comment = "ok"});
  ASSERT_TRUE(approved.ok()) << approved.message();
  EXPECT_EQ(approved->state, request_state::approved);
  grant g = grant_of(*approved);
  EXPECT_EQ(g.state, grant_state::active);
  EXPECT_EQ(g.person, "alice");
  // The window had started: it moves to the approval, keeping its length.
  EXPECT_EQ(g.start, t0() + 5min);
  EXPECT_EQ(g.end, t0() + 65min);
  EXPECT_EQ(g.request, r.id);

  auto d = svc().check(to("alice"));
  ASSERT_TRUE(std::holds_alternative<decisions::allowed_by_grant>(d));
  EXPECT_EQ(std::get<decisions::allowed_by_grant>(d).grant, g.id);
  EXPECT_EQ(audit_.names(), (std::vector<std::string>{"request.created", "request.approved"}));
  EXPECT_EQ(audit_.events[1].fields.at("actor"), "carol");
  EXPECT_EQ(audit_.events[1].fields.at("grant"), std::to_string(g.id));
  EXPECT_EQ(notifier_.calls.back().what, "tell");
  EXPECT_EQ(notifier_.calls.back().about, "request.approved");

  auto again = svc().approve(r.id, "bob", {});
  EXPECT_EQ(again.code(), error_code::refused);
  EXPECT_EQ(again.message(), "request #1 is already approved");
}

TEST_F(AccessService, AllOfThreeApproversInEveryOrder) {
  std::vector<std::string> order{"bob", "carol", "erin"};
  int orders = 0;
  do {
    use(prod_rule({level({"bob", "carol", "erin"}, condition::all)}));
    request r = file("alice");
    for (std::size_t i = 0; i < order.size(); ++i) {
      auto step = svc().approve(r.id, order[i], {});
      ASSERT_TRUE(step.ok()) << step.message();
      bool last = i + 1 == order.size();
      EXPECT_EQ(step->state, last ? request_state::approved : request_state::pending)
          << order[0] << order[1] << order[2] << " after " << i + 1;
      EXPECT_EQ(step->grant.has_value(), last);
    }
    auto final = svc().get_request(r.id);
    EXPECT_EQ(grant_of(*final).state, grant_state::active);
    EXPECT_EQ(audit_.names(), (std::vector<std::string>{"request.created", "request.reviewed",
                                                        "request.reviewed", "request.approved"}));
    audit_.events.clear();
    ++orders;
  } while (std::next_permutation(order.begin(), order.end()));
  EXPECT_EQ(orders, 6);
}

TEST_F(AccessService, LevelTwoIsNeitherAskedNorAbleToDecideBeforeLevelOne) {
  use(prod_rule({level({"bob"}), level({"carol"})}));
  request r = file("alice");
  EXPECT_EQ(notifier_.asked(r.id, 0), std::vector<std::string>{"bob"});
  EXPECT_TRUE(notifier_.asked(r.id, 1).empty());

  auto early = svc().approve(r.id, "carol", {});
  EXPECT_EQ(early.code(), error_code::refused);
  EXPECT_EQ(early.message(), "request #1 is waiting for level 1 (bob); carol decides at level 2");
  EXPECT_EQ(svc().deny(r.id, "carol", "no").code(), error_code::refused);
  EXPECT_EQ(svc().get_request(r.id)->decisions.size(), 0u);

  auto first = svc().approve(r.id, "bob", {});
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->state, request_state::pending);
  EXPECT_EQ(notifier_.asked(r.id, 1), std::vector<std::string>{"carol"});
  auto second = svc().approve(r.id, "carol", {});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->state, request_state::approved);
  EXPECT_EQ(second->decisions[1].level, 1);
}

TEST_F(AccessService, DenialAfterOneApprovalUnderAllDenies) {
  use(prod_rule({level({"bob", "carol"}, condition::all)}));
  request r = file("alice");
  ASSERT_TRUE(svc().approve(r.id, "bob", {}).ok());
  auto denied = svc().deny(r.id, "carol", "not during the freeze");
  ASSERT_TRUE(denied.ok());
  EXPECT_EQ(denied->state, request_state::denied);
  EXPECT_FALSE(denied->grant.has_value());
  EXPECT_TRUE(svc().list_grants()->empty());
  EXPECT_EQ(last_denial(*denied)->approver, "carol");
  EXPECT_EQ(svc().approve(r.id, "bob", {}).message(), "request #1 is already denied");
  EXPECT_EQ(notifier_.calls.back().about, "request.denied");
}

TEST_F(AccessService, EmergencyIsApprovedAtOnceAndALaterDenialRevokesTheGrant) {
  auto rule = prod_rule({level({"bob", "carol"})});
  rule.emergency = true;
  use(rule);
  request r = file("alice", {.emergency = true});
  EXPECT_EQ(r.state, request_state::approved);
  EXPECT_EQ(r.post_approval, post_approval::pending);
  grant g = grant_of(r);
  EXPECT_EQ(g.state, grant_state::active);
  EXPECT_TRUE(std::holds_alternative<decisions::allowed_by_grant>(svc().check(to("alice"))));
  EXPECT_EQ(audit_.names(), (std::vector<std::string>{"request.created", "access.emergency"}));
  auto emergency = std::find_if(notifier_.calls.begin(), notifier_.calls.end(),
                                [](auto& c) { return c.what == "emergency"; });
  ASSERT_NE(emergency, notifier_.calls.end());
  EXPECT_EQ(emergency->people, (std::vector<std::string>{"bob", "carol"}));

  auto denied = svc().deny(r.id, "bob", "not an emergency");
  ASSERT_TRUE(denied.ok()) << denied.message();
  EXPECT_EQ(denied->state, request_state::approved);
  EXPECT_EQ(denied->post_approval, post_approval::denied);
  g = grant_of(*denied);
  EXPECT_EQ(g.state, grant_state::revoked);
  EXPECT_EQ(g.revoked_by, "bob");
  EXPECT_TRUE(std::holds_alternative<decisions::approval_needed>(svc().check(to("alice"))));
  EXPECT_EQ(svc().approve(r.id, "carol", {}).message(), "request #1 is already denied");
  EXPECT_EQ(audit_.names().back(), "grant.revoked");
}

TEST_F(AccessService, EmergencyPostApprovalKeepsTheGrant) {
  auto rule = prod_rule({level({"bob"})});
  rule.emergency = true;
  use(rule);
  request r = file("alice", {.emergency = true});
  auto ok = svc().approve(r.id, "bob", {});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->post_approval, post_approval::approved);
  EXPECT_EQ(grant_of(*ok).state, grant_state::active);
}

TEST_F(AccessService, EmergencyNeedsARuleThatAllowsIt) {
  use(prod_rule({level({"bob"})}));
  auto r = svc().file_request(to("alice"), {.justification = "fire", .emergency = true});
  EXPECT_EQ(r.code(), error_code::refused);
  EXPECT_EQ(r.message(), "rule prod does not allow emergency access");
}

TEST_F(AccessService, ApproverMayShortenOrMoveTheWindowWithinMaxDuration) {
  use(prod_rule({level({"bob"})}));
  request r = file("alice", {.duration = 4h});
  auto too_long = svc().approve(r.id, "bob", {.duration = 10h});
  EXPECT_EQ(too_long.code(), error_code::invalid);
  EXPECT_EQ(too_long.message(),
            "a window of 10h exceeds the 8h allowed by rule prod (max_duration)");
  EXPECT_EQ(svc().get_request(r.id)->state, request_state::pending);
  EXPECT_TRUE(svc().get_request(r.id)->decisions.empty());

  time_window later{t0() + 2h, t0() + 3h};
  auto moved = svc().approve(r.id, "bob", {.window = later});
  ASSERT_TRUE(moved.ok()) << moved.message();
  grant g = grant_of(*moved);
  EXPECT_EQ(g.start, t0() + 2h);
  EXPECT_EQ(g.end, t0() + 3h);
  // Not yet live.
  EXPECT_TRUE(std::holds_alternative<decisions::approval_needed>(svc().check(to("alice"))));
  clock_.advance(2h);
  EXPECT_TRUE(std::holds_alternative<decisions::allowed_by_grant>(svc().check(to("alice"))));
}

TEST_F(AccessService, RequestedDurationBeyondMaxIsInvalid) {
  use(prod_rule({level({"bob"})}));
  auto r = svc().file_request(to("alice"), {.justification = "x", .duration = 9h});
  EXPECT_EQ(r.code(), error_code::invalid);
  EXPECT_EQ(r.message(), "a window of 9h exceeds the 8h allowed by rule prod (max_duration)");
}

TEST_F(AccessService, UntilAndDurationCountFromTheApproval) {
  use(prod_rule({level({"bob"})}));
  request r = file("alice");
  clock_.advance(10min);
  auto ok = svc().approve(r.id, "bob", {.duration = 2h});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->window, (time_window{t0() + 10min, t0() + 130min}));
  auto both = svc().approve(r.id, "bob", {.until = t0() + 3h, .duration = 1h});
  EXPECT_EQ(both.code(), error_code::invalid);
}

TEST_F(AccessService, NobodyApprovesTheirOwnRequest) {
  use(prod_rule({level({"alice", "bob"})}));
  request r = file("alice");
  EXPECT_EQ(r.levels[0].approvers, std::vector<std::string>{"bob"});
  auto self = svc().approve(r.id, "alice", {});
  EXPECT_EQ(self.code(), error_code::refused);
  EXPECT_EQ(self.message(), "alice cannot approve request #1: it is their own request");
}

TEST_F(AccessService, OneDecisionPerApprover) {
  use(prod_rule({level({"bob", "carol"}, condition::all)}));
  request r = file("alice");
  ASSERT_TRUE(svc().approve(r.id, "bob", {}).ok());
  EXPECT_EQ(svc().approve(r.id, "bob", {}).message(), "bob has already decided request #1");
  EXPECT_EQ(svc().deny(r.id, "bob", "changed my mind").message(),
            "bob has already decided request #1");
  EXPECT_EQ(svc().approve(r.id, "frank", {}).message(), "frank is not an approver of request #1");
}

TEST_F(AccessService, AutoApproveWhenTheRequesterIsAnApprover) {
  auto rule = prod_rule({level({"alice", "bob"})});
  rule.auto_approve_if_requester_is_approver = true;
  use(rule);
  request r = file("alice");
  EXPECT_EQ(r.state, request_state::approved);
  ASSERT_EQ(r.decisions.size(), 1u);
  EXPECT_EQ(r.decisions[0].approver, "alice");
  EXPECT_EQ(grant_of(r).state, grant_state::active);
  // Others are not auto-approved.
  request d = file("dave");
  EXPECT_EQ(d.state, request_state::pending);
}

TEST_F(AccessService, AutoApproveCountsAsOneOfAllAndPerLevel) {
  auto rule = prod_rule({level({"alice"}), level({"alice", "bob"}, condition::all)});
  rule.auto_approve_if_requester_is_approver = true;
  use(rule);
  request r = file("alice");
  EXPECT_EQ(r.state, request_state::pending);
  EXPECT_EQ(current_level(r), 1u);
  EXPECT_EQ(notifier_.asked(r.id, 1), std::vector<std::string>{"bob"});
  EXPECT_EQ(svc().approve(r.id, "bob", {})->state, request_state::approved);
}

TEST_F(AccessService, RequesterChoosesApproversAmongTheEligible) {
  auto rule = prod_rule({level({"bob", "carol", "erin"})});
  rule.requester_chooses_approvers = true;
  use(rule);
  auto none = svc().file_request(to("alice"), {.justification = "x"});
  EXPECT_EQ(none.code(), error_code::invalid);
  EXPECT_EQ(none.message(), "rule prod needs you to choose approvers among: bob, carol, erin");
  auto wrong =
      svc().file_request(to("alice"), {.justification = "x", .chosen_approvers = {"frank"}});
  EXPECT_EQ(wrong.message(),
            "frank cannot approve under rule prod; choose among: bob, carol, erin");
  request r = file("alice", {.chosen_approvers = {"carol"}});
  EXPECT_EQ(r.levels[0].approvers, std::vector<std::string>{"carol"});
  EXPECT_EQ(notifier_.asked(r.id, 0), std::vector<std::string>{"carol"});
  EXPECT_EQ(svc().approve(r.id, "bob", {}).message(), "bob is not an approver of request #1");
  EXPECT_EQ(svc().approve(r.id, "carol", {})->state, request_state::approved);
}

TEST_F(AccessService, ChoosingApproversIsOnlyForRulesThatSaySo) {
  use(prod_rule({level({"bob"})}));
  auto r = svc().file_request(to("alice"), {.justification = "x", .chosen_approvers = {"bob"}});
  EXPECT_EQ(r.message(), "rule prod does not let the requester choose approvers");
}

TEST_F(AccessService, ARequestFiledAheadIsFoundAndNotDuplicated) {
  use(prod_rule({level({"bob"})}));
  request r = file("alice", {.filed_by = "admin"});
  EXPECT_EQ(r.filed_by, "admin");
  auto open = svc().find_open_request("alice", "web01", "root");
  ASSERT_TRUE(open.ok() && open->has_value());
  EXPECT_EQ((*open)->id, r.id);
  EXPECT_FALSE(svc().find_open_request("alice", "web01", "deploy")->has_value());
  auto dup = svc().file_request(to("alice"), {.justification = "again"});
  EXPECT_EQ(dup.message(), "request #1 for root@web01 is already waiting for approval");
  ASSERT_TRUE(svc().approve(r.id, "bob", {}).ok());
  EXPECT_FALSE(svc().find_open_request("alice", "web01", "root")->has_value());
  auto granted = svc().file_request(to("alice"), {.justification = "more"});
  EXPECT_EQ(granted.code(), error_code::refused);
  EXPECT_EQ(granted.message(),
            "alice already has grant #1 for root@web01 until 2026-11-22T10:00:00.000Z");
}

TEST_F(AccessService, FilingIsLimitedPerPersonSoApproversAreNotMailedWithoutEnd) {
  use(prod_rule({level({"bob"})}));
  for (int i = 0; i < 20; ++i) {
    request r = file("alice");
    ASSERT_TRUE(svc().cancel(r.id, "alice").ok());
  }
  auto asks = [&] {
    return std::count_if(notifier_.calls.begin(), notifier_.calls.end(),
                         [](const auto& c) { return c.what == "ask"; });
  };
  EXPECT_EQ(asks(), 20);
  auto over = svc().file_request(to("alice"), {.justification = "once more"});
  EXPECT_EQ(over.code(), error_code::refused);
  EXPECT_EQ(over.message(), "too many requests: alice may file 20 within 10m; try again later");
  // The count is the filer's: dave may still file for alice; the administrator is not counted.
  request by_dave = file("alice", {.filed_by = "dave"});
  EXPECT_EQ(by_dave.state, request_state::pending);
  ASSERT_TRUE(svc().cancel(by_dave.id, "alice").ok());
  request admins = file("alice", {.filed_by = "admin", .by_administrator = true});
  EXPECT_EQ(admins.state, request_state::pending);
  ASSERT_TRUE(svc().cancel(admins.id, "alice").ok());
  request daves = file("dave");
  EXPECT_EQ(daves.state, request_state::pending);
  EXPECT_EQ(asks(), 23);
  // The limit holds until ten minutes have passed since the last filing counted.
  clock_.advance(9min);
  EXPECT_EQ(svc().file_request(to("alice"), {.justification = "x"}).code(), error_code::refused);
  clock_.advance(1min);
  EXPECT_EQ(file("alice").state, request_state::pending);
}

TEST_F(AccessService, JustifyModeFilesAnApprovedRequestWithAGrant) {
  use(make_rule("why", rule_mode::justify, {"alice"}, {"dev01"}));
  auto missing = svc().file_request(to("alice", "dev01"), {});
  EXPECT_EQ(missing.message(), "a justification is required for root@dev01");
  request r = file("alice", {.justification = "checking logs"}, "dev01");
  EXPECT_EQ(r.state, request_state::approved);
  EXPECT_EQ(r.justification, "checking logs");
  EXPECT_EQ(grant_of(r).state, grant_state::active);
  EXPECT_TRUE(
      std::holds_alternative<decisions::allowed_by_grant>(svc().check(to("alice", "dev01"))));
  EXPECT_EQ(audit_.names(), (std::vector<std::string>{"request.created", "request.approved"}));
}

// require_justification on an approve rule: nothing is filed without a reason (the SSH gate
// then asks an interactive client, and refuses a batch one saying how to file ahead).
TEST_F(AccessService, ApproveRuleRequiringAJustificationFilesNothingWithoutOne) {
  auto rule = prod_rule({level({"bob"})});
  rule.require_justification = true;
  use(rule);
  auto missing = svc().file_request(to("alice"), {});
  EXPECT_EQ(missing.code(), error_code::invalid);
  EXPECT_EQ(missing.message(), "a justification is required for root@web01");
  EXPECT_TRUE(audit_.names().empty());
  request r = file("alice", {.justification = "rotate keys"});
  EXPECT_EQ(r.state, request_state::pending);
  EXPECT_EQ(r.justification, "rotate keys");
}

TEST_F(AccessService, ATitleIsKeptWithTheRequestAndBounded) {
  use(make_rule("why", rule_mode::justify, {"alice"}, {"dev01"}));
  auto long_title = svc().file_request(
      to("alice", "dev01"), {.justification = "x", .title = std::string(max_title_bytes + 1, 't')});
  EXPECT_EQ(long_title.message(), "title: at most 200 bytes");
  request r = file("alice", {.justification = "checking logs", .title = "logs \x1b[2J"}, "dev01");
  EXPECT_EQ(r.title, "logs \x1b[2J");
  EXPECT_EQ(svc().get_request(r.id)->title, "logs \x1b[2J");
}

TEST_F(AccessService, NoRequestWhereTheRuleAllowsOrDenies) {
  use(standard_people()
          .rule(make_rule("open", rule_mode::allow, {"alice"}, {"dev01"}))
          .rule(make_rule("closed", rule_mode::deny, {"alice"}, {"web01"}))
          .build());
  EXPECT_EQ(svc().file_request(to("alice", "dev01"), {.justification = "x"}).message(),
            "alice may connect to root@dev01 without a request");
  EXPECT_EQ(svc().file_request(to("alice"), {.justification = "x"}).message(),
            "rule closed denies alice access to root@web01");
}

TEST_F(AccessService, ConfigurationReloadDoesNotChangeAFiledRequest) {
  use(prod_rule({level({"bob"})}));
  request r = file("alice");
  svc().set_config(standard_people().rule(prod_rule({level({"carol"})})).build());
  EXPECT_EQ(svc().approve(r.id, "carol", {}).message(), "carol is not an approver of request #1");
  EXPECT_EQ(svc().approve(r.id, "bob", {})->state, request_state::approved);
}

}  // namespace
}  // namespace gatehouse::policy::testing
