// Bytes that are not UTF-8 in audit events: new lines are strict JSON in the lossless form
// (FORMAT.md "Text from outside"); lines that an older version wrote with raw bytes still
// verify, are named by verify, and are read by queries and the CSV export.
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "audit/chain_line.hpp"
#include "audit/event_log.hpp"
#include "audit/query.hpp"
#include "audit/verify.hpp"
#include "audit_test_support.hpp"
#include "core/untrusted_text.hpp"

namespace gatehouse::audit {
namespace {

TEST(UntrustedLines, NewLinesAreStrictJsonAndKeepTheBytes) {
  auto dir = testing::scratch_dir("untrusted_new_lines");
  auto path = (dir / "audit.jsonl").string();
  {
    event_log log({path, 1 << 20});
    log.record(testing::make_event("request.created", {{"justification", "caf\xe9 \x1b[2J"}}));
    log.record(testing::make_event("auth.failure", {{"user", "\xff\xfe"}}));
  }
  for (const auto& line : testing::read_lines(path)) {
    EXPECT_TRUE(is_valid_utf8(line)) << line;
    boost::system::error_code ec;
    boost::json::parse(line, ec);  // strict
    EXPECT_FALSE(ec) << line;
  }
  auto r = verify_files({path});
  EXPECT_TRUE(r.intact) << r.summary();
  EXPECT_EQ(r.raw_byte_count, 0u);
  std::string error;
  auto events = find_events({path}, {}, error);
  ASSERT_EQ(events.size(), 3u);  // the genesis record, then the two events
  EXPECT_EQ(events[1].at("justification").as_string(), "caf\xe9 \x1b[2J");
  EXPECT_EQ(events[2].at("user").as_string(), "\xff\xfe");
}

TEST(UntrustedLines, OldLinesWithRawBytesVerifyAndAreNamed) {
  auto dir = testing::scratch_dir("untrusted_old_lines");
  auto path = (dir / "audit.jsonl").string();
  // As a version before the lossless form wrote it: the raw byte inside the JSON string.
  std::vector<std::string> lines;
  chain_position at;
  for (int i = 1; i <= 3; ++i) {
    std::string reason = i == 2 ? "caf\xe9" : "fine";
    std::string line = "{\"ts\":\"2026-11-22T10:04:00.000Z\",\"seq\":" + std::to_string(i) +
                       ",\"event\":\"request.created\",\"justification\":\"" + reason +
                       "\",\"person\":\"alice\",\"prev_hash\":\"" + at.hash + "\"}";
    auto hash = sha256_hex(line);
    line.pop_back();
    lines.push_back(line + ",\"hash\":\"" + hash + "\"}");
    at = {static_cast<std::uint64_t>(i), hash};
  }
  testing::write_lines(path, lines);
  auto r = verify_files({path});
  EXPECT_TRUE(r.intact) << r.summary();
  EXPECT_EQ(r.raw_byte_count, 1u);
  ASSERT_EQ(r.raw_byte_lines.size(), 1u);
  EXPECT_EQ(r.raw_byte_lines[0], path + ":2");
  EXPECT_NE(r.summary().find("1 line(s) hold bytes that are not UTF-8"), std::string::npos);

  std::string error;
  auto events = find_events({path}, {}, error);
  ASSERT_EQ(events.size(), 3u) << error;
  EXPECT_EQ(events[1].at("justification").as_string(), "caf\xe9");
  auto row = csv_row(events[1]);
  EXPECT_TRUE(is_valid_utf8(row));
  EXPECT_NE(row.find("caf\\xE9"), std::string::npos) << row;  // in the details JSON
}

}  // namespace
}  // namespace gatehouse::audit
