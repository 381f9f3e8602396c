// The trail's answer to the policy core's "recorded before the change?": false only when the
// log cannot take the line and audit.on_write_failure is `refuse`.
#include "audit/trail.hpp"

#include <gtest/gtest.h>

#include "audit_test_support.hpp"

namespace gatehouse::audit {
namespace {

using testing::make_event;
using testing::read_lines;
using testing::scratch_dir;

config::audit_settings settings_for(const std::string& log, config::write_failure mode) {
  config::audit_settings s;
  s.log = log;
  s.on_write_failure = mode;
  return s;
}

TEST(Trail, RecordsAheadOfAChangeWhenTheLogIsWritable) {
  auto dir = scratch_dir("trail");
  trail t(settings_for((dir / "audit.jsonl").string(), config::write_failure::refuse));
  EXPECT_TRUE(t.record_before_change(make_event("request.approved")));
  ASSERT_EQ(read_lines(dir / "audit.jsonl").size(), 2u);  // after the genesis record
  EXPECT_NE(read_lines(dir / "audit.jsonl")[1].find("\"event\":\"request.approved\""),
            std::string::npos);
}

TEST(Trail, AnUnwritableLogRefusesTheChangeUnderRefuse) {
  trail t(settings_for("/dev/full", config::write_failure::refuse));
  EXPECT_FALSE(t.record_before_change(make_event("request.approved")));
  EXPECT_FALSE(t.sessions_allowed());
}

TEST(Trail, AnUnwritableLogLetsTheChangeGoOnUnderContinue) {
  trail t(settings_for("/dev/full", config::write_failure::keep_going));
  EXPECT_TRUE(t.record_before_change(make_event("request.approved")));
  EXPECT_EQ(t.log()->write_failures(), 1u);
}

}  // namespace
}  // namespace gatehouse::audit
