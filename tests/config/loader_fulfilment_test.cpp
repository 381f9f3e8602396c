// Issue 17's keys: `protocol: manual` servers (a name and groups, nothing of a connection),
// rules[].fulfillers (people and groups; a rule matching a manual server needs them and must not
// be `allow`) and audit.recordings_need_approval.
#include <gtest/gtest.h>

#include "tests/config/test_support.hpp"

namespace gatehouse::config::testing {
namespace {

TEST(ConfigFulfilment, ManualServerFulfillersAndRecordingApprovalLoad) {
  auto loaded = load_string(R"(users:
  - { name: alice, groups: [devs] }
  - { name: fred, groups: [ops] }
groups: [{ name: devs }, { name: ops }]
servers:
  - { name: github-write, protocol: manual, groups: [saas] }
server_groups: [{ name: saas }]
rules:
  - name: saas
    users: ["group:devs"]
    servers: ["group:saas"]
    mode: approve
    approvers: [fred]
    fulfillers: [fred, "group:ops"]
audit:
  recordings_need_approval: true
)",
                            "test.yaml", "/nonexistent");
  ASSERT_TRUE(loaded.problems.empty()) << joined(loaded.problems);
  const auto& c = *loaded.value;
  ASSERT_NE(c.find_server("github-write"), nullptr);
  EXPECT_EQ(c.find_server("github-write")->protocol, protocol::manual);
  ASSERT_EQ(c.rules[0].fulfillers.size(), 2u);
  EXPECT_EQ(c.rules[0].fulfillers[0].name, "fred");
  EXPECT_EQ(c.rules[0].fulfillers[1].what, principal::kind::group);
  EXPECT_TRUE(c.audit.recordings_need_approval);
}

TEST(ConfigFulfilment, ManualServersAndTheirRulesAreChecked) {
  EXPECT_EQ(problems(R"(users: [{ name: alice }, { name: fred }]
servers:
  - { name: gh, protocol: manual, address: "10.0.0.1:22", accounts: [{ name: root }] }
  - { name: jira, protocol: manual }
rules:
  - { name: none, users: [alice], servers: [gh], mode: approve, approvers: [fred] }
  - { name: open, users: [alice], servers: [jira], mode: allow, fulfillers: [fred] }
  - { name: odd, users: [fred], servers: [jira], mode: approve, approvers: [alice],
      fulfillers: [ghost, "*"] }
)"),
            (lines{
                "test.yaml:3:35: 'address' is not used by manual servers",
                "test.yaml:3:59: 'accounts' is not used by manual servers",
                "test.yaml:6:13: rule 'none' matches manual server 'gh' but names no 'fulfillers'",
                "test.yaml:7:58: rule 'open' allows manual server 'jira', which nobody connects "
                "to: use mode approve",
                "test.yaml:9:20: undefined user 'ghost'",
                "test.yaml:9:27: '*' cannot fulfil; list users or group:NAME",
            }));
}

}  // namespace
}  // namespace gatehouse::config::testing
