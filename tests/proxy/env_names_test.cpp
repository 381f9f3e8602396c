#include "proxy/ssh/env_names.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace gatehouse::proxy::ssh {
namespace {

TEST(WildcardMatch, StarsAndQuestionMarks) {
  EXPECT_TRUE(wildcard_match("LANG", "LANG"));
  EXPECT_FALSE(wildcard_match("LANG", "LANGUAGE"));
  EXPECT_FALSE(wildcard_match("LANG", "LAN"));
  EXPECT_TRUE(wildcard_match("LC_*", "LC_ALL"));
  EXPECT_TRUE(wildcard_match("LC_*", "LC_"));
  EXPECT_FALSE(wildcard_match("LC_*", "XLC_ALL"));
  EXPECT_FALSE(wildcard_match("LC_*", "lc_all"));
  EXPECT_TRUE(wildcard_match("*_NAME", "GIT_AUTHOR_NAME"));
  EXPECT_TRUE(wildcard_match("A*B*C", "AxxBxxBxxC"));
  EXPECT_FALSE(wildcard_match("A*B*C", "AxxBxxBxx"));
  EXPECT_TRUE(wildcard_match("T?", "TZ"));
  EXPECT_FALSE(wildcard_match("T?", "T"));
  EXPECT_TRUE(wildcard_match("*", ""));
  EXPECT_FALSE(wildcard_match("", "X"));
  // Many stars against a long non-matching text stays quick (no exponential backtracking).
  EXPECT_FALSE(wildcard_match("*a*a*a*a*a*a*a*a*b", std::string(5000, 'a')));
}

TEST(EnvNames, DefaultListAcceptsLocaleOnly) {
  const std::vector<std::string> defaults = {"LANG", "LC_*"};
  EXPECT_TRUE(env_name_accepted(defaults, "LANG"));
  EXPECT_TRUE(env_name_accepted(defaults, "LC_CTYPE"));
  EXPECT_FALSE(env_name_accepted(defaults, "LD_PRELOAD"));
  EXPECT_FALSE(env_name_accepted(defaults, "EVIL"));
  EXPECT_FALSE(env_name_accepted(defaults, ""));
  EXPECT_FALSE(env_name_accepted(std::vector<std::string>{}, "LANG"));
}

}  // namespace
}  // namespace gatehouse::proxy::ssh
