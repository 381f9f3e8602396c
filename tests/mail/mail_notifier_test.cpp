#include "mail/mail_notifier.hpp"

#include <gtest/gtest.h>

#include "mime_test_support.hpp"
#include "storage/open_storage.hpp"

namespace gatehouse::mail {
namespace {

using namespace std::chrono_literals;

// Stands in for the web app's links (approval/ on its own branch): predictable URLs, and a
// record of what was asked.
class recorded_links final : public approval::links {
 public:
  std::string approval_url(std::int64_t id, const std::string& approver,
                           time_point expires) override {
    asked.push_back({id, approver, expires});
    return "https://gate.test/approvals/T-" + approver;
  }
  std::string request_url(std::int64_t id) override {
    return "https://gate.test/requests/" + std::to_string(id);
  }
  std::string terminal_url(const std::string& server, const std::string& account) override {
    return "https://gate.test/terminal/" + server + "/" + account;
  }
  std::string files_url(const std::string& server, const std::string& account) override {
    return "https://gate.test/sftp/" + server + "/" + account;
  }
  struct ask {
    std::int64_t id;
    std::string approver;
    time_point expires;
  };
  std::vector<ask> asked;
};

class MailNotifier : public ::testing::Test {
 protected:
  MailNotifier() {
    auto c = std::make_shared<config::config>();
    c->instance_name = "test-gate";
    c->mail.smtp = "smtp://127.0.0.1:25";
    c->mail.from = "gate@example.com";
    c->users = {{"alice", "alice@example.com", {}, {}},
                {"bob", "bob@example.com", {}, {}},
                {"carol", "", {}, {}}};
    config_ = c;
    box_ = std::move(storage::open_storage("sqlite::memory:").value().outbox);
    r_.id = 7;
    r_.requester = "alice";
    r_.server = "web01";
    r_.account = "root";
    r_.justification = "deploy";
    r_.window = {clock_.now(), clock_.now() + 1h};
    r_.levels = {{{"bob", "carol"}, config::condition::any}};
    r_.pending_until = clock_.now() + 24h;
  }

  mail_notifier notifier() {
    return mail_notifier([this] { return config_; }, links_, *box_, clock_, counters_,
                         [this] { ++wakes_; });
  }

  std::vector<queued_mail> queued() { return box_->due(clock_.now(), 100).value(); }

  std::shared_ptr<const config::config> config_;
  manual_clock clock_{*parse_rfc3339("2026-11-22T18:00:00Z")};
  recorded_links links_;
  std::unique_ptr<outbox> box_;
  mail_counters counters_;
  int wakes_ = 0;
  policy::request r_;
};

TEST_F(MailNotifier, AsksEachApproverWithTheirOwnLinksAndSkipsThoseWithoutAnAddress) {
  EXPECT_TRUE(notifier().ask_approvers(r_, 0, {"bob", "carol"}, ""));
  auto mails = queued();
  ASSERT_EQ(mails.size(), 1u);  // carol has no email address
  EXPECT_EQ(mails[0].mail.recipient, "bob@example.com");
  EXPECT_EQ(mails[0].mail.subject, "test-gate - Connection Approval Notification - #7");
  auto parsed = parse_message(mails[0].mail.body);
  EXPECT_EQ(parsed.header("To"), "bob@example.com");
  EXPECT_EQ(parsed.header("From"), "\"test-gate\" <gate@example.com>");
  EXPECT_TRUE(parsed.header("Message-ID").ends_with(".7@example.com>"));
  for (const auto& part : parsed.parts) {
    EXPECT_NE(part.body.find("https://gate.test/approvals/T-bob?decision=approve"),
              std::string::npos);
    EXPECT_NE(part.body.find("https://gate.test/approvals/T-bob?decision=deny"), std::string::npos);
    EXPECT_NE(part.body.find("https://gate.test/requests/7"), std::string::npos);
  }
  ASSERT_EQ(links_.asked.size(), 1u);
  EXPECT_EQ(links_.asked[0].approver, "bob");
  EXPECT_EQ(links_.asked[0].expires, r_.pending_until);
  EXPECT_EQ(counters_.queued, 1u);
  EXPECT_EQ(wakes_, 1);
}

TEST_F(MailNotifier, TellsTheRequesterOfADecision) {
  r_.state = policy::request_state::denied;
  EXPECT_TRUE(notifier().tell_requester(r_, policy::happening_kind::request_denied, "bob",
                                        "not today", ""));
  auto mails = queued();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].mail.recipient, "alice@example.com");
  EXPECT_EQ(mails[0].mail.subject, "test-gate - Connection Request Denied - #7");
  auto parsed = parse_message(mails[0].mail.body);
  EXPECT_NE(parsed.parts.at(0).body.find("not today"), std::string::npos);
}

// The requester of an approved SSH account is offered the browser terminal and file browser;
// an RDP approval or a denial offers neither.
TEST_F(MailNotifier, AnApprovedSshRequestLinksToTheBrowserTerminalAndFiles) {
  r_.protocol = config::protocol::ssh;
  r_.state = policy::request_state::approved;
  EXPECT_TRUE(
      notifier().tell_requester(r_, policy::happening_kind::request_approved, "bob", "", ""));
  r_.protocol = config::protocol::rdp;
  EXPECT_TRUE(
      notifier().tell_requester(r_, policy::happening_kind::request_approved, "bob", "", ""));
  r_.protocol = config::protocol::ssh;
  EXPECT_TRUE(notifier().tell_requester(r_, policy::happening_kind::request_denied, "bob", "", ""));
  auto mails = queued();
  ASSERT_EQ(mails.size(), 3u);
  auto ssh = parse_message(mails[0].mail.body);
  for (const auto& part : ssh.parts) {
    EXPECT_NE(part.body.find("https://gate.test/terminal/web01/root"), std::string::npos);
    EXPECT_NE(part.body.find("https://gate.test/sftp/web01/root"), std::string::npos);
  }
  for (const auto& other : {mails[1], mails[2]})
    for (const auto& part : parse_message(other.mail.body).parts)
      EXPECT_EQ(part.body.find("/terminal/"), std::string::npos) << part.body;
}

TEST_F(MailNotifier, EmergencyReachesEveryApproverOnce) {
  auto c = std::make_shared<config::config>(*config_);
  c->users[2].email = "carol@example.com";
  config_ = c;
  r_.emergency = true;
  EXPECT_TRUE(notifier().tell_emergency(r_, {"bob", "carol", "bob"}, ""));
  auto mails = queued();
  ASSERT_EQ(mails.size(), 2u);
  EXPECT_EQ(mails[0].mail.recipient, "bob@example.com");
  EXPECT_EQ(mails[1].mail.recipient, "carol@example.com");
  EXPECT_EQ(mails[1].mail.subject, "test-gate - Emergency Access Taken - #7");
  EXPECT_EQ(counters_.queued, 2u);
}

// A notice told again (its first teller died before settling it) queues nothing new: each
// recipient's mail is kept once under the notice's key, whatever the second telling composes.
TEST_F(MailNotifier, ANoticeToldTwiceQueuesEachRecipientsMailOnce) {
  auto c = std::make_shared<config::config>(*config_);
  c->users[2].email = "carol@example.com";
  config_ = c;
  EXPECT_TRUE(notifier().ask_approvers(r_, 0, {"bob"}, "notice-41/"));
  EXPECT_TRUE(notifier().ask_approvers(r_, 0, {"bob", "carol"}, "notice-41/"));
  EXPECT_TRUE(notifier().ask_approvers(r_, 0, {"bob"}, "notice-42/"));
  auto mails = queued();
  ASSERT_EQ(mails.size(), 3u);
  EXPECT_EQ(mails[0].mail.recipient, "bob@example.com");
  EXPECT_EQ(mails[1].mail.recipient, "carol@example.com");
  EXPECT_EQ(mails[2].mail.recipient, "bob@example.com");
  EXPECT_EQ(counters_.queued, 3u);
}

// Mail that cannot be stored is reported, so that the notice stays owed.
TEST_F(MailNotifier, AnOutboxThatCannotStoreIsReported) {
  struct failing_outbox final : outbox {
    result<std::vector<std::int64_t>> enqueue(const std::vector<outgoing_mail>&,
                                              time_point) override {
      return policy::make_error(policy::error_code::internal, "disk full");
    }
    result<std::vector<queued_mail>> due(time_point, std::size_t) override {
      return std::vector<queued_mail>{};
    }
    result<std::vector<queued_mail>> claim_due(time_point, std::size_t,
                                               std::chrono::milliseconds) override {
      return std::vector<queued_mail>{};
    }
    result<std::optional<time_point>> next_due() override { return std::optional<time_point>(); }
    result<void> mark_sent(std::int64_t, time_point) override { return {}; }
    result<void> mark_failed(std::int64_t, const std::string&, time_point) override { return {}; }
    result<std::int64_t> unsent() override { return std::int64_t{0}; }
    result<std::int64_t> prune_sent(time_point) override { return std::int64_t{0}; }
  } full;
  mail_notifier n([this] { return config_; }, links_, full, clock_, counters_, {});
  EXPECT_FALSE(
      n.tell_requester(r_, policy::happening_kind::request_denied, "bob", "", "notice-1/"));
  EXPECT_EQ(counters_.queued, 0u);
}

}  // namespace
}  // namespace gatehouse::mail

namespace gatehouse::mail {
namespace {

// Approval by reply: where the rule allows it, each approver's mail has its own token in the
// Reply-To and the subject; the store keeps it (hashed) as a single-use approval secret.
TEST_F(MailNotifier, OffersADecisionByReplyWithASingleUseTokenPerApprover) {
  auto c = std::make_shared<config::config>(*config_);
  c->mail.inbox = "imap://127.0.0.1:1143/INBOX";
  c->mail.reply_to = "approvals@gate.example.com";
  c->users[2].email = "carol@example.com";
  config::rule ops;
  ops.name = "ops";
  ops.reply_decisions = config::reply_decisions::all;
  c->rules = {ops};
  config_ = c;
  r_.rule = "ops";
  auto storage = storage::open_storage("sqlite::memory:").value();
  mail_notifier n([this] { return config_; }, links_, *box_, clock_, counters_, {},
                  storage.tokens.get());
  ASSERT_TRUE(n.ask_approvers(r_, 0, {"bob", "carol"}, ""));
  auto mails = queued();
  ASSERT_EQ(mails.size(), 2u);
  std::vector<std::string> tokens;
  for (const auto& m : mails) {
    auto parsed = parse_message(m.mail.body);
    const std::string reply_to = parsed.header("Reply-To");
    ASSERT_TRUE(reply_to.starts_with("approvals+")) << reply_to;
    ASSERT_TRUE(reply_to.ends_with("@gate.example.com")) << reply_to;
    std::string token = reply_to.substr(10, reply_to.find('@') - 10);
    EXPECT_EQ(m.mail.subject,
              "test-gate - Connection Approval Notification - #7 [GH-" + token + "]");
    EXPECT_NE(parsed.parts.at(0).body.find("reply to this mail with APPROVE or DENY"),
              std::string::npos);
    auto found = storage.tokens->find(approval::token_kind::approval, token).value();
    ASSERT_TRUE(found);
    EXPECT_EQ(found->person, m.mail.recipient.substr(0, m.mail.recipient.find('@')));
    EXPECT_EQ(found->request_id, 7);
    EXPECT_EQ(found->expires, r_.pending_until);
    tokens.push_back(token);
  }
  EXPECT_NE(tokens[0], tokens[1]);
  EXPECT_TRUE(storage.tokens->use(approval::token_kind::approval, tokens[0], clock_.now()).value());
  EXPECT_FALSE(
      storage.tokens->use(approval::token_kind::approval, tokens[0], clock_.now()).value());

  // A rule that allows no decision by reply, or no inbox: no token, the subject of SPEC.
  ops.reply_decisions = config::reply_decisions::off;
  c->rules = {ops};
  box_ = std::move(storage::open_storage("sqlite::memory:").value().outbox);
  mail_notifier off([this] { return config_; }, links_, *box_, clock_, counters_, {},
                    storage.tokens.get());
  ASSERT_TRUE(off.ask_approvers(r_, 0, {"bob"}, ""));
  auto plain = queued();
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_EQ(plain[0].mail.subject, "test-gate - Connection Approval Notification - #7");
  EXPECT_EQ(plain[0].mail.body.find("Reply-To:"), std::string::npos);
}

}  // namespace
}  // namespace gatehouse::mail
