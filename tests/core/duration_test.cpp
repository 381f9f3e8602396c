#include "core/duration.hpp"

#include <gtest/gtest.h>

using namespace gatehouse;

TEST(Duration, ParsesEachUnit) {
  EXPECT_EQ(parse_duration("30s"), seconds{30});
  EXPECT_EQ(parse_duration("15m"), seconds{900});
  EXPECT_EQ(parse_duration("8h"), seconds{8 * 3600});
  EXPECT_EQ(parse_duration("7d"), seconds{7 * 86400});
  EXPECT_EQ(parse_duration("1h30m"), seconds{5400});
}

TEST(Duration, RejectsMalformed) {
  for (auto bad : {"", "h", "10", "10x", "-5m", "0s", "1.5h", "1h ", " 1h", "99999999999d"})
    EXPECT_FALSE(parse_duration(bad)) << bad;
}

TEST(Duration, FormatsCompactly) {
  EXPECT_EQ(format_duration(seconds{130}), "2m10s");
  EXPECT_EQ(format_duration(seconds{3600}), "1h");
  EXPECT_EQ(format_duration(seconds{0}), "0s");
}
