#include "audit/syslog_format.hpp"

#include <gtest/gtest.h>

namespace gatehouse::audit {
namespace {

TEST(SyslogFormat, Rfc5424Shape) {
  auto m = syslog_message({"gate1", 42}, "session.start", "2026-11-22T10:00:00.000Z", 7,
                          std::string(64, 'a'), R"({"event":"session.start"})");
  EXPECT_EQ(m,
            "<86>1 2026-11-22T10:00:00.000Z gate1 gatehouse 42 session.start "
            "[gatehouse@32473 seq=\"7\" hash=\"" +
                std::string(64, 'a') + "\"] {\"event\":\"session.start\"}");
}

TEST(SyslogFormat, SeverityAndHeaderHygiene) {
  EXPECT_TRUE(syslog_message({"h", 1}, "auth.failure", "t", 1, "x", "{}").starts_with("<84>1 "));
  EXPECT_TRUE(
      syslog_message({"h", 1}, "access.emergency", "t", 1, "x", "{}").starts_with("<85>1 "));
  auto m = syslog_message({"", 1}, "odd name\x01", "t", 1, "x", "{}");
  EXPECT_NE(m.find(" - gatehouse 1 odd_name_ "), std::string::npos) << m;
}

TEST(SyslogFormat, OctetCounting) { EXPECT_EQ(octet_counted("<86>1 x"), "7 <86>1 x"); }

}  // namespace
}  // namespace gatehouse::audit
