#include "core/time.hpp"

#include <gtest/gtest.h>

using namespace gatehouse;

TEST(Time, RoundTripsRfc3339) {
  auto t = parse_rfc3339("2026-11-22T16:20:40.123Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_rfc3339(*t), "2026-11-22T16:20:40.123Z");
}

TEST(Time, AppliesOffsets) {
  auto t = parse_rfc3339("2026-11-22T18:20:40+02:00");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_rfc3339(*t), "2026-11-22T16:20:40.000Z");
  EXPECT_EQ(format_clock_time(*t), "16:20 UTC");
}

TEST(Time, RejectsMalformed) {
  for (auto bad : {"", "2026-11-22", "2026-13-01T00:00:00Z", "2026-11-22T16:20:40",
                   "2026-02-30T00:00:00Z", "2026-11-22T16:20:40.Z", "2026-11-22T16:20:40Zjunk"})
    EXPECT_FALSE(parse_rfc3339(bad)) << bad;
}
