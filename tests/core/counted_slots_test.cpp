#include "core/counted_slots.hpp"

#include <gtest/gtest.h>

namespace gatehouse {
namespace {

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

TEST(HoldCaps, PerPersonThenPerSourceWithTheReason) {
  hold_caps caps(2, 3);
  auto a1 = caps.take("alice", "10.0.0.1");
  auto a2 = caps.take("alice", "10.0.0.1");
  ASSERT_TRUE(std::holds_alternative<held_slots>(a1));
  ASSERT_TRUE(std::holds_alternative<held_slots>(a2));
  auto a3 = caps.take("alice", "10.0.0.2");
  ASSERT_TRUE(std::holds_alternative<std::string>(a3));
  EXPECT_EQ(std::get<std::string>(a3),
            "Too many connections of alice are waiting for approval (limit 2)");
  EXPECT_EQ(caps.held_from("10.0.0.2"), 0u) << "a refusal takes nothing";
  auto b1 = caps.take("bob", "10.0.0.1");
  ASSERT_TRUE(std::holds_alternative<held_slots>(b1));
  auto c1 = caps.take("carol", "10.0.0.1");
  ASSERT_TRUE(std::holds_alternative<std::string>(c1));
  EXPECT_EQ(std::get<std::string>(c1),
            "Too many connections from your address are waiting for approval");
  EXPECT_EQ(caps.held_by("carol"), 0u);
  std::get<held_slots>(a1).reset();
  EXPECT_EQ(caps.held_by("alice"), 1u);
  EXPECT_TRUE(std::holds_alternative<held_slots>(caps.take("carol", "10.0.0.1")));
}

}  // namespace
}  // namespace gatehouse
