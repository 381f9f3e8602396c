// request_choices: what /requests/new offers a person - only targets some rule would take a
// request for, with that rule's terms and whom the person may choose - and how the form's
// times are read.
#include "web/request_choices.hpp"

#include <gtest/gtest.h>

#include "policy/policy_test_support.hpp"

namespace gatehouse::web {
namespace {

using policy::testing::level;
using policy::testing::make_rule;
using policy::testing::standard_people;

std::vector<std::string> names_of(const std::vector<request_choice>& choices) {
  std::vector<std::string> out;
  for (const auto& c : choices) out.push_back(c.name());
  return out;
}

TEST(RequestChoices, OnlyTargetsARuleWouldTakeARequestFor) {
  auto choose = make_rule("choose", config::rule_mode::approve, {"alice"}, {"web01"}, {"root"},
                          {level({"bob", "carol", "alice"})});
  choose.requester_chooses_approvers = true;
  choose.emergency = true;
  auto cfg = standard_people()
                 .rule(choose)
                 .rule(make_rule("why", config::rule_mode::justify, {"alice"}, {"dev01"}))
                 .rule(make_rule("open", config::rule_mode::allow, {"alice"}, {"web01"}))
                 .build();
  auto choices = request_choices(*cfg, "alice", policy::testing::t0());
  // web01's deploy account is allowed outright (no request), so not offered.
  EXPECT_EQ(names_of(choices), (std::vector<std::string>{"root@web01", "root@dev01"}));
  const auto* root = find_choice(choices, "root@web01");
  ASSERT_NE(root, nullptr);
  EXPECT_TRUE(root->needs_approval);
  EXPECT_TRUE(root->terms.requester_chooses_approvers);
  EXPECT_TRUE(root->terms.emergency);
  // The requester is never among those they may choose (no auto-approval here).
  EXPECT_EQ(choosable_approvers(*root), (std::vector<std::string>{"bob", "carol"}));
  const auto* dev = find_choice(choices, "root@dev01");
  ASSERT_NE(dev, nullptr);
  EXPECT_FALSE(dev->needs_approval);
  EXPECT_TRUE(choosable_approvers(*dev).empty());
  EXPECT_EQ(find_choice(choices, "deploy@web01"), nullptr);
  EXPECT_TRUE(request_choices(*cfg, "frank", policy::testing::t0()).empty());
}

// A resource the gate does not proxy (protocol: manual, fulfilled by people) is asked for by
// name, as on the CLI.
TEST(RequestChoices, ManualResourcesAreOfferedByName) {
  auto cfg = standard_people()
                 .server("github-write", {}, {}, config::protocol::manual)
                 .rule(make_rule("gh", config::rule_mode::approve, {"alice"}, {"github-write"},
                                 {"*"}, {level({"bob"})}))
                 .build();
  auto choices = request_choices(*cfg, "alice", policy::testing::t0());
  EXPECT_EQ(names_of(choices), (std::vector<std::string>{"github-write"}));
  EXPECT_EQ(choices.at(0).target.protocol, config::protocol::manual);
  EXPECT_TRUE(choices.at(0).needs_approval);
}

TEST(RequestChoices, FormTimesAreReadAsUtc) {
  EXPECT_EQ(utc_from_form("2026-12-08T09:30"), "2026-12-08T09:30:00Z");
  EXPECT_EQ(utc_from_form("2026-12-08T09:30:15"), "2026-12-08T09:30:15Z");
  EXPECT_EQ(utc_from_form("2026-12-08T09:30:00+01:00"), "2026-12-08T09:30:00+01:00");
  EXPECT_EQ(utc_from_form("+2h"), "+2h");
  EXPECT_EQ(utc_from_form(""), "");
  EXPECT_EQ(utc_from_form("next tuesday"), "next tuesday");  // refused by the filing's reader
}

}  // namespace
}  // namespace gatehouse::web
