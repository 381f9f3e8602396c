// The translation between the policy's types and the session gate's.
#include <gtest/gtest.h>

#include "proxy/session/service_gate.hpp"

namespace gatehouse::proxy::session {
namespace {

TEST(ServiceGateTranslation, DeniedRequestNamesTheDenier) {
  policy::request r;
  r.id = 42;
  r.state = policy::request_state::denied;
  r.levels = {{{"bob", "carol"}, config::condition::any}};
  r.decisions = {{"bob", policy::verdict::deny, "not now", {}, 0, false}};
  auto s = to_request_status(r);
  EXPECT_EQ(s.id, 42);
  EXPECT_EQ(s.state, request_state::denied);
  EXPECT_EQ(s.decided_by, "bob");
  EXPECT_EQ(s.comment, "not now");
}

TEST(ServiceGateTranslation, PendingRequestListsUndecidedApprovers) {
  policy::request r;
  r.id = 7;
  r.levels = {{{"bob", "carol"}, config::condition::all}};
  r.decisions = {{"bob", policy::verdict::approve, "", {}, 0, false}};
  auto s = to_request_status(r);
  EXPECT_EQ(s.state, request_state::pending);
  EXPECT_EQ(s.waiting_for, (std::vector<std::string>{"carol"}));
}

TEST(ServiceGateTranslation, RevokedGrant) {
  policy::grant g;
  g.id = 12;
  g.state = policy::grant_state::revoked;
  g.revoked_by = "carol";
  g.end = *parse_rfc3339("2026-11-22T18:00:00Z");
  g.closed_at = *parse_rfc3339("2026-11-22T17:00:00Z");
  auto s = to_grant_status(g);
  EXPECT_TRUE(s.revoked);
  EXPECT_EQ(s.revoked_by, "carol");
  EXPECT_EQ(s.at, *g.closed_at);
}

TEST(ServiceGateTranslation, DenyDecision) {
  policy::decision d = policy::decisions::deny{policy::deny_reason::rule_denies, "no"};
  auto out = to_decision(d);
  EXPECT_EQ(out.verdict, verdict::deny);
  EXPECT_EQ(out.deny, policy::deny_reason::rule_denies);
  EXPECT_EQ(out.text, "no");
  EXPECT_FALSE(out.authorization.has_value());
}

}  // namespace
}  // namespace gatehouse::proxy::session
