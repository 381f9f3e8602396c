// The keys of approval by reply (SPEC "Mail"): mail.inbox and its companions, and
// rules[].reply_decisions; an inbox without trusted_authserv_id is refused.
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace gatehouse::config::testing {
namespace {

const std::string mail_head = "mail:\n  smtp: \"smtp://127.0.0.1:25\"\n  from: gate@example.com\n";

TEST(ConfigMailInbox, EveryKeyIsRead) {
  auto loaded = load_string(mail_head + R"(  inbox: "imaps://gate@mail.example/INBOX"
  inbox_user: gate
  inbox_password: secret
  inbox_ca_file: /etc/ssl/mail-ca.pem
  inbox_poll: 10s
  trusted_authserv_id: mx.example
  reply_to: approvals@example.com
users:
  - name: bob
    email: bob@example.com
servers:
  - name: web01
    address: "127.0.0.1:22"
    host_key: ")" + host_key + R"("
rules:
  - name: r
    users: [bob]
    servers: ["*"]
    mode: approve
    approvers: [bob]
    reply_decisions: low-risk
  - name: s
    users: ["*"]
    servers: ["*"]
    mode: approve
    approvers: [bob]
)",
                            "test.yaml", "/nonexistent");
  ASSERT_TRUE(loaded.value) << joined(loaded.problems);
  const auto& m = loaded.value->mail;
  EXPECT_EQ(m.inbox, "imaps://gate@mail.example/INBOX");
  EXPECT_EQ(m.inbox_user, "gate");
  EXPECT_EQ(m.inbox_password, "secret");
  EXPECT_EQ(m.inbox_ca_file, "/etc/ssl/mail-ca.pem");
  EXPECT_EQ(m.inbox_poll, std::chrono::seconds(10));
  EXPECT_EQ(m.trusted_authserv_id, "mx.example");
  EXPECT_EQ(m.reply_to, "approvals@example.com");
  EXPECT_EQ(loaded.value->rules.at(0).reply_decisions, reply_decisions::low_risk);
  EXPECT_EQ(loaded.value->rules.at(1).reply_decisions, reply_decisions::off);
}

TEST(ConfigMailInbox, AnInboxNeedsATrustedAuthservIdAndImapsAwayFromThisHost) {
  EXPECT_EQ(problems(mail_head + "  inbox: \"imaps://mail.example/INBOX\"\n"),
            (lines{"test.yaml:4:10: 'inbox' needs 'trusted_authserv_id': the authserv-id of your "
                   "mail server's Authentication-Results header (replies are believed only on "
                   "its word)"}));
  EXPECT_EQ(problems(mail_head + "  inbox: \"imap://mail.example/INBOX\"\n"
                                 "  trusted_authserv_id: mx.example\n"),
            (lines{"test.yaml:4:10: plain imap:// is only for an IMAP server on this host "
                   "(127.0.0.1, localhost, [::1]); use imaps:// for 'imap://mail.example/INBOX'"}));
  EXPECT_EQ(problems(mail_head + "  inbox: \"imap://gate@127.0.0.1:1143/INBOX\"\n"
                                 "  trusted_authserv_id: mx.example\n"),
            lines{});
  EXPECT_EQ(problems(mail_head + "  inbox: \"pop3://mail.example\"\n"
                                 "  trusted_authserv_id: mx.example\n  inbox_poll: 0s\n"
                                 "  reply_to: nobody\n")
                .size(),
            3u);
}

TEST(ConfigMailInbox, ReplyDecisionsNamesItsValues) {
  auto p = problems(
      "rules:\n  - name: r\n    users: [\"*\"]\n    servers: [\"*\"]\n    mode: deny\n"
      "    reply_decisions: sometimes\n");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].find("expected off, low-risk or all"), std::string::npos) << p[0];
}

}  // namespace
}  // namespace gatehouse::config::testing
