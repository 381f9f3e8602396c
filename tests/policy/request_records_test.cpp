// The steps of a request's life that are no decision - a reassignment, a revocation with its
// comment, the grant's end - kept with its comments (record_kind), audited and told; the stored
// form round-trips and reads rows written before kinds existed; and the window a filing asks
// for: a future start, an end instead of a duration, refusals that say why.
#include "policy/access_service.hpp"
#include "policy/record_codec.hpp"
#include "policy_test_support.hpp"

namespace gatehouse::policy::testing {
namespace {

class RequestRecords : public service_fixture {};

const audit_event& last_event(const recording_audit& audit, const std::string& name) {
  for (auto it = audit.events.rbegin(); it != audit.events.rend(); ++it)
    if (it->name == name) return *it;
  throw std::runtime_error("no " + name + " event");
}

TEST_F(RequestRecords, ARevocationKeepsItsCommentEverywhere) {
  use(prod_rule({level({"bob", "carol"})}));
  request r = file("alice");
  auto ok = svc().approve(r.id, "bob", {});
  clock_.advance(5min);
  auto revoked = svc().revoke(*ok->grant, "carol", false, "incident over");
  ASSERT_TRUE(revoked.ok()) << revoked.message();
  auto stored = svc().get_request(r.id);
  ASSERT_EQ(stored->comments.size(), 1u);
  EXPECT_EQ(stored->comments[0],
            (comment_record{"carol", "incident over", t0() + 5min, record_kind::revoked}));
  const auto& event = last_event(audit_, "grant.revoked");
  EXPECT_EQ(event.fields.at("comment"), "incident over");
  EXPECT_EQ(event.fields.at("actor"), "carol");
  EXPECT_EQ(notifier_.calls.back().about, "grant.revoked");
  EXPECT_EQ(notifier_.calls.back().comment, "incident over");
}

TEST_F(RequestRecords, ARevocationWithoutCommentIsStillAStep) {
  use(prod_rule({level({"bob"})}));
  request r = file("alice");
  auto ok = svc().approve(r.id, "bob", {});
  ASSERT_TRUE(svc().revoke(*ok->grant, "root", true).ok());
  auto stored = svc().get_request(r.id);
  ASSERT_EQ(stored->comments.size(), 1u);
  EXPECT_EQ(stored->comments[0].author, "admin");
  EXPECT_EQ(stored->comments[0].kind, record_kind::revoked);
  EXPECT_EQ(last_event(audit_, "grant.revoked").fields.count("comment"), 0u);
}

TEST_F(RequestRecords, ReassignmentAndGrantEndAreKeptInOrder) {
  use(prod_rule({level({"bob"})}));
  request r = file("alice");
  ASSERT_TRUE(svc().comment(r.id, "alice", "please").ok());
  clock_.advance(1min);
  ASSERT_TRUE(svc().reassign(r.id, "bob", "bob", "carol").ok());
  clock_.advance(1min);
  ASSERT_TRUE(svc().approve(r.id, "carol", {.duration = 10min}).ok());
  clock_.advance(10min);
  ASSERT_TRUE(svc().process_due(clock_.now()).ok());
  auto stored = svc().get_request(r.id);
  ASSERT_EQ(stored->comments.size(), 3u);
  EXPECT_EQ(stored->comments[0].kind, record_kind::comment);
  EXPECT_EQ(stored->comments[1],
            (comment_record{"bob", "bob -> carol", t0() + 1min, record_kind::reassigned}));
  EXPECT_EQ(stored->comments[2], (comment_record{"", "", t0() + 12min, record_kind::grant_ended}));
}

TEST(RecordCodec, KindsRoundTripAndOldRowsReadAsComments) {
  std::vector<comment_record> records = {
      {"alice", "hi", t0(), record_kind::comment},
      {"bob", "bob -> carol", t0() + 1s, record_kind::reassigned},
      {"carol", "done", t0() + 2s, record_kind::revoked},
      {"", "", t0() + 3s, record_kind::grant_ended}};
  auto text = codec::encode_comments(records);
  EXPECT_EQ(text.find(R"("kind":"comment")"), std::string::npos) << "comments stay as before";
  EXPECT_EQ(codec::decode_comments(text), records);
  auto old = codec::decode_comments(R"([{"author":"a","text":"t","at":5}])");
  ASSERT_TRUE(old);
  EXPECT_EQ(old->at(0).kind, record_kind::comment);
  EXPECT_FALSE(codec::decode_comments(R"([{"author":"a","text":"t","at":5,"kind":"x"}])"));
  EXPECT_FALSE(codec::decode_comments(R"([{"author":"a","text":"t","at":5,"kind":3}])"));
}

TEST_F(RequestRecords, AFutureStartAsksForAccessLater) {
  use(prod_rule({level({"bob"})}));
  request r = file("alice", {.start = t0() + 2h});
  EXPECT_EQ(r.window, (time_window{t0() + 2h, t0() + 3h}));  // the rule's default_duration
  auto ok = svc().approve(r.id, "bob", {});
  EXPECT_EQ(grant_of(*ok).start, t0() + 2h);
  EXPECT_TRUE(std::holds_alternative<decisions::approval_needed>(svc().check(to("alice"))));
  clock_.advance(2h);
  EXPECT_TRUE(std::holds_alternative<decisions::allowed_by_grant>(svc().check(to("alice"))));
}

TEST_F(RequestRecords, AStartWithAnEndOrADuration) {
  use(prod_rule({level({"bob"})}));
  request until = file("alice", {.start = t0() + 1h, .until = t0() + 5h});
  EXPECT_EQ(until.window, (time_window{t0() + 1h, t0() + 5h}));
  request lasting = file("dave", {.start = t0() + 1h, .duration = 30min});
  EXPECT_EQ(lasting.window, (time_window{t0() + 1h, t0() + 90min}));
}

TEST_F(RequestRecords, BadWindowsAreRefusedWithTheReason) {
  use(prod_rule({level({"bob"})}));
  auto both =
      svc().file_request(to("alice"), {.justification = "x", .duration = 1h, .until = t0() + 2h});
  EXPECT_EQ(both.message(), "give a duration or an end time, not both");
  auto past = svc().file_request(to("alice"), {.justification = "x", .start = t0() - 2h});
  EXPECT_EQ(past.code(), error_code::invalid);
  EXPECT_EQ(past.message(), "the start 2026-11-22T07:00:00.000Z has already passed");
  auto long_one =
      svc().file_request(to("alice"), {.justification = "x", .start = t0() + 1h, .duration = 9h});
  EXPECT_EQ(long_one.message(),
            "a window of 9h exceeds the 8h allowed by rule prod (max_duration)");
  auto backwards = svc().file_request(
      to("alice"), {.justification = "x", .start = t0() + 2h, .until = t0() + 1h});
  EXPECT_EQ(backwards.message(), "the window must end after it starts");
  request nearly_now = file("alice", {.start = t0() - 30s});
  EXPECT_EQ(nearly_now.window.start, t0()) << "a start a clock apart is now";
}

}  // namespace
}  // namespace gatehouse::policy::testing
