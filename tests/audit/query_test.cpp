#include "audit/query.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <fstream>

#include "audit/event_log.hpp"
#include "audit/log_files.hpp"
#include "audit_test_support.hpp"

namespace gatehouse::audit {
namespace {

using testing::make_event;

class Query : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir =
        testing::scratch_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    path_ = (dir / "audit.jsonl").string();
    event_log log({path_, 800});
    auto at = [](std::string name, std::int64_t minute, policy::audit_fields f) {
      auto e = make_event(std::move(name), std::move(f));
      e.at = *parse_rfc3339("2026-11-22T10:00:00Z") + std::chrono::minutes(minute);
      return e;
    };
    log.record(
        at("request.created", 0, {{"request", "7"}, {"requester", "alice"}, {"server", "web01"}}));
    log.record(
        at("request.approved", 1,
           {{"request", "7"}, {"requester", "alice"}, {"actor", "bob"}, {"server", "web01"}}));
    log.record(
        at("access.emergency", 2,
           {{"request", "8"}, {"requester", "carol"}, {"server", "db01"}, {"emergency", "true"}}));
    log.record(
        at("session.start", 3, {{"person", "alice"}, {"server", "web01"}, {"session", "s-1"}}));
    log.record(at(
        "sftp.open", 4,
        {{"person", "alice"}, {"server", "web01"}, {"session", "s-1"}, {"path", "/etc/a,\"b\""}}));
    log.record(
        at("sftp.remove", 5,
           {{"person", "alice"}, {"server", "web01"}, {"session", "s-1"}, {"path", "/tmp/x"}}));
    log.record(
        at("session.end", 6, {{"person", "alice"}, {"server", "web01"}, {"session", "s-1"}}));
  }
  std::vector<std::string> names(const query& q) {
    std::string error;
    auto found = find_events(chain_files(path_), q, error);
    EXPECT_EQ(error, "");
    std::vector<std::string> out;
    for (const auto& e : found) out.emplace_back(e.at("event").as_string());
    return out;
  }
  std::string path_;
};

using names_t = std::vector<std::string>;

TEST_F(Query, AllEventsInOrderAcrossRotation) {
  EXPECT_GE(chain_files(path_).size(), 2u);
  EXPECT_EQ(names({}).size(), 8u);  // audit.genesis and the seven events
}

TEST_F(Query, ByPersonMatchesPersonRequesterAndActor) {
  query q;
  q.person = "bob";
  EXPECT_EQ(names(q), names_t{"request.approved"});
  q.person = "alice";
  EXPECT_EQ(names(q).size(), 6u);
}

TEST_F(Query, ByEventExactAndPrefix) {
  query q;
  q.event = "sftp.*";
  EXPECT_EQ(names(q), (names_t{"sftp.open", "sftp.remove"}));
  q.event = "sftp.remove";
  EXPECT_EQ(names(q), names_t{"sftp.remove"});
}

TEST_F(Query, ByServerRequestSessionEmergencyAndTime) {
  query q;
  q.server = "db01";
  EXPECT_EQ(names(q), names_t{"access.emergency"});
  q = {};
  q.request = "7";
  EXPECT_EQ(names(q), (names_t{"request.created", "request.approved"}));
  q = {};
  q.session = "s-1";
  EXPECT_EQ(names(q).size(), 4u);
  q = {};
  q.emergency_only = true;
  EXPECT_EQ(names(q), names_t{"access.emergency"});
  q = {};
  q.since = parse_rfc3339("2026-11-22T10:03:00Z");
  q.until = parse_rfc3339("2026-11-22T10:05:00Z");
  EXPECT_EQ(names(q), (names_t{"session.start", "sftp.open"}));
  q.limit = 1;
  EXPECT_EQ(names(q), names_t{"sftp.open"});
}

TEST_F(Query, FromParameters) {
  std::string error;
  auto q = query_from_parameters(
      {{"person", "alice"}, {"event", "sftp.*"}, {"since", "2026-11-22T10:05:00Z"}}, error);
  ASSERT_TRUE(q) << error;
  EXPECT_EQ(names(*q), names_t{"sftp.remove"});
  EXPECT_FALSE(query_from_parameters({{"since", "yesterday"}}, error));
  EXPECT_EQ(error, "since: not an RFC 3339 time: yesterday");
  EXPECT_FALSE(query_from_parameters({{"colour", "red"}}, error));
}

TEST_F(Query, CsvHasAHeaderAndQuotesProperly) {
  EXPECT_EQ(
      csv_header(),
      "ts,seq,event,person,server,account,protocol,session,request,grant,reason,path,details\r\n");
  query q;
  q.event = "sftp.open";
  std::string error;
  auto found = find_events(chain_files(path_), q, error);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(csv_row(found[0]),
            "2026-11-22T10:04:00.000Z,6,sftp.open,alice,web01,,,s-1,,,,\"/etc/a,\"\"b\"\"\",\r\n");
  q.event = "request.approved";
  found = find_events(chain_files(path_), q, error);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(csv_row(found[0]),
            "2026-11-22T10:01:00.000Z,3,request.approved,alice,web01,,,,7,,,,\"{\"\"actor\"\":"
            "\"\"bob\"\"}\"\r\n");
}

TEST(CsvField, DefusesWhatASpreadsheetWouldRunAsAFormula) {
  EXPECT_EQ(csv_field("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"");
  EXPECT_EQ(csv_field("+1"), "'+1");
  EXPECT_EQ(csv_field("-2+3"), "'-2+3");
  EXPECT_EQ(csv_field("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(csv_field("\tx"), "'\tx");
  EXPECT_EQ(csv_field("/srv/=notes"), "/srv/=notes");
  EXPECT_EQ(csv_field(""), "");
  EXPECT_EQ(csv_field("42"), "42");
}

// With a limit the files are read from the end in chunks; the result must be what reading
// everything gives, across chunk and file boundaries, with blank, garbage and torn lines.
TEST(QueryLimit, NewestMatchesAreTheTailOfTheFullScan) {
  auto dir = testing::scratch_dir("QueryLimitTail");
  std::vector<std::string> files;
  int seq = 0;
  for (int f = 1; f <= 3; ++f) {
    files.push_back((dir / ("audit.jsonl." + std::to_string(f))).string());
    std::ofstream out(files.back(), std::ios::binary | std::ios::trunc);
    const int lines = f == 2 ? 9000 : 3000;  // file 2 spans several 1 MiB chunks
    for (int i = 0; i < lines; ++i, ++seq) {
      out << R"({"ts":"2026-11-22T10:00:00.000Z","seq":)" << seq << R"(,"event":")"
          << (seq % 3 == 0 ? "session.start" : "sftp.open") << R"(","person":")"
          << (seq % 2 ? "alice" : "bob") << R"(","path":")" << std::string(180, 'x') << "\"}\n";
      if (seq % 1000 == 0) out << "\nnot json\n";
    }
    if (f == 3) out << R"({"seq":-1,"event":"sftp.open","person":"alice"})";  // torn: no \n
  }
  for (auto [person, event] : {std::pair<const char*, const char*>{"alice", "sftp.*"},
                               {"bob", "session.start"},
                               {"carol", "sftp.*"}}) {
    query all;
    all.person = person;
    all.event = event;
    std::string error;
    auto everything = find_events(files, all, error);
    ASSERT_EQ(error, "");
    for (std::size_t limit : {1u, 2u, 200u, 2500u, 4000u, 6000u, 20000u}) {
      auto q = all;
      q.limit = limit;
      auto newest = find_events(files, q, error);
      ASSERT_EQ(error, "");
      auto from = everything.size() > limit ? everything.size() - limit : 0;
      ASSERT_EQ(newest.size(), everything.size() - from) << person << " " << limit;
      for (std::size_t i = 0; i < newest.size(); ++i)
        ASSERT_EQ(newest[i], everything[from + i]) << person << " " << limit << " " << i;
    }
  }
  query q;
  q.limit = 5;
  std::string error;
  EXPECT_TRUE(find_events({(dir / "missing").string()}, q, error).empty());
  EXPECT_NE(error.find("cannot read"), std::string::npos);
}

}  // namespace
}  // namespace gatehouse::audit
