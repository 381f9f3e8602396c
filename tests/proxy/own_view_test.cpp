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

}  // namespace
}  // namespace gatehouse::proxy::ssh
