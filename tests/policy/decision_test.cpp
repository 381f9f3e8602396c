// decide(): every mode, every matcher form, unknown names, and the require_manager_approval
// flags as read in policy/decision.hpp.
#include "policy/decision.hpp"

#include <stdexcept>

#include "policy_test_support.hpp"

namespace gatehouse::policy::testing {
namespace {

using config::rule_mode;

class one_grant final : public grant_source {
 public:
  explicit one_grant(grant g) : g_(std::move(g)) {}
  std::optional<grant> live_grant(const target& t, time_point now) const override {
    if (t.person == g_.person && t.server == g_.server && t.account == g_.account &&
        g_.live_at(now))
      return g_;
    return std::nullopt;
  }

 private:
  grant g_;
};

decision decide_with(const config_builder& b, const target& t,
                     const grant_source& grants = no_grants()) {
  auto cfg = b.build();
  return decide(policy_index(*cfg), t, grants, t0());
}

// The decision as T, or the test fails here.
template <typename T>
T as(const decision& d) {
  if (!std::holds_alternative<T>(d)) {
    ADD_FAILURE() << "unexpected decision " << decision_name(d);
    throw std::runtime_error("unexpected decision");
  }
  return std::get<T>(d);
}

std::vector<std::vector<std::string>> names_of(const std::vector<approver_level>& levels) {
  std::vector<std::vector<std::string>> out;
  for (const auto& l : levels) out.push_back(l.approvers);
  return out;
}

TEST(Decision, AllowModeAuthorizesTheTarget) {
  auto d =
      decide_with(standard_people().rule(make_rule("open", rule_mode::allow, {"alice"}, {"web01"})),
                  to("alice"));
  const auto& a = as<decisions::allow>(d);
  EXPECT_EQ(a.authorization.person(), "alice");
  EXPECT_EQ(a.authorization.server(), "web01");
  EXPECT_EQ(a.authorization.account(), "root");
  EXPECT_EQ(a.authorization.rule(), "open");
  EXPECT_FALSE(a.authorization.grant().has_value());
}

TEST(Decision, JustifyModeAsksForAReasonUnlessAGrantIsLive) {
  auto b = standard_people().rule(make_rule("why", rule_mode::justify, {"alice"}, {"web01"}));
  EXPECT_EQ(as<decisions::justification_needed>(decide_with(b, to("alice"))).terms.name, "why");

  grant g;
  g.id = 5;
  g.person = "alice";
  g.server = "web01";
  g.account = "root";
  g.start = t0() - 1min;
  g.end = t0() + 1h;
  auto d = decide_with(b, to("alice"), one_grant(g));
  const auto& by_grant = std::get<decisions::allowed_by_grant>(d);
  EXPECT_EQ(by_grant.grant, 5);
  EXPECT_EQ(by_grant.until, t0() + 1h);
  EXPECT_EQ(by_grant.authorization.grant(), std::optional<grant_id>(5));
}

TEST(Decision, ApproveModeResolvesApproversByLevel) {
  auto r = make_rule(
      "prod", rule_mode::approve, {"group:developers"}, {"group:production"}, {"*"},
      {level({"manager", "carol"}), level({"group:leads", "erin"}, config::condition::all)});
  auto d = decide_with(standard_people().rule(r), to("alice"));
  const auto& need = as<decisions::approval_needed>(d);
  EXPECT_EQ(need.terms.name, "prod");
  EXPECT_EQ(names_of(need.levels),
            (std::vector<std::vector<std::string>>{{"carol", "bob"}, {"bob", "erin"}}));
  EXPECT_EQ(need.levels[1].condition, config::condition::all);
  EXPECT_TRUE(need.manager_flag.empty());
}

TEST(Decision, ApproveModeWithALiveGrantLetsThePersonIn) {
  auto b = standard_people().rule(
      make_rule("prod", rule_mode::approve, {"alice"}, {"web01"}, {"*"}, {level({"bob"})}));
  grant g;
  g.id = 9;
  g.person = "alice";
  g.server = "web01";
  g.account = "root";
  g.start = t0() - 1h;
  g.end = t0() + 1h;
  EXPECT_TRUE(std::holds_alternative<decisions::allowed_by_grant>(
      decide_with(b, to("alice"), one_grant(g))));
  g.end = t0();  // over at `now`
  EXPECT_TRUE(std::holds_alternative<decisions::approval_needed>(
      decide_with(b, to("alice"), one_grant(g))));
}

TEST(Decision, DenyModeAndNoRuleDeny) {
  auto b = standard_people().rule(make_rule("no", rule_mode::deny, {"carol"}, {"*"}));
  const auto& no = as<decisions::deny>(decide_with(b, to("carol")));
  EXPECT_EQ(no.reason, deny_reason::rule_denies);
  EXPECT_EQ(no.text, "rule no denies carol access to root@web01");
  const auto& none = as<decisions::deny>(decide_with(b, to("erin", "dev01")));
  EXPECT_EQ(none.reason, deny_reason::no_rule);
  EXPECT_EQ(none.text, "no rule lets erin reach root@dev01");
}

TEST(Decision, UnknownNamesAndWrongProtocolAreDenied) {
  auto b = standard_people().rule(make_rule("all", rule_mode::allow, {"*"}, {"*"}));
  EXPECT_EQ(as<decisions::deny>(decide_with(b, to("mallory"))).reason, deny_reason::unknown_person);
  EXPECT_EQ(as<decisions::deny>(decide_with(b, to("alice", "nowhere"))).reason,
            deny_reason::unknown_server);
  const auto& acct = as<decisions::deny>(decide_with(b, to("alice", "web01", "oracle")));
  EXPECT_EQ(acct.reason, deny_reason::unknown_account);
  EXPECT_EQ(acct.text, "server web01 has no account oracle");
  target rdp = to("alice");
  rdp.protocol = config::protocol::rdp;
  EXPECT_EQ(as<decisions::deny>(decide_with(b, rdp)).reason, deny_reason::wrong_protocol);
}

TEST(Decision, UserMatchersByNameGroupAndEveryone) {
  for (const std::string users : {"alice", "group:developers", "*"}) {
    auto b = standard_people().rule(make_rule("r", rule_mode::allow, {users}, {"dev01"}));
    EXPECT_TRUE(std::holds_alternative<decisions::allow>(decide_with(b, to("alice", "dev01"))))
        << users;
    bool carol_matches = users == "*";
    EXPECT_EQ(std::holds_alternative<decisions::allow>(decide_with(b, to("carol", "dev01"))),
              carol_matches)
        << users;
  }
}

TEST(Decision, ServerMatchersByNameGroupAndEveryone) {
  for (const std::string servers : {"web01", "group:production", "*"}) {
    auto b = standard_people().rule(make_rule("r", rule_mode::allow, {"carol"}, {servers}));
    EXPECT_TRUE(std::holds_alternative<decisions::allow>(decide_with(b, to("carol", "web01"))))
        << servers;
    EXPECT_EQ(std::holds_alternative<decisions::allow>(decide_with(b, to("carol", "dev01"))),
              servers == "*")
        << servers;
  }
}

TEST(Decision, AccountMatchersByNameAndEveryone) {
  auto b = standard_people().rule(
      make_rule("deploy-only", rule_mode::allow, {"carol"}, {"web01"}, {"deploy"}));
  EXPECT_TRUE(
      std::holds_alternative<decisions::allow>(decide_with(b, to("carol", "web01", "deploy"))));
  EXPECT_EQ(as<decisions::deny>(decide_with(b, to("carol", "web01", "root"))).reason,
            deny_reason::no_rule);
}

TEST(Decision, FirstMatchWins) {
  auto b = standard_people()
               .rule(make_rule("deny-root", rule_mode::deny, {"carol"}, {"web01"}, {"root"}))
               .rule(make_rule("allow-all", rule_mode::allow, {"carol"}, {"web01"}));
  EXPECT_EQ(as<decisions::deny>(decide_with(b, to("carol", "web01", "root"))).reason,
            deny_reason::rule_denies);
  EXPECT_TRUE(
      std::holds_alternative<decisions::allow>(decide_with(b, to("carol", "web01", "deploy"))));
}

TEST(Decision, FirstMatchWinsBeyondSixtyFourRules) {
  auto b = standard_people();
  for (int i = 0; i < 130; ++i)
    b.rule(make_rule("other" + std::to_string(i), rule_mode::deny, {"erin"}, {"dev01"}));
  b.rule(make_rule("late", rule_mode::allow, {"carol"}, {"dev01"}));
  b.rule(make_rule("later", rule_mode::deny, {"carol"}, {"dev01"}));
  EXPECT_EQ(as<decisions::allow>(decide_with(b, to("carol", "dev01"))).terms.name, "late");
}

TEST(Decision, ManagerApproverIsTheRequestersGroupManagers) {
  auto b = standard_people().rule(
      make_rule("r", rule_mode::approve, {"*"}, {"dev01"}, {"*"}, {level({"manager"})}));
  EXPECT_EQ(names_of(as<decisions::approval_needed>(decide_with(b, to("alice", "dev01"))).levels),
            (std::vector<std::vector<std::string>>{{"bob"}}));
  EXPECT_EQ(names_of(as<decisions::approval_needed>(decide_with(b, to("bob", "dev01"))).levels),
            (std::vector<std::vector<std::string>>{{"carol"}}));
  // erin has no group, hence no manager: nobody could approve.
  EXPECT_EQ(as<decisions::deny>(decide_with(b, to("erin", "dev01"))).reason,
            deny_reason::no_approver);
}

// --- require_manager_approval ------------------------------------------------------------

TEST(DecisionManagerFlags, ServerGroupFlagWithoutAnyRuleAsksTheManagers) {
  auto b = standard_people();
  b.raw().server_groups[0].require_manager_approval = true;  // production
  const auto& need = as<decisions::approval_needed>(decide_with(b, to("alice")));
  EXPECT_EQ(names_of(need.levels), (std::vector<std::vector<std::string>>{{"bob"}}));
  EXPECT_EQ(need.manager_flag, "server group production");
  EXPECT_EQ(need.terms.name, "require_manager_approval");
  // dev01 is not in the flagged group: default deny.
  EXPECT_EQ(as<decisions::deny>(decide_with(b, to("alice", "dev01"))).reason, deny_reason::no_rule);
}

TEST(DecisionManagerFlags, UserGroupFlagWithoutAnyRuleAsksTheManagers) {
  auto b = standard_people();
  b.raw().groups[0].require_manager_approval = true;  // developers
  const auto& need = as<decisions::approval_needed>(decide_with(b, to("dave", "dev01")));
  EXPECT_EQ(names_of(need.levels), (std::vector<std::vector<std::string>>{{"bob"}}));
  EXPECT_EQ(need.manager_flag, "group developers");
}

TEST(DecisionManagerFlags, AnExplicitRuleDecidesAlone) {
  auto b = standard_people().rule(
      make_rule("devs-on-prod", rule_mode::allow, {"group:developers"}, {"group:production"}));
  b.raw().server_groups[0].require_manager_approval = true;
  EXPECT_TRUE(std::holds_alternative<decisions::allow>(decide_with(b, to("alice"))));
}

TEST(DecisionManagerFlags, ABlanketAllowIsTightenedToManagerApproval) {
  auto b = standard_people().rule(make_rule("everyone", rule_mode::allow, {"*"}, {"*"}));
  b.raw().server_groups[0].require_manager_approval = true;
  const auto& need = as<decisions::approval_needed>(decide_with(b, to("alice")));
  EXPECT_EQ(names_of(need.levels), (std::vector<std::vector<std::string>>{{"bob"}}));
  EXPECT_EQ(need.terms.name, "everyone");
  // A rule naming the person but "*" for servers is still blanket for the pair.
  auto c =
      standard_people().rule(make_rule("alice-anywhere", rule_mode::justify, {"alice"}, {"*"}));
  c.raw().server_groups[0].require_manager_approval = true;
  EXPECT_TRUE(std::holds_alternative<decisions::approval_needed>(decide_with(c, to("alice"))));
  // Unflagged servers are untouched.
  EXPECT_TRUE(std::holds_alternative<decisions::allow>(decide_with(b, to("alice", "dev01"))));
}

TEST(DecisionManagerFlags, ABlanketApproveRuleGetsAManagerLevelFirst) {
  auto b = standard_people().rule(
      make_rule("ask-erin", rule_mode::approve, {"*"}, {"*"}, {"*"}, {level({"erin"})}));
  b.raw().groups[0].require_manager_approval = true;
  const auto& need = as<decisions::approval_needed>(decide_with(b, to("alice")));
  EXPECT_EQ(names_of(need.levels), (std::vector<std::vector<std::string>>{{"bob"}, {"erin"}}));
}

TEST(DecisionManagerFlags, ADenyRuleStillDenies) {
  auto b = standard_people().rule(make_rule("nobody", rule_mode::deny, {"*"}, {"*"}));
  b.raw().server_groups[0].require_manager_approval = true;
  EXPECT_EQ(as<decisions::deny>(decide_with(b, to("alice"))).reason, deny_reason::rule_denies);
}

TEST(DecisionManagerFlags, NoManagerMeansNoApprover) {
  auto b = standard_people();
  b.raw().server_groups[0].require_manager_approval = true;
  const auto& no = as<decisions::deny>(decide_with(b, to("erin")));
  EXPECT_EQ(no.reason, deny_reason::no_approver);
  EXPECT_EQ(no.text, "server group production requires manager approval, but erin has no manager");
}

TEST(Decision, ConvenienceOverloadAgreesWithTheIndex) {
  auto cfg = standard_people().rule(make_rule("r", rule_mode::justify, {"alice"}, {"*"})).build();
  EXPECT_EQ(decision_name(decide(*cfg, to("alice"), no_grants(), t0())), "justification_needed");
  EXPECT_EQ(decision_name(decide(*cfg, to("bob"), no_grants(), t0())), "deny");
}

}  // namespace
}  // namespace gatehouse::policy::testing
