#include "core/window_limiter.hpp"

#include <gtest/gtest.h>

namespace gatehouse {
namespace {

using namespace std::chrono_literals;

TEST(WindowLimiter, BlocksAfterTheLimitForThePenalty) {
  window_limiter l(3, 60s, 30s);
  steady_time t0{};
  l.record("1.2.3.4", t0);
  l.record("1.2.3.4", t0 + 1s);
  EXPECT_FALSE(l.blocked("1.2.3.4", t0 + 2s));
  l.record("1.2.3.4", t0 + 2s);
  EXPECT_TRUE(l.blocked("1.2.3.4", t0 + 3s));
  EXPECT_FALSE(l.blocked("5.6.7.8", t0 + 3s));
  EXPECT_FALSE(l.blocked("1.2.3.4", t0 + 33s));
}

TEST(WindowLimiter, OldFailuresLeaveTheWindow) {
  window_limiter l(3, 60s, 30s);
  steady_time t0{};
  l.record("a", t0);
  l.record("a", t0 + 1s);
  l.record("a", t0 + 70s);
  EXPECT_FALSE(l.blocked("a", t0 + 71s));
  l.record("a", t0 + 200s);
  EXPECT_EQ(l.tracked(), 1u);
}

}  // namespace
}  // namespace gatehouse
