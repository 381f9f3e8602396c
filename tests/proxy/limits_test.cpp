#include "proxy/ssh/limits.hpp"

#include <gtest/gtest.h>

namespace gatehouse::proxy::ssh {
namespace {

using namespace std::chrono_literals;

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
