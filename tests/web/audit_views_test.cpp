// The audit pages' pure parts: the search filters, sessions folded from events, recording
// names, request history filters and CSV.
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "web/audit_search.hpp"
#include "web/audit_sessions.hpp"
#include "web/request_history.hpp"

namespace gatehouse::web {
namespace {

boost::json::object event(std::string_view text) { return boost::json::parse(text).as_object(); }

TEST(AuditSearch, KeepsGivenFiltersAndDropsEmptyOnes) {
  std::string error;
  auto s =
      audit_search_from("person=alice&server=&event=sftp.*&emergency=1&limit=50", 200, 1000, error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(*s->query.person, "alice");
  EXPECT_FALSE(s->query.server);
  EXPECT_EQ(*s->query.event, "sftp.*");
  EXPECT_TRUE(s->query.emergency_only);
  EXPECT_EQ(s->query.limit, 50u);
  EXPECT_EQ(s->query_string("limit=100"), "person=alice&event=sftp.%2A&emergency=1&limit=100");
  EXPECT_EQ(s->value("person"), "alice");
  EXPECT_EQ(s->value("server"), "");
}

TEST(AuditSearch, LimitDefaultsAndIsCapped) {
  std::string error;
  EXPECT_EQ(audit_search_from("", 200, 1000, error)->query.limit, 200u);
  EXPECT_EQ(audit_search_from("limit=999999", 200, 1000, error)->query.limit, 1000u);
  EXPECT_FALSE(audit_search_from("limit=0", 200, 1000, error));
  EXPECT_FALSE(audit_search_from("limit=-3", 200, 1000, error));
  EXPECT_NE(error.find("limit"), std::string::npos);
}

TEST(AuditSearch, TimesAcceptDatesAndDatetimeLocal) {
  EXPECT_EQ(complete_time("2026-11-22"), "2026-11-22T00:00:00Z");
  EXPECT_EQ(complete_time("2026-11-22T10:30"), "2026-11-22T10:30:00Z");
  EXPECT_EQ(complete_time("2026-11-22T10:30:00.000Z"), "2026-11-22T10:30:00.000Z");
  EXPECT_EQ(complete_time("2026-1-22"), "2026-1-22");
  std::string error;
  auto s = audit_search_from("since=2026-11-22&until=2026-11-23T08%3A00", 200, 1000, error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(format_rfc3339(*s->query.since), "2026-11-22T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339(*s->query.until), "2026-11-23T08:00:00.000Z");
  EXPECT_FALSE(audit_search_from("since=yesterday", 200, 1000, error));
  EXPECT_NE(error.find("since"), std::string::npos);
}

TEST(AuditSessions, FoldsStartRecordingAndEndNewestFirst) {
  std::vector<boost::json::object> events = {
      event(R"({"ts":"T1","event":"session.start","session":"ssh-a-1","person":"alice",)"
            R"("server":"web01","account":"root","protocol":"ssh","client":"127.0.0.1:5"})"),
      event(
          R"({"ts":"T2","event":"session.recording","session":"ssh-a-1","path":"/r/ssh-a-1.cast"})"),
      event(R"({"ts":"T3","event":"session.start","session":"ssh-a-2","person":"bob"})"),
      event(R"({"ts":"T4","event":"auth.success","session":"ssh-a-1"})"),
      event(R"({"ts":"T5","event":"session.end","session":"ssh-a-1","bytes_in":10,)"
            R"("bytes_out":20,"duration_s":65,"reason":"closed",)"
            R"("recordings":["/r/ssh-a-1.cast","/r/ssh-a-1.2.cast"]})"),
      event(R"({"ts":"T6","event":"session.end","session":"ssh-a-0","bytes_in":1})"),
  };
  auto rows = sessions_from_events(events);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].id, "ssh-a-0");  // started before the events read: no start
  EXPECT_EQ(rows[0].started, "");
  EXPECT_EQ(rows[1].id, "ssh-a-2");
  EXPECT_EQ(rows[1].ended, "");
  const auto& a = rows[2];
  EXPECT_EQ(a.person, "alice");
  EXPECT_EQ(a.account, "root");
  EXPECT_EQ(a.server, "web01");
  EXPECT_EQ(a.started, "T1");
  EXPECT_EQ(a.ended, "T5");
  EXPECT_EQ(*a.bytes_in, 10);
  EXPECT_EQ(*a.bytes_out, 20);
  EXPECT_EQ(*a.duration_s, 65);
  EXPECT_EQ(a.end_reason, "closed");
  EXPECT_EQ(a.recordings, (std::vector<std::string>{"/r/ssh-a-1.cast", "/r/ssh-a-1.2.cast"}));
}

TEST(AuditSessions, RecordingNamesNameASession) {
  EXPECT_EQ(recording_name("/var/lib/gatehouse/recordings/ssh-ab12cd-7.cast"), "ssh-ab12cd-7.cast");
  EXPECT_EQ(session_of_recording_name("ssh-ab12cd-7.cast"), "ssh-ab12cd-7");
  EXPECT_EQ(session_of_recording_name("ssh-ab12cd-7.2.cast"), "ssh-ab12cd-7");
  for (const char* bad : {"", ".cast", "ssh-1", "../x.cast", "a/b.cast", "ssh-1..cast",
                          "ssh-1.x.cast", "ssh-1.2.3.cast", "ssh 1.cast", "%2e%2e.cast"})
    EXPECT_EQ(session_of_recording_name(bad), "") << bad;
}

policy::request sample_request() {
  policy::request r;
  r.id = 7;
  r.requester = "bob";
  r.server = "db01";
  r.account = "postgres";
  r.justification = "db down, \"now\"";
  r.emergency = true;
  r.state = policy::request_state::approved;
  r.post_approval = policy::post_approval::pending;
  r.decisions.push_back({"carol", policy::verdict::approve, "ok", {}, 0, false});
  r.comments.push_back({"bob", "on it", {}});
  r.grant = 3;
  return r;
}

TEST(RequestHistory, FiltersByStateEmergencyAndId) {
  std::string error;
  auto f = request_history_filter_from("person=bob&server=&state=approved&emergency=1", error);
  ASSERT_TRUE(f) << error;
  EXPECT_EQ(*f->store.requester, "bob");
  EXPECT_FALSE(f->store.server);
  EXPECT_EQ(*f->store.state, policy::request_state::approved);
  auto r = sample_request();
  EXPECT_TRUE(matches(*f, r));
  r.emergency = false;
  EXPECT_FALSE(matches(*f, r));
  EXPECT_FALSE(matches(*request_history_filter_from("request=8", error), sample_request()));
  EXPECT_FALSE(request_history_filter_from("state=gone", error));
  EXPECT_FALSE(request_history_filter_from("request=x", error));
}

TEST(RequestHistory, CsvQuotesAndNamesTheDeciders) {
  EXPECT_EQ(decided_by(sample_request()), "carol (approve): ok");
  auto row = request_csv_row(sample_request());
  EXPECT_TRUE(row.starts_with(R"(7,bob,db01,postgres,ssh,true,"db down, ""now""",approved,)"))
      << row;
  EXPECT_NE(row.find(",carol (approve): ok,bob: on it,3\r\n"), std::string::npos) << row;
  EXPECT_TRUE(request_csv_header().starts_with("id,requester,server,"));
}

}  // namespace
}  // namespace gatehouse::web
