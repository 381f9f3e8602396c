#include "audit/chain_line.hpp"

#include <gtest/gtest.h>

#include "audit_test_support.hpp"

namespace gatehouse::audit {
namespace {

using testing::make_event;

TEST(ChainLine, FirstLineHasTheDocumentedShape) {
  auto e = make_event("session.start", {{"person", "alice"}, {"bytes_in", "12"}, {"ts", "x"}});
  e.json_fields.insert("bytes_in");
  auto line = format_line(e, {});
  std::string body =
      "{\"ts\":\"2026-11-18T11:06:40.123Z\",\"seq\":1,\"event\":\"session.start\",\"bytes_in\":12,"
      "\"field_ts\":\"x\",\"person\":\"alice\",\"prev_hash\":\"" +
      genesis_hash + "\"}";
  EXPECT_EQ(line.hash, sha256_hex(body));
  EXPECT_EQ(line.text, body.substr(0, body.size() - 1) + ",\"hash\":\"" + line.hash + "\"}");
  std::string problem;
  auto checked = check_line(line.text, problem);
  ASSERT_TRUE(checked) << problem;
  EXPECT_EQ(checked->seq, 1u);
  EXPECT_EQ(checked->prev_hash, genesis_hash);
  EXPECT_EQ(checked->hash, line.hash);
}

TEST(ChainLine, AReservedKeyMeetingItsRenamedTwinKeepsOneMemberAndNumbersStayExact) {
  auto e = make_event("x", {{"field_ts", "a"},
                            {"ts", "b"},
                            {"n", "-5"},
                            {"z", "0"},
                            {"lead", "007"},
                            {"big", "12345678901234567890"}});
  for (const char* k : {"n", "z", "lead", "big"}) e.json_fields.insert(k);
  auto text = format_line(e, {}).text;
  EXPECT_NE(text.find(R"("event":"x","big":12345678901234567890,"field_ts":"b","lead":"007",)"
                      R"("n":-5,"z":0,"prev_hash")"),
            std::string::npos)
      << text;
}

TEST(ChainLine, KnownSha256) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ChainLine, NextLineChainsOnThePrevious) {
  auto first = format_line(make_event("a"), {});
  auto second = format_line(make_event("b"), {1, first.hash});
  std::string problem;
  auto checked = check_line(second.text, problem);
  ASSERT_TRUE(checked);
  EXPECT_EQ(checked->seq, 2u);
  EXPECT_EQ(checked->prev_hash, first.hash);
}

TEST(ChainLine, EscapesAndRejectsFakeJson) {
  auto e = make_event("exec.command", {{"command", "echo \"hi\"\n\x01"}, {"n", "not json"}});
  e.json_fields.insert("n");
  auto line = format_line(e, {});
  EXPECT_NE(line.text.find(R"("command":"echo \"hi\"\n\u0001")"), std::string::npos);
  EXPECT_NE(line.text.find(R"("n":"not json")"), std::string::npos);
  std::string problem;
  EXPECT_TRUE(check_line(line.text, problem)) << problem;
}

TEST(ChainLine, DetectsAnyEdit) {
  auto line = format_line(make_event("auth.success", {{"person", "alice"}}), {}).text;
  std::string problem;
  auto edited = line;
  edited.replace(edited.find("alice"), 5, "mallo");
  EXPECT_FALSE(check_line(edited, problem));
  EXPECT_NE(problem.find("edited"), std::string::npos);
  EXPECT_FALSE(check_line(line.substr(0, line.size() - 3), problem));
  EXPECT_FALSE(check_line("", problem));
  EXPECT_FALSE(check_line("{\"hash\":\"" + std::string(64, 'a') + "\"}", problem));
}

}  // namespace
}  // namespace gatehouse::audit
