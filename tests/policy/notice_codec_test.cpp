// policy/notice_codec: a notification survives the store as text, whatever bytes its comment
// holds, and anything else is refused rather than told wrongly.
#include "policy/notice_codec.hpp"

#include <gtest/gtest.h>

namespace gatehouse::policy {
namespace {

TEST(NoticeCodec, EveryKindRoundTrips) {
  notification ask;
  ask.what = notification::kind::ask_approvers;
  ask.level = 2;
  ask.people = {"bob", "carol"};
  notification tell;
  tell.what = notification::kind::tell_requester;
  tell.about = happening_kind::grant_revoked;
  tell.by = "bob";
  tell.comment = std::string("caf\xe9 \x1b[2J\n\"done\"");  // not UTF-8, an escape sequence
  notification emergency;
  emergency.what = notification::kind::tell_emergency;
  emergency.people = {"erin"};
  for (const notification& n : {ask, tell, emergency}) {
    auto back = decode_notice(encode_notice(n));
    ASSERT_TRUE(back.has_value()) << encode_notice(n);
    EXPECT_EQ(back->what, n.what);
    EXPECT_EQ(back->level, n.level);
    EXPECT_EQ(back->people, n.people);
    EXPECT_EQ(back->about, n.about);
    EXPECT_EQ(back->by, n.by);
    EXPECT_EQ(back->comment, n.comment);
  }
}

TEST(NoticeCodec, AnythingElseIsRefused) {
  for (
      const char* text :
      {"", "null", "[]", "{}", "{\"what\":\"tell_requester\"}",
       R"({"what":"shout","level":0,"people":[],"about":"request.approved","by":"","comment":""})",
       R"({"what":"tell_requester","level":-1,"people":[],"about":"request.approved","by":"","comment":""})",
       R"({"what":"tell_requester","level":0,"people":[1],"about":"request.approved","by":"","comment":""})",
       R"({"what":"tell_requester","level":0,"people":[],"about":"request.nope","by":"","comment":""})"})
    EXPECT_FALSE(decode_notice(text).has_value()) << text;
}

TEST(NoticeCodec, OncePrefixNamesTheNotice) { EXPECT_EQ(notice_once_prefix(42), "notice-42/"); }

}  // namespace
}  // namespace gatehouse::policy
