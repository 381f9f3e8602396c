// transition() for issue 17's rows: a manual request's fulfilment (only once approved, only by
// a fulfiller or the administrator, only once, with text) and a recording request, which the
// person recorded can neither decide nor be handed.
#include "policy/fulfilment.hpp"
#include "policy/recording_access.hpp"
#include "policy/request_transitions.hpp"
#include "policy_test_support.hpp"

namespace gatehouse::policy::testing {
namespace {

request manual_request() {
  request r;
  r.id = 9;
  r.version = 1;
  r.requester = "alice";
  r.server = "github-write";
  r.protocol = config::protocol::manual;
  r.window = {t0(), t0() + 1h};
  r.levels = {{{"bob"}, config::condition::any}};
  r.rule = "saas";
  r.max_duration = 8h;
  r.pending_until = t0() + 30min;
  r.filed_by = "alice";
  return r;
}

events::fulfil by(std::string who, bool failed, std::string text) {
  return events::fulfil{std::move(who), {"carol", "dave"}, failed, std::move(text), false};
}

TEST(FulfilmentTransitions, OnlyAnApprovedManualRequestIsFulfilledOnceByAFulfiller) {
  request r = manual_request();
  EXPECT_EQ(fulfilment_of(r), fulfilment_state::none);
  EXPECT_EQ(transition(r, nullptr, by("carol", false, "done"), t0()).message(),
            "request #9 is not approved yet: it cannot be fulfilled");
  r.state = request_state::approved;
  EXPECT_EQ(fulfilment_of(r), fulfilment_state::awaiting);
  EXPECT_EQ(transition(r, nullptr, by("alice", false, "done"), t0()).message(),
            "alice is not a fulfiller of request #9 (fulfillers: carol, dave)");
  EXPECT_EQ(transition(r, nullptr, by("carol", false, ""), t0()).code(), error_code::invalid);
  auto out = transition(r, nullptr, by("carol", false, "invited alice"), t0() + 1min);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(fulfilment_of(out->next), fulfilment_state::fulfilled);
  ASSERT_EQ(out->happened.size(), 1u);
  EXPECT_EQ(audit_name(out->happened[0].kind), "request.fulfilled");
  EXPECT_EQ(out->happened[0].text, "invited alice");
  ASSERT_EQ(out->notifications.size(), 1u);
  EXPECT_EQ(out->notifications[0].what, notification::kind::tell_requester);
  EXPECT_EQ(out->notifications[0].about, happening_kind::request_fulfilled);
  EXPECT_EQ(transition(out->next, nullptr, by("dave", true, "no"), t0() + 2min).message(),
            "request #9 is already fulfilled");
  auto admin = transition(r, nullptr, events::fulfil{"root", {}, true, "no seats", true}, t0());
  ASSERT_TRUE(admin.ok());
  EXPECT_EQ(fulfilment_of(admin->next), fulfilment_state::failed);
  EXPECT_EQ(admin->happened[0].actor, "admin");
  EXPECT_EQ(audit_name(admin->happened[0].kind), "request.fulfilment_failed");
}

TEST(FulfilmentTransitions, AnSshRequestHasNothingToFulfil) {
  request r = manual_request();
  r.protocol = config::protocol::ssh;
  r.state = request_state::approved;
  EXPECT_EQ(transition(r, nullptr, by("carol", false, "x"), t0()).message(),
            "request #9 is not for a manual resource: there is nothing to fulfil");
}

TEST(FulfilmentTransitions, ThePersonRecordedNeitherDecidesNorIsHandedTheirRecording) {
  request r = manual_request();
  r.protocol = config::protocol::ssh;
  r.requester = "carol";
  r.server = recording_target("ssh-abc-1");
  r.account = "alice";
  r.levels = {{{"alice", "bob"}, config::condition::any}};
  EXPECT_EQ(transition(r, nullptr, events::approve{"alice", "", std::nullopt}, t0()).message(),
            "alice cannot approve request #9: it asks to see their own session");
  EXPECT_EQ(transition(r, nullptr, events::reassign{"bob", "bob", "alice", false}, t0()).message(),
            "alice cannot approve request #9: it asks to see their own session");
  EXPECT_TRUE(transition(r, nullptr, events::approve{"bob", "", std::nullopt}, t0()).ok());
}

}  // namespace
}  // namespace gatehouse::policy::testing
