#include "core/peer_address.hpp"

#include <gtest/gtest.h>

namespace gatehouse {
namespace {

TEST(SourceAddress, FromPeer) {
  EXPECT_EQ(source_address("10.0.0.1:5555"), "10.0.0.1");
  EXPECT_EQ(source_address("[::1]:22"), "::1");
  EXPECT_EQ(source_address("::1:22"), "::1");
}

}  // namespace
}  // namespace gatehouse
