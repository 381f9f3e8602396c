// store_reachability: the stream of "could the store be reached" outcomes becomes one `lost`
// and one `back` per outage, whatever the number of failed or successful waits in between.
#include "policy/store_reachability.hpp"

#include <gtest/gtest.h>

namespace gatehouse::policy {
namespace {

using change = store_reachability::change;

TEST(StoreReachability, StartsReachableAndQuietWhileItStaysSo) {
  store_reachability r;
  EXPECT_TRUE(r.reachable());
  EXPECT_EQ(r.observe(true), change::none);
  EXPECT_EQ(r.observe(true), change::none);
  EXPECT_EQ(r.outages(), 0u);
}

TEST(StoreReachability, OneLostAndOneBackPerOutage) {
  store_reachability r;
  EXPECT_EQ(r.observe(false), change::lost);
  EXPECT_FALSE(r.reachable());
  // The listener keeps failing while libpq reconnects with backoff: nothing more to say.
  EXPECT_EQ(r.observe(false), change::none);
  EXPECT_EQ(r.observe(false), change::none);
  EXPECT_EQ(r.observe(true), change::back);
  EXPECT_TRUE(r.reachable());
  EXPECT_EQ(r.observe(true), change::none);
  EXPECT_EQ(r.outages(), 1u);
}

TEST(StoreReachability, CountsEachOutage) {
  store_reachability r;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(r.observe(false), change::lost);
    EXPECT_EQ(r.observe(true), change::back);
  }
  EXPECT_EQ(r.outages(), 3u);
}

TEST(StoreReachability, TheSentenceNamesNoServer) {
  // What a person is shown: what happened and what to do, never where the store lives.
  const std::string text(store_unreachable_text);
  EXPECT_NE(text.find("cannot be reached"), std::string::npos);
  EXPECT_NE(text.find("try again"), std::string::npos);
  EXPECT_EQ(text.find("postgres"), std::string::npos);
  EXPECT_EQ(to_string(change::lost), "lost");
  EXPECT_EQ(to_string(change::back), "back");
}

}  // namespace
}  // namespace gatehouse::policy
