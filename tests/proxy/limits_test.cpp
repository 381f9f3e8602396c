#include "proxy/ssh/limits.hpp"

#include <gtest/gtest.h>

namespace gatehouse::proxy::ssh {
namespace {

using namespace std::chrono_literals;

TEST(FailureLimiter, BlocksAfterTheLimitForThePenalty) {
  failure_limiter l(3, 60s, 30s);
  steady_time t0{};
  l.record_failure("1.2.3.4", t0);
  l.record_failure("1.2.3.4", t0 + 1s);
  EXPECT_FALSE(l.blocked("1.2.3.4", t0 + 2s));
  l.record_failure("1.2.3.4", t0 + 2s);
  EXPECT_TRUE(l.blocked("1.2.3.4", t0 + 3s));
  EXPECT_FALSE(l.blocked("5.6.7.8", t0 + 3s));
  EXPECT_FALSE(l.blocked("1.2.3.4", t0 + 33s));
}

TEST(FailureLimiter, OldFailuresLeaveTheWindow) {
  failure_limiter l(3, 60s, 30s);
  steady_time t0{};
  l.record_failure("a", t0);
  l.record_failure("a", t0 + 1s);
  l.record_failure("a", t0 + 70s);
  EXPECT_FALSE(l.blocked("a", t0 + 71s));
  l.record_failure("a", t0 + 200s);
  EXPECT_EQ(l.tracked(), 1u);
}

TEST(CountedSlots, CapsPerKeyAndReleases) {
  counted_slots s(2);
  auto a = acquire(s, "alice");
  auto b = acquire(s, "alice");
  auto c = acquire(s, "alice");
  EXPECT_TRUE(a);
  EXPECT_TRUE(b);
  EXPECT_FALSE(c);
  EXPECT_TRUE(acquire(s, "bob"));
  EXPECT_EQ(s.count("alice"), 2u);
  a.reset();
  EXPECT_EQ(s.count("alice"), 1u);
  {
    auto d = acquire(s, "alice");
    EXPECT_TRUE(d);
    slot moved = std::move(d);
    EXPECT_EQ(s.count("alice"), 2u);
  }
  EXPECT_EQ(s.count("alice"), 1u);
  EXPECT_EQ(s.total(), 1u);
}

}  // namespace
}  // namespace gatehouse::proxy::ssh
