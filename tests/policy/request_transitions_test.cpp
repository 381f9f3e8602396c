// transition() on its own: rows of the state table that the workflow tests do not reach
// through the service, and the exact outcome (grant, happenings, notifications) of a few.
#include "policy/request_transitions.hpp"

#include "policy_test_support.hpp"

namespace gatehouse::policy::testing {
namespace {

request pending_request(std::vector<approver_level> levels) {
  request r;
  r.id = 7;
  r.version = 3;
  r.requester = "alice";
  r.server = "web01";
  r.account = "root";
  r.window = {t0(), t0() + 1h};
  r.levels = std::move(levels);
  r.rule = "prod";
  r.max_duration = 8h;
  r.pending_until = t0() + 30min;
  r.filed_by = "alice";
  return r;
}

std::vector<event> every_event() {
  return {events::file{},
          events::approve{"bob", "", std::nullopt},
          events::deny{"bob", ""},
          events::admin_approve{"", std::nullopt},
          events::admin_deny{""},
          events::cancel{"alice", false},
          events::expire{},
          events::reassign{"bob", "bob", "carol", false},
          events::revoke{"bob", false},
          events::end_grant{}};
}

TEST(RequestTransitions, TerminalStatesAbsorbEverythingButComments) {
  for (auto state : {request_state::denied, request_state::expired, request_state::cancelled}) {
    request r = pending_request({{{"bob"}, config::condition::any}});
    r.state = state;
    for (const event& e : every_event()) {
      auto out = transition(r, nullptr, e, t0() + 2h);
      ASSERT_FALSE(out.ok()) << to_string(state) << " event " << e.index();
      EXPECT_EQ(out.code(), error_code::refused);
      if (std::holds_alternative<events::file>(e)) {
        EXPECT_EQ(out.message(), "request #7 is already filed");
      } else if (!std::holds_alternative<events::revoke>(e) &&
                 !std::holds_alternative<events::end_grant>(e)) {
        EXPECT_EQ(out.message(), "request #7 is already " + std::string(to_string(state)));
      }
    }
    auto c = transition(r, nullptr, events::comment{"bob", "why?", false}, t0());
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->next.state, state);
    EXPECT_EQ(c->next.comments.size(), 1u);
    EXPECT_FALSE(c->new_grant || c->changed_grant);
  }
}

TEST(RequestTransitions, ExpiryOnlyOnceDue) {
  request r = pending_request({{{"bob"}, config::condition::any}});
  auto early = transition(r, nullptr, events::expire{}, t0() + 29min);
  EXPECT_EQ(early.message(), "request #7 does not expire before 2026-11-22T09:30:00.000Z");
  auto due = transition(r, nullptr, events::expire{}, t0() + 30min);
  ASSERT_TRUE(due.ok());
  EXPECT_EQ(due->next.state, request_state::expired);
  ASSERT_EQ(due->happened.size(), 1u);
  EXPECT_EQ(due->happened[0].kind, happening_kind::request_expired);
  ASSERT_EQ(due->notifications.size(), 1u);
  EXPECT_EQ(due->notifications[0].what, notification::kind::tell_requester);
}

TEST(RequestTransitions, TheCompletingApprovalCreatesTheGrant) {
  request r = pending_request({{{"bob"}, config::condition::any}});
  auto out = transition(r, nullptr, events::approve{"bob", "go", std::nullopt}, t0() + 1min);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->next.state, request_state::approved);
  EXPECT_EQ(out->next.version, 3);  // the store bumps it
  EXPECT_EQ(out->next.updated, t0() + 1min);
  ASSERT_TRUE(out->new_grant.has_value());
  EXPECT_EQ(out->new_grant->request, 7);
  EXPECT_EQ(out->new_grant->start, t0() + 1min);
  EXPECT_EQ(out->new_grant->end, t0() + 61min);
  EXPECT_EQ(out->new_grant->state, grant_state::active);
  ASSERT_EQ(out->happened.size(), 1u);
  EXPECT_EQ(out->happened[0].kind, happening_kind::request_approved);
  EXPECT_EQ(out->happened[0].actor, "bob");
  EXPECT_EQ(out->happened[0].text, "go");
}

TEST(RequestTransitions, GrantEndsOnlyAtItsEnd) {
  request r = pending_request({{{"bob"}, config::condition::any}});
  r.state = request_state::approved;
  r.grant = 4;
  grant g;
  g.id = 4;
  g.request = 7;
  g.start = t0();
  g.end = t0() + 1h;
  EXPECT_EQ(transition(r, &g, events::end_grant{}, t0() + 59min).message(),
            "grant #4 does not end before 2026-11-22T10:00:00.000Z");
  auto out = transition(r, &g, events::end_grant{}, t0() + 1h);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->changed_grant->state, grant_state::ended);
  EXPECT_EQ(out->changed_grant->closed_at, std::optional(t0() + 1h));
  EXPECT_EQ(out->next.state, request_state::approved);
  EXPECT_EQ(transition(r, nullptr, events::end_grant{}, t0() + 1h).message(),
            "request #7 has no grant");
}

TEST(RequestTransitions, APersonAtTwoLevelsDecidesAtEachInTurn) {
  request r = pending_request(
      {{{"bob"}, config::condition::any}, {{"bob", "carol"}, config::condition::all}});
  auto one = transition(r, nullptr, events::approve{"bob", "", std::nullopt}, t0());
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(current_level(one->next), 1u);
  auto two = transition(one->next, nullptr, events::approve{"bob", "", std::nullopt}, t0());
  ASSERT_TRUE(two.ok()) << two.message();
  EXPECT_EQ(two->next.state, request_state::pending);
  EXPECT_EQ(
      transition(two->next, nullptr, events::approve{"bob", "", std::nullopt}, t0()).message(),
      "bob has already decided request #7");
  auto three = transition(two->next, nullptr, events::approve{"carol", "", std::nullopt}, t0());
  EXPECT_EQ(three->next.state, request_state::approved);
}

TEST(RequestTransitions, ALevelAlreadySatisfiedTakesNoMoreDecisions) {
  request r = pending_request(
      {{{"bob", "carol"}, config::condition::any}, {{"erin"}, config::condition::any}});
  auto one = transition(r, nullptr, events::approve{"bob", "", std::nullopt}, t0());
  ASSERT_TRUE(one.ok());
  auto late = transition(one->next, nullptr, events::deny{"carol", "no"}, t0());
  EXPECT_EQ(late.message(), "the level of request #7 where carol decides is already approved");
}

TEST(RequestTransitions, FilingChecksTheWindowAndTheApprovers) {
  request r = pending_request({{{"bob"}, config::condition::any}});
  r.id = 0;
  r.version = 0;
  r.window = {t0(), t0() + 9h};
  EXPECT_EQ(transition(r, nullptr, events::file{}, t0()).message(),
            "a window of 9h exceeds the 8h allowed by rule prod (max_duration)");
  r.window = {t0() - 2h, t0() - 1h};
  EXPECT_EQ(transition(r, nullptr, events::file{}, t0()).message(), "the window is already over");
  r.window = {t0(), t0() + 1h};
  r.levels = {{{}, config::condition::any}};
  EXPECT_EQ(transition(r, nullptr, events::file{}, t0()).code(), error_code::refused);
}

TEST(RequestTransitions, EmergencyFilingTellsEveryApproverAndAsksTheFirstLevel) {
  request r = pending_request(
      {{{"bob"}, config::condition::any}, {{"carol", "erin"}, config::condition::all}});
  r.id = 0;
  r.version = 0;
  r.emergency = true;
  auto out = transition(r, nullptr, events::file{}, t0());
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->next.state, request_state::approved);
  EXPECT_EQ(out->next.post_approval, post_approval::pending);
  ASSERT_TRUE(out->new_grant.has_value());
  ASSERT_EQ(out->notifications.size(), 2u);
  EXPECT_EQ(out->notifications[0].what, notification::kind::tell_emergency);
  EXPECT_EQ(out->notifications[0].people, (std::vector<std::string>{"bob", "carol", "erin"}));
  EXPECT_EQ(out->notifications[1].what, notification::kind::ask_approvers);
  EXPECT_EQ(out->notifications[1].people, std::vector<std::string>{"bob"});
  // The window of an approved request no longer moves.
  auto moved = transition(out->next, nullptr,
                          events::approve{"bob", "", time_window{t0(), t0() + 10min}}, t0());
  EXPECT_EQ(moved.message(),
            "the window of request #0 can no longer change: it is already approved");
}

// People's words are bounded: every read of a request decodes all it keeps (found by the
// admin_api fuzzer: a store where one request gathered thousands of 4 KiB comments).
TEST(RequestTransitions, CommentsAreBoundedInSizeAndNumber) {
  request r = pending_request({{{"bob"}, config::condition::any}});
  const std::string longest(max_comment_bytes, 'w');
  const std::string too_long = longest + "w";
  for (const event& e :
       std::vector<event>{events::comment{"bob", too_long, false}, events::deny{"bob", too_long},
                          events::approve{"bob", too_long, std::nullopt},
                          events::admin_deny{too_long}, events::revoke{"bob", false, too_long}}) {
    auto out = transition(r, nullptr, e, t0());
    EXPECT_EQ(out.code(), error_code::invalid);
    EXPECT_EQ(out.message(), "a comment: at most 4096 bytes");
  }
  // Other records (a reassignment's) do not count against the comments.
  auto handed = transition(r, nullptr, events::reassign{"bob", "bob", "carol", false}, t0());
  ASSERT_TRUE(handed.ok()) << handed.message();
  r = handed->next;
  for (std::size_t i = 0; i < max_comments; ++i) {
    auto out = transition(r, nullptr, events::comment{"alice", longest, false}, t0());
    ASSERT_TRUE(out.ok()) << i << ": " << out.message();
    r = out->next;
  }
  EXPECT_EQ(r.comments.size(), max_comments + 1);
  auto full = transition(r, nullptr, events::comment{"alice", "one more", false}, t0());
  EXPECT_EQ(full.code(), error_code::refused);
  EXPECT_EQ(full.message(), "request #7 has 100 comments, the most one request keeps");
  // A decision with a comment still goes through.
  auto denied = transition(r, nullptr, events::deny{"carol", "no: see the thread"}, t0());
  ASSERT_TRUE(denied.ok()) << denied.message();
  EXPECT_EQ(denied->next.state, request_state::denied);
}

}  // namespace
}  // namespace gatehouse::policy::testing
