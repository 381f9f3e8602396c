// read_filing_arguments: the window and approvers of a filing from the named arguments that the
// admin API's body and the SSH `request` command give, or one refusal naming the bad one.
#include "operations/filing_arguments.hpp"

#include <gtest/gtest.h>

#include <map>

namespace gatehouse::operations {
namespace {

argument_reader from(std::map<std::string, std::string> args) {
  return [args = std::move(args)](
             std::string_view name) -> policy::result<std::optional<std::string>> {
    auto it = args.find(std::string(name));
    if (it == args.end()) return std::optional<std::string>{};
    return std::optional<std::string>(it->second);
  };
}

const time_point now = *parse_rfc3339("2026-12-07T10:00:00Z");

TEST(FilingArguments, NothingGivenLeavesTheRuleToDecide) {
  policy::filing f;
  ASSERT_TRUE(read_filing_arguments(from({}), now, f));
  EXPECT_FALSE(f.start || f.duration || f.until || f.window);
  EXPECT_TRUE(f.chosen_approvers.empty());
}

TEST(FilingArguments, StartIsATimeOrAnOffsetFromNow) {
  policy::filing f;
  ASSERT_TRUE(read_filing_arguments(from({{"start", "+2h"}, {"duration", "30m"}}), now, f));
  EXPECT_EQ(f.start, now + std::chrono::hours(2));
  EXPECT_EQ(f.duration, std::chrono::minutes(30));
  policy::filing g;
  ASSERT_TRUE(read_filing_arguments(
      from({{"start", "2026-12-08T09:00:00+01:00"}, {"until", "2026-12-08T12:00:00Z"}}), now, g));
  EXPECT_EQ(format_rfc3339(*g.start), "2026-12-08T08:00:00.000Z");
  EXPECT_EQ(format_rfc3339(*g.until), "2026-12-08T12:00:00.000Z");
}

TEST(FilingArguments, ApproversAreACommaSeparatedList) {
  policy::filing f;
  ASSERT_TRUE(read_filing_arguments(from({{"approvers", "bob, carol,,dave "}}), now, f));
  EXPECT_EQ(f.chosen_approvers, (std::vector<std::string>{"bob", "carol", "dave"}));
  EXPECT_EQ(split_names(""), std::vector<std::string>{});
}

TEST(FilingArguments, TitleIsKeptAsGivenUpToItsBound) {
  policy::filing f;
  ASSERT_TRUE(read_filing_arguments(from({{"title", "disk \"full\" \x01"}}), now, f));
  EXPECT_EQ(f.title, "disk \"full\" \x01");
  policy::filing g;
  ASSERT_TRUE(
      read_filing_arguments(from({{"title", std::string(policy::max_title_bytes, 'x')}}), now, g));
  auto over = read_filing_arguments(
      from({{"title", std::string(policy::max_title_bytes + 1, 'x')}}), now, g);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.message(), "title: at most 200 bytes");
}

TEST(FilingArguments, RefusalsNameTheBadArgument) {
  auto refusal = [](std::map<std::string, std::string> args) {
    policy::filing f;
    auto r = read_filing_arguments(from(std::move(args)), now, f);
    EXPECT_FALSE(r);
    EXPECT_EQ(r.code(), policy::error_code::invalid);
    return r.message();
  };
  EXPECT_EQ(refusal({{"start", "tomorrow"}}), "bad start 'tomorrow' (use an RFC 3339 time or +2h)");
  EXPECT_EQ(refusal({{"start", "+soon"}}),
            "bad start '+soon' (use +30m, +2h, or an RFC 3339 time)");
  EXPECT_EQ(refusal({{"duration", "long"}}), "bad duration 'long' (use 30m, 2h, 1d, ...)");
  EXPECT_EQ(refusal({{"until", "noon"}}), "bad time 'noon' (use RFC 3339)");
  EXPECT_EQ(refusal({{"approvers", " , "}}), "approvers: name at least one person");
}

}  // namespace
}  // namespace gatehouse::operations
