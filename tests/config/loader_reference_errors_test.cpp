// One test per class of error across entries (duplicates, references, rules that can never
// match or never be approved), each asserting the exact diagnostics, positions included.
#include <gtest/gtest.h>

#include "tests/config/test_support.hpp"

namespace gatehouse::config::testing {
namespace {

TEST(ConfigReferenceErrors, DuplicateNames) {
  EXPECT_EQ(problems(R"(users:
  - name: alice
  - name: alice
groups:
  - name: devs
  - name: devs
servers:
  - name: win
    protocol: rdp
    address: "10.0.0.1:3389"
    accounts: [{name: admin}, {name: admin}]
  - { name: win, protocol: rdp, address: "10.0.0.2:3389" }
server_groups:
  - name: prod
  - name: prod
rules:
  - { name: r, users: [alice], servers: [win] }
  - { name: r, users: [group:devs], servers: [win] }
)"),
            (lines{
                "test.yaml:3:11: duplicate user 'alice' (first defined at line 2)",
                "test.yaml:6:11: duplicate group 'devs' (first defined at line 5)",
                "test.yaml:11:38: duplicate account 'admin' (first defined at line 11)",
                "test.yaml:12:13: duplicate server 'win' (first defined at line 8)",
                "test.yaml:15:11: duplicate server group 'prod' (first defined at line 14)",
                "test.yaml:18:13: duplicate rule 'r' (first defined at line 17)",
            }));
}

TEST(ConfigReferenceErrors, UndefinedReferences) {
  EXPECT_EQ(problems(R"(users:
  - { name: alice, groups: [developers] }
  - { name: bob, groups: [devs] }
groups:
  - { name: devs, managers: [carol] }
servers:
  - { name: win, protocol: rdp, address: "10.0.0.1:3389", groups: [prod] }
  - { name: app, protocol: http, url: "http://10.0.0.2", accounts: [{name: web}] }
rules:
  - name: r
    users: [alise, "group:developers"]
    servers: [wni, "group:prod"]
    mode: approve
    approvers: [manager, carl, "group:ops"]
  - name: s
    users: [bob]
    servers: [win, app]
    accounts: [web, root]
listen:
  http: { address: "127.0.0.1:8443", tls_cert: /dev/null, tls_key: /dev/null, apps_domain: apps.x }
)"),
            (lines{
                "test.yaml:2:29: undefined group 'developers'",
                "test.yaml:5:30: undefined user 'carol'",
                "test.yaml:7:68: undefined server group 'prod'",
                "test.yaml:11:13: undefined user 'alise' (did you mean 'alice'?)",
                "test.yaml:11:20: undefined group 'developers'",
                "test.yaml:12:15: undefined server 'wni' (did you mean 'win'?)",
                "test.yaml:12:20: undefined server group 'prod'",
                "test.yaml:14:26: undefined user 'carl'",
                "test.yaml:14:32: undefined group 'ops'",
                "test.yaml:18:21: undefined account 'root': no server rule 's' matches has it",
            }));
}

TEST(ConfigReferenceErrors, RulesThatCanNeverMatch) {
  EXPECT_EQ(problems(R"(users:
  - { name: alice, groups: [devs] }
  - { name: bob, groups: [devs] }
  - { name: carol }
groups:
  - { name: devs }
  - { name: empty }
servers:
  - { name: win, protocol: rdp, address: "10.0.0.1:3389" }
rules:
  - { name: none, users: [], servers: [win] }
  - { name: nowhere, users: ["*"], servers: [] }
  - { name: devs, users: ["group:devs"], servers: [win] }
  - { name: alice, users: [alice], servers: ["*"], accounts: [] }
  - { name: bob-on-win, users: [bob], servers: [win] }
  - { name: new-hires, users: ["group:empty"], servers: [win] }
  - { name: all, users: ["*"], servers: ["*"], accounts: ["*"] }
  - { name: after-all, users: [carol], servers: [win] }
)"),
            (lines{
                "test.yaml:11:26: rule 'none' can never match: 'users' is empty",
                "test.yaml:12:45: rule 'nowhere' can never match: 'servers' is empty",
                "test.yaml:14:62: rule 'alice' can never match: 'accounts' is empty",
                "test.yaml:15:13: rule 'bob-on-win' can never match: rule 'devs' (line 13) "
                "comes first and matches everything it does",
                "test.yaml:18:13: rule 'after-all' can never match: rule 'all' (line 17) "
                "comes first and matches everything it does",
            }));
}

TEST(ConfigReferenceErrors, NoPossibleApprover) {
  EXPECT_EQ(problems(R"(users:
  - { name: alice, groups: [devs] }
  - { name: bob, groups: [leads] }
groups:
  - { name: devs }
  - { name: leads, managers: [bob] }
  - { name: empty }
  - { name: strict, require_manager_approval: true }
servers:
  - { name: win, protocol: rdp, address: "10.0.0.1:3389" }
  - { name: app, protocol: http, url: "https://10.0.0.2", ca_file: /dev/null }
rules:
  - { name: a, users: [alice], servers: [win], mode: approve }
  - { name: b, users: [alice], servers: [app], mode: approve, approvers: [manager] }
  - name: c
    users: [bob]
    servers: [win]
    mode: approve
    levels:
      - approvers: [manager]
      - approvers: ["group:empty"]
  - { name: d, users: [bob], servers: [app], mode: approve, approvers: [] }
listen:
  http: { address: "127.0.0.1:8443", tls_cert: /dev/null, tls_key: /dev/null, apps_domain: apps.x }
)"),
            (lines{
                "test.yaml:8:47: group 'strict' requires manager approval but has no managers",
                "test.yaml:13:54: rule 'a' has mode approve but no approvers",
                "test.yaml:14:74: rule 'b' has no possible approver: its approvers resolve to "
                "nobody",
                "test.yaml:21:20: rule 'c' level 2 has no possible approver: its approvers "
                "resolve to nobody",
                "test.yaml:22:72: rule 'd' has no possible approver: 'approvers' is empty",
            }));
}

TEST(ConfigReferenceErrors, ApproversAndLevelsTogether) {
  EXPECT_EQ(problems(R"(users: [{ name: bob }]
rules:
  - name: r
    users: ["*"]
    servers: ["*"]
    mode: approve
    approvers: [bob]
    levels: [{ approvers: [bob] }]
  - name: s
    users: ["*"]
    servers: ["*"]
    mode: allow
    approvers: [bob]
)"),
            (lines{
                "test.yaml:8:5: use either 'approvers' and 'condition' or 'levels', not both",
                "test.yaml:9:11: rule 's' can never match: rule 'r' (line 3) comes first and "
                "matches everything it does",
                "test.yaml:13:5: 'approvers' is only used with mode approve",
            }));
}

TEST(ConfigReferenceErrors, MultipleErrorsAreReportedInFileOrder) {
  // Found by different passes (reading, references, reachability), listed by position.
  EXPECT_EQ(problems(R"(rules:
  - { name: all, users: ["*"], servers: ["*"] }
  - { name: later, users: [nobody], servers: ["*"] }
  - { name: last, users: ["*"], servers: ["*"], mode: allow }
users:
  - { name: alice, groups: [ghosts] }
store: nowhere
instance_name: ""
)"),
            (lines{
                "test.yaml:3:28: undefined user 'nobody'",
                "test.yaml:4:13: rule 'last' can never match: rule 'all' (line 2) comes first "
                "and matches everything it does",
                "test.yaml:6:29: undefined group 'ghosts'",
                "test.yaml:7:8: bad store 'nowhere': expected sqlite:PATH or postgresql://...",
                "test.yaml:8:16: 'instance_name' must be non-empty ASCII without control "
                "characters",
            }));
}

}  // namespace
}  // namespace gatehouse::config::testing
