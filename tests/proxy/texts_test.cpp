#include "proxy/ssh/texts.hpp"

#include <gtest/gtest.h>

#include "core/time.hpp"

namespace gatehouse::proxy::ssh {
namespace {

const session::target web{"alice", "web01", "root"};

TEST(Texts, AsciiOnly) {
  EXPECT_EQ(ascii_only("caf\xc3\xa9 ok"), "caf? ok");
  EXPECT_EQ(ascii_only("caf\xe9 ok"), "caf\\xE9 ok");
  EXPECT_EQ(ascii_only("a\nb\tc"), "a\\nb c");
  EXPECT_EQ(ascii_only("x\x1b[2Jy"), "x\\x1B[2Jy");
  EXPECT_EQ(ascii_only("a\nb", true), "a\nb");
}

TEST(Texts, HoldStatus) {
  request_status r;
  r.id = 42;
  r.waiting_for = {"bob"};
  EXPECT_EQ(hold_status_line(r, std::chrono::seconds(130)),
            "Request #42 is waiting for approval by bob (2m10s) ...");
}

TEST(Texts, Outcomes) {
  request_status r;
  r.id = 42;
  r.state = request_state::denied;
  r.decided_by = "bob";
  r.comment = "not now";
  EXPECT_EQ(request_outcome_text(r), "Request #42 denied by bob: not now");
  r.state = request_state::expired;
  EXPECT_EQ(request_outcome_text(r), "Request #42 expired without a decision");
  EXPECT_NE(hold_timeout_text(42, std::chrono::minutes(10)).find("timed out after 10m"),
            std::string::npos);
}

TEST(Texts, GrantEndAndWarning) {
  auto at = *parse_rfc3339("2026-11-22T17:30:00Z");
  EXPECT_EQ(grant_end_text({12, false, "", at}, web),
            "Access grant #12 for root@web01 ended at 17:30 UTC");
  EXPECT_EQ(grant_end_text({12, true, "bob", at}, web),
            "Access grant #12 for root@web01 revoked by bob at 17:30 UTC");
  EXPECT_EQ(grant_warning_text(12, web, std::chrono::minutes(5), at),
            "Access grant #12 for root@web01 ends in 5 minutes (17:30 UTC)");
  EXPECT_EQ(grant_warning_text(12, web, std::chrono::minutes(1), at),
            "Access grant #12 for root@web01 ends in 1 minute (17:30 UTC)");
}

TEST(Texts, Justification) {
  EXPECT_EQ(justification_prompt(web), "Justification for root@web01: ");
  auto b = justification_banner(web, "10.0.0.1:2222");
  EXPECT_NE(b.find("ssh -p 2222 alice@10.0.0.1 request root@web01 --reason"), std::string::npos)
      << b;
  EXPECT_NE(justification_banner(web, "10.0.0.1:22").find("ssh alice@10.0.0.1 request"),
            std::string::npos);
}

}  // namespace
}  // namespace gatehouse::proxy::ssh
