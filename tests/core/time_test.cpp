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

TEST(Time, FormatsEveryFieldWithItsWidth) {
  using std::chrono::milliseconds;
  EXPECT_EQ(format_rfc3339(time_point(milliseconds(0))), "1970-01-01T00:00:00.000Z");
  for (auto text : {"2001-02-03T04:05:06.007Z", "1999-12-31T23:59:59.999Z",
                    "0999-01-01T00:00:00.010Z", "9999-12-31T23:59:59.999Z"}) {
    auto t = parse_rfc3339(text);
    ASSERT_TRUE(t) << text;
    EXPECT_EQ(format_rfc3339(*t), text);
  }
  // Outside four digits of year: still a readable stamp (the old snprintf form).
  auto far = std::chrono::sys_days(std::chrono::year(12026) / 1 / 2) + milliseconds(5);
  EXPECT_EQ(format_rfc3339(std::chrono::time_point_cast<milliseconds>(far)),
            "12026-01-02T00:00:00.005Z");
}
