// reconnect_backoff: how long the LISTEN connection waits before it tries PostgreSQL again.
#include "storage/postgresql/backoff.hpp"

#include <gtest/gtest.h>

namespace gatehouse::storage::postgresql {
namespace {

using std::chrono::milliseconds;

TEST(ReconnectBackoff, DoublesFromAFifthOfASecondToFiveSeconds) {
  reconnect_backoff b;
  EXPECT_EQ(b.failed(), milliseconds(200));
  EXPECT_EQ(b.failed(), milliseconds(400));
  EXPECT_EQ(b.failed(), milliseconds(800));
  EXPECT_EQ(b.failed(), milliseconds(1600));
  EXPECT_EQ(b.failed(), milliseconds(3200));
  EXPECT_EQ(b.failed(), milliseconds(5000));
  for (int i = 0; i < 100; ++i) EXPECT_EQ(b.failed(), milliseconds(5000));
}

TEST(ReconnectBackoff, ASuccessStartsTheNextOutageFromTheBeginning) {
  reconnect_backoff b;
  for (int i = 0; i < 10; ++i) (void)b.failed();
  b.succeeded();
  EXPECT_EQ(b.failed(), milliseconds(200));
  EXPECT_EQ(b.failed(), milliseconds(400));
}

}  // namespace
}  // namespace gatehouse::storage::postgresql
