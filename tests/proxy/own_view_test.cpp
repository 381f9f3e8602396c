#include "proxy/ssh/own_view.hpp"

#include <gtest/gtest.h>

#include "proxy/ssh/connection.hpp"

namespace gatehouse::proxy::ssh {
namespace {

using words = std::vector<std::string>;

TEST(SplitCommandLine, ShellLikeWords) {
  EXPECT_EQ(split_command_line("request root@web01 --reason fix"),
            (words{"request", "root@web01", "--reason", "fix"}));
  EXPECT_EQ(split_command_line("request  r@w --reason \"fix the disk\" --duration 2h"),
            (words{"request", "r@w", "--reason", "fix the disk", "--duration", "2h"}));
  EXPECT_EQ(split_command_line("a 'b c' d\\ e \"x\\\"y\""), (words{"a", "b c", "d e", "x\"y"}));
  EXPECT_EQ(split_command_line("''"), (words{""}));
  EXPECT_EQ(split_command_line("   "), words{});
}

TEST(SourceAddress, FromPeer) {
  EXPECT_EQ(source_address("10.0.0.1:5555"), "10.0.0.1");
  EXPECT_EQ(source_address("[::1]:22"), "::1");
  EXPECT_EQ(source_address("::1:22"), "::1");
}

}  // namespace
}  // namespace gatehouse::proxy::ssh
