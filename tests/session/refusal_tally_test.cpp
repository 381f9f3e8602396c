// What /metrics shows of refused connections: the front ends' access.denied and
// upstream.failure events, counted by protocol and the reason label the audit line carries,
// while every event still reaches the audit sink unchanged.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "policy/audit_sink.hpp"
#include "proxy/session/audit_events.hpp"
#include "proxy/session/refusal_tally.hpp"

namespace gatehouse::proxy::session {
namespace {

class recording_sink final : public policy::audit_sink {
 public:
  void record(const policy::audit_event& e) override { events.push_back(e); }
  std::vector<policy::audit_event> events;
};

TEST(RefusalTally, CountsDenialsAndUpstreamFailuresByProtocolAndReason) {
  recording_sink audit;
  refusal_tally refusals;
  auto events = audit_event_sink(audit, &refusals);
  events("access.denied", {{"protocol", "ssh"}, {"reason", "hold_cap_reached"}, {"text", "x"}});
  events("access.denied", {{"protocol", "ssh"}, {"reason", "hold_cap_reached"}});
  events("access.denied", {{"protocol", "rdp"}, {"reason", "hold_timeout"}});
  events("upstream.failure", {{"protocol", "ssh"}, {"reason", "upstream_failed"}});
  events("session.start", {{"protocol", "ssh"}, {"reason", "not a refusal"}});
  events("auth.failure", {{"protocol", "ssh"}, {"reason", "unknown key"}});

  EXPECT_EQ(audit.events.size(), 6u) << "every event is audited as before";
  EXPECT_EQ(refusals.total(), 4u);
  EXPECT_EQ(refusals.prometheus("gate-1"),
            "# HELP gatehouse_connections_refused_total Connections refused since start, by "
            "protocol and deny reason (the audit field reason).\n"
            "# TYPE gatehouse_connections_refused_total counter\n"
            "gatehouse_connections_refused_total{instance=\"gate-1\",protocol=\"rdp\","
            "reason=\"hold_timeout\"} 1\n"
            "gatehouse_connections_refused_total{instance=\"gate-1\",protocol=\"ssh\","
            "reason=\"hold_cap_reached\"} 2\n"
            "gatehouse_connections_refused_total{instance=\"gate-1\",protocol=\"ssh\","
            "reason=\"upstream_failed\"} 1\n");
}

TEST(RefusalTally, LabelValuesAreEscaped) {
  refusal_tally refusals;
  refusals.count("ssh", "a\"b\\c\nd");
  EXPECT_NE(refusals.prometheus("x").find("reason=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos)
      << refusals.prometheus("x");
}

TEST(RefusalTally, WithoutATallyEventsAreOnlyAudited) {
  recording_sink audit;
  auto events = audit_event_sink(audit);
  events("access.denied", {{"protocol", "ssh"}, {"reason", "no_rule"}});
  ASSERT_EQ(audit.events.size(), 1u);
  EXPECT_EQ(audit.events[0].fields.at("reason"), "no_rule");
}

}  // namespace
}  // namespace gatehouse::proxy::session
