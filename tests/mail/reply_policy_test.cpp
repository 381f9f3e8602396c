// mail/reply_policy: rules[].reply_decisions - off, all, and low-risk (a denial always; an
// approval only for a non-emergency request whose window is at most the default duration).
#include "mail/reply_policy.hpp"

#include <gtest/gtest.h>

namespace gatehouse::mail {
namespace {

using namespace std::chrono_literals;

struct world {
  config::config c;
  policy::request r;
  world(config::reply_decisions d) {
    c.mail.inbox = "imaps://mail.example/INBOX";
    config::rule rule;
    rule.name = "ops";
    rule.default_duration = 1h;
    rule.reply_decisions = d;
    c.rules = {rule};
    r.rule = "ops";
    r.window = {time_point{}, time_point{} + 1h};
  }
};

TEST(ReplyPolicy, OffAllowsNothingAndNeedsAnInbox) {
  world w(config::reply_decisions::off);
  EXPECT_FALSE(replies_offered(w.c, w.r));
  EXPECT_NE(reply_refusal(w.c, w.r, reply_verdict::deny), "");
  world all(config::reply_decisions::all);
  EXPECT_TRUE(replies_offered(all.c, all.r));
  all.c.mail.inbox = "";
  EXPECT_FALSE(replies_offered(all.c, all.r));
  EXPECT_NE(reply_refusal(all.c, all.r, reply_verdict::approve), "");
  world gone(config::reply_decisions::all);
  gone.r.rule = "removed";
  EXPECT_FALSE(replies_offered(gone.c, gone.r));
  EXPECT_NE(reply_refusal(gone.c, gone.r, reply_verdict::deny), "");
}

TEST(ReplyPolicy, AllAllowsEveryDecision) {
  world w(config::reply_decisions::all);
  w.r.emergency = true;
  w.r.window.end = w.r.window.start + 8h;
  EXPECT_EQ(reply_refusal(w.c, w.r, reply_verdict::approve), "");
  EXPECT_EQ(reply_refusal(w.c, w.r, reply_verdict::deny), "");
  EXPECT_NE(reply_refusal(w.c, w.r, reply_verdict::none), "");
}

TEST(ReplyPolicy, LowRiskDeniesAlwaysAndApprovesOnlyShortOrdinaryWindows) {
  world w(config::reply_decisions::low_risk);
  EXPECT_EQ(reply_refusal(w.c, w.r, reply_verdict::approve), "");
  w.r.window.end = w.r.window.start + 1h + 1s;
  EXPECT_NE(reply_refusal(w.c, w.r, reply_verdict::approve).find("default duration"),
            std::string::npos);
  EXPECT_EQ(reply_refusal(w.c, w.r, reply_verdict::deny), "");
  w.r.window.end = w.r.window.start + 30min;
  w.r.emergency = true;
  EXPECT_NE(reply_refusal(w.c, w.r, reply_verdict::approve).find("emergency"), std::string::npos);
  EXPECT_EQ(reply_refusal(w.c, w.r, reply_verdict::deny), "");
}

}  // namespace
}  // namespace gatehouse::mail
