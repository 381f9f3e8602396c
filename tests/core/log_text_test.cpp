#include "core/log_text.hpp"

#include <gtest/gtest.h>

namespace gatehouse {
namespace {

TEST(ClippedForLog, ShortNamesStayAsTheyAre) {
  EXPECT_EQ(clipped_for_log("alice@root@web01"), "alice@root@web01");
  EXPECT_EQ(clipped_for_log(std::string(256, 'a')), std::string(256, 'a'));
}

TEST(ClippedForLog, A64KiBNameKeepsItsFirst256BytesAndSaysSo) {
  std::string huge(64 * 1024, 'x');
  auto clipped = clipped_for_log(huge);
  EXPECT_EQ(clipped, std::string(256, 'x') + "...[truncated, 65536 bytes]");
  EXPECT_LT(clipped.size(), 300u);
}

TEST(ClippedForLog, NeverSplitsAUtf8Character) {
  // 255 ASCII bytes, then "é" (2 bytes) across the 256-byte mark: the whole "é" goes.
  std::string name = std::string(255, 'a') + "\xc3\xa9" + std::string(100, 'b');
  EXPECT_EQ(clipped_for_log(name), std::string(255, 'a') + "...[truncated, 357 bytes]");
  // A 4-byte character starting at byte 254.
  std::string emoji = std::string(254, 'a') + "\xf0\x9f\x98\x80" + std::string(10, 'b');
  EXPECT_EQ(clipped_for_log(emoji), std::string(254, 'a') + "...[truncated, 268 bytes]");
}

}  // namespace
}  // namespace gatehouse
