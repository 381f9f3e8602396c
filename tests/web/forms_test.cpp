#include "web/forms.hpp"

#include <gtest/gtest.h>

#include "web/html.hpp"

namespace gatehouse::web {
namespace {

TEST(Forms, DecodesUrlencodedBodies) {
  auto f = parse_form("csrf=a%2Bb&comment=looks+good%21&action=approve&empty=&=skipped&bad=%zz");
  EXPECT_EQ(f["csrf"], "a+b");
  EXPECT_EQ(f["comment"], "looks good!");
  EXPECT_EQ(f["action"], "approve");
  EXPECT_EQ(f["empty"], "");
  EXPECT_EQ(f.count("bad"), 0u);
  EXPECT_EQ(f.count(""), 0u);
}

TEST(Forms, FirstOfRepeatedKeysWins) {
  EXPECT_EQ(parse_form("action=deny&action=approve")["action"], "deny");
}

TEST(Forms, EveryValueOfARepeatedKeyInOrder) {
  EXPECT_EQ(form_values("approvers=bob&x=1&approvers=carol%20d&approvers=%zz", "approvers"),
            (std::vector<std::string>{"bob", "carol d"}));
  EXPECT_TRUE(form_values("x=1", "approvers").empty());
}

TEST(Forms, MalformedEscapesAreRefused) {
  EXPECT_FALSE(url_decode("%").has_value());
  EXPECT_FALSE(url_decode("%4").has_value());
  EXPECT_FALSE(url_decode("%g0").has_value());
  EXPECT_EQ(*url_decode("%41%62"), "Ab");
}

TEST(Forms, EncodesForQueries) {
  EXPECT_EQ(url_encode("/approvals/a b&c"), "/approvals/a%20b%26c");
}

TEST(Forms, ReadsCookies) {
  EXPECT_EQ(cookie_value("a=1; __Host-gatehouse=tok; b=2", "__Host-gatehouse"), "tok");
  EXPECT_EQ(cookie_value("a=1", "__Host-gatehouse"), "");
  EXPECT_EQ(cookie_value("", "x"), "");
}

TEST(Forms, SplitsPathsAndOrigins) {
  auto p = path_segments("/requests/7/approve/");
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[2], "approve");
  EXPECT_EQ(origin_of("https://gate.example:8443/approvals/x"), "https://gate.example:8443");
  EXPECT_EQ(origin_of("https://gate.example"), "https://gate.example");
}

TEST(Html, EscapesEverythingThatMatters) {
  EXPECT_EQ(escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

}  // namespace
}  // namespace gatehouse::web
