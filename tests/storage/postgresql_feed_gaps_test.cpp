// storage/postgresql/feed_gaps: a reader never passes a feed number that may still appear, and
// passes one whose writer has ended without it.
#include <gtest/gtest.h>

#include "storage/postgresql/feed_gaps.hpp"

namespace gatehouse::storage::postgresql {
namespace {

// A marker source that counts its calls.
struct markers {
  std::uint64_t next;
  int calls = 0;
  feed_gaps::marker_source source() {
    return [this]() -> std::optional<std::uint64_t> {
      ++calls;
      return next;
    };
  }
};

TEST(FeedGaps, ContiguousRowsAreAllUsableWithoutAMarker) {
  feed_gaps g;
  markers m{200};
  EXPECT_EQ(g.usable(4, {5, 6, 7}, 100, m.source()), 3u);
  EXPECT_EQ(m.calls, 0);
  EXPECT_EQ(g.open_gaps(), 0u);
}

TEST(FeedGaps, RowsAfterAGapWaitUntilEveryTransactionBeforeTheMarkerHasEnded) {
  feed_gaps g;
  markers m{120};
  // 6 is missing: only 5 goes out, and the gap is marked with a transaction id taken after.
  EXPECT_EQ(g.usable(4, {5, 7, 8}, 100, m.source()), 1u);
  EXPECT_EQ(m.calls, 1);
  EXPECT_EQ(g.open_gaps(), 1u);
  // Even with nothing older in progress, its writer may hold an id up to the marker.
  EXPECT_EQ(g.usable(5, {7, 8}, 120, m.source()), 0u);
  EXPECT_EQ(m.calls, 1);  // marked once
  EXPECT_EQ(g.usable(5, {7, 8}, 121, m.source()), 2u);
  EXPECT_EQ(g.open_gaps(), 0u);
}

TEST(FeedGaps, AGapFilledMeanwhileIsReadNormally) {
  feed_gaps g;
  markers m{60};
  EXPECT_EQ(g.usable(0, {1, 3}, 50, m.source()), 1u);
  EXPECT_EQ(g.usable(1, {2, 3}, 55, m.source()), 2u);  // 2 committed: no gap any more
}

TEST(FeedGaps, TheFirstGapStopsTheReadAndEveryGapIsMarkedWithOneMarker) {
  feed_gaps g;
  markers m{30};
  EXPECT_EQ(g.usable(0, {1, 3, 5}, 10, m.source()), 1u);
  EXPECT_EQ(g.open_gaps(), 2u);  // 2 and 4
  EXPECT_EQ(m.calls, 1);
  EXPECT_EQ(g.usable(1, {3, 5}, 31, m.source()), 2u);
  EXPECT_EQ(g.open_gaps(), 0u);
}

TEST(FeedGaps, WithoutAMarkerAGapIsNeverPassed) {
  feed_gaps g;
  auto none = []() -> std::optional<std::uint64_t> { return std::nullopt; };
  EXPECT_EQ(g.usable(0, {2}, 1000, none), 0u);
  EXPECT_EQ(g.usable(0, {2}, 100000, none), 0u);
  EXPECT_EQ(g.open_gaps(), 0u);
}

TEST(FeedGaps, ALongJumpCountsAsOneGap) {
  feed_gaps g;
  markers m{20};
  EXPECT_EQ(g.usable(0, {1, 1000000}, 10, m.source()), 1u);
  EXPECT_EQ(g.open_gaps(), 1u);
  EXPECT_EQ(g.usable(1, {1000000}, 21, m.source()), 1u);
}

}  // namespace
}  // namespace gatehouse::storage::postgresql
