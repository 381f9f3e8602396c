// parse_request_action: the named arguments of the admin API's bodies and the web's forms
// become one typed action, or one refusal that names the bad argument.
#include "operations/request_action.hpp"

#include <gtest/gtest.h>

#include <map>

namespace gatehouse::operations {
namespace {

// Arguments from a map; a value "<number>" stands for one that is not text.
argument_reader from(std::map<std::string, std::string> args) {
  return [args = std::move(args)](
             std::string_view name) -> policy::result<std::optional<std::string>> {
    auto it = args.find(std::string(name));
    if (it == args.end()) return std::optional<std::string>{};
    if (it->second == "<number>")
      return policy::make_error(policy::error_code::invalid,
                                std::string(name) + " must be a string");
    return std::optional<std::string>(it->second);
  };
}

TEST(RequestAction, ApproveTakesCommentDurationAndUntil) {
  auto a = parse_request_action(
      "approve",
      from({{"comment", "ok"}, {"duration", "1h30m"}, {"until", "2026-12-01T10:00:00Z"}}));
  ASSERT_TRUE(a) << a.message();
  const auto& approve = std::get<approve_action>(*a);
  EXPECT_EQ(approve.options.comment, "ok");
  EXPECT_EQ(approve.options.duration, std::chrono::minutes(90));
  ASSERT_TRUE(approve.options.until);
  EXPECT_EQ(format_rfc3339(*approve.options.until), "2026-12-01T10:00:00.000Z");
  EXPECT_FALSE(approve.options.admin_override) << "the actor decides that, not the arguments";
}

TEST(RequestAction, EachActionReadsItsOwnArguments) {
  auto deny = parse_request_action("deny", from({{"comment", "no"}}));
  ASSERT_TRUE(deny);
  EXPECT_EQ(std::get<deny_action>(*deny).comment, "no");
  EXPECT_TRUE(std::holds_alternative<cancel_action>(*parse_request_action("cancel", from({}))));
  auto comment = parse_request_action("comment", from({{"text", "why?"}}));
  ASSERT_TRUE(comment);
  EXPECT_EQ(std::get<comment_action>(*comment).text, "why?");
  auto reassign = parse_request_action("reassign", from({{"to", "erin"}}));
  ASSERT_TRUE(reassign);
  EXPECT_EQ(std::get<reassign_action>(*reassign).to, "erin");
}

TEST(RequestAction, RefusalsNameTheBadArgument) {
  auto expect_refused = [](const policy::result<request_action>& r, policy::error_code code,
                           const std::string& message) {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.code(), code);
    EXPECT_EQ(r.message(), message);
  };
  expect_refused(parse_request_action("frobnicate", from({})), policy::error_code::not_found,
                 "no such action: frobnicate");
  expect_refused(parse_request_action("approve", from({{"duration", "soon"}})),
                 policy::error_code::invalid, "bad duration 'soon' (use 30m, 2h, 1d, ...)");
  expect_refused(parse_request_action("approve", from({{"until", "tomorrow"}})),
                 policy::error_code::invalid, "bad time 'tomorrow' (use RFC 3339)");
  expect_refused(parse_request_action("comment", from({})), policy::error_code::invalid,
                 "a comment needs text");
  expect_refused(parse_request_action("comment", from({{"text", ""}})), policy::error_code::invalid,
                 "a comment needs text");
  expect_refused(parse_request_action("reassign", from({})), policy::error_code::invalid,
                 "reassign needs `to`");
  // The comment is read first, whatever the action (as the admin API always did).
  expect_refused(parse_request_action("cancel", from({{"comment", "<number>"}})),
                 policy::error_code::invalid, "comment must be a string");
  expect_refused(parse_request_action("frobnicate", from({{"comment", "<number>"}})),
                 policy::error_code::invalid, "comment must be a string");
}

TEST(RequestAction, DurationArgument) {
  EXPECT_EQ(*duration_argument(from({})), std::nullopt);
  EXPECT_EQ(*duration_argument(from({{"duration", "2h"}})), std::chrono::hours(2));
  EXPECT_FALSE(duration_argument(from({{"duration", "0s"}})));
}

}  // namespace
}  // namespace gatehouse::operations
