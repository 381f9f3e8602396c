#include "mail/notification_mail.hpp"

#include <gtest/gtest.h>

#include "mail/mime.hpp"
#include "mime_test_support.hpp"

namespace gatehouse::mail {
namespace {

using policy::happening_kind;

policy::request sample_request() {
  policy::request r;
  r.id = 42;
  r.requester = "alice";
  r.filed_by = "alice";
  r.server = "web01";
  r.account = "root";
  r.protocol = config::protocol::ssh;
  r.justification = "fix <prod> & \"restart\" nginx";
  r.title = "nginx restart";
  r.window = {*parse_rfc3339("2026-11-22T19:00:00Z"), *parse_rfc3339("2026-11-22T21:00:00Z")};
  r.levels = {{{"bob", "carol"}, config::condition::any}, {{"dave"}, config::condition::all}};
  r.pending_until = *parse_rfc3339("2026-11-23T19:00:00Z");
  return r;
}

const mail_context ctx{"test-gate", "-p 2222 gate.example.com"};
const std::string approval_url = "https://gate.example.com/approvals/TOKEN123";
const std::string request_url = "https://gate.example.com/requests/42";

// Both parts, as a mail client shows them after decoding.
struct shown {
  std::string subject;
  std::string text;
  std::string html;
};

shown show(const mail_content& c) {
  mime_message m;
  m.from_address = "gate@example.com";
  m.to_address = "bob@example.com";
  m.subject = c.subject;
  m.date = *parse_rfc3339("2026-11-22T18:00:00Z");
  m.message_id = "x.42@example.com";
  m.text = c.text;
  m.html = c.html;
  auto parsed = parse_message(render(m));
  return {decode_encoded_words(parsed.header("Subject")), parsed.parts.at(0).body,
          parsed.parts.at(1).body};
}

TEST(ApproverMail, ExactSubject) {
  auto c = approver_mail(ctx, sample_request(), 0, "bob", approval_url, request_url);
  EXPECT_EQ(c.subject, "test-gate - Connection Approval Notification - #42");
  EXPECT_EQ(show(c).subject, "test-gate - Connection Approval Notification - #42");
}

TEST(ApproverMail, EveryFactInBothParts) {
  auto s = show(approver_mail(ctx, sample_request(), 0, "bob", approval_url, request_url));
  for (const std::string* part : {&s.text, &s.html}) {
    for (const char* fact : {"alice", "web01", "root", "ssh", "2026-11-22T19:00:00.000Z",
                             "2026-11-22T21:00:00.000Z", "Title", "nginx restart", "Justification",
                             "Emergency", "no", "Approver level", "1 of 2", "#42"})
      EXPECT_NE(part->find(fact), std::string::npos) << fact << " missing in\n" << *part;
  }
  EXPECT_NE(s.text.find("fix <prod> & \"restart\" nginx"), std::string::npos);
}

// A request to view a recording (audit.recordings_need_approval) says so in words.
TEST(ApproverMail, ARecordingRequestNamesWhoseSessionItOpens) {
  auto r = sample_request();
  r.requester = "carol";
  r.server = "recording:ssh-7-1";
  r.account = "alice";
  auto s = show(approver_mail(ctx, r, 0, "bob", approval_url, request_url));
  EXPECT_NE(s.text.find("carol asks for the recording of alice's session ssh-7-1"),
            std::string::npos)
      << s.text;
}

TEST(ApproverMail, LinksInBothParts) {
  auto s = show(approver_mail(ctx, sample_request(), 1, "dave", approval_url, request_url));
  for (const std::string* part : {&s.text, &s.html}) {
    EXPECT_NE(part->find(approval_url + "?decision=approve"), std::string::npos) << *part;
    EXPECT_NE(part->find(approval_url + "?decision=deny"), std::string::npos);
    EXPECT_NE(part->find(request_url), std::string::npos);
    EXPECT_EQ(part->find("gatehouse approve"), std::string::npos);
  }
  EXPECT_NE(s.html.find("href=\"" + approval_url + "?decision=approve\""), std::string::npos);
  EXPECT_NE(s.text.find("2 of 2"), std::string::npos);
}

TEST(ApproverMail, WithoutLinksSaysHowToDecide) {
  auto s = show(approver_mail(ctx, sample_request(), 0, "bob", "", ""));
  for (const std::string* part : {&s.text, &s.html}) {
    EXPECT_EQ(part->find("decision="), std::string::npos);
    EXPECT_EQ(part->find("href="), std::string::npos);
  }
  EXPECT_NE(s.text.find("gatehouse approve 42 --as bob"), std::string::npos) << s.text;
  EXPECT_NE(s.text.find("gatehouse deny 42 --as bob"), std::string::npos);
  EXPECT_NE(s.text.find("ssh -p 2222 bob@gate.example.com approve 42"), std::string::npos);
  EXPECT_NE(s.html.find("ssh -p 2222 bob@gate.example.com approve 42"), std::string::npos);
}

TEST(ApproverMail, HtmlEscapesEveryValue) {
  auto r = sample_request();
  r.requester = "<b>mallory</b>";
  auto s = show(
      approver_mail({"<i>gate</i>", ""}, r, 0, "bob", approval_url + "?a=1&b=\"2\"", request_url));
  EXPECT_EQ(s.html.find("<b>"), std::string::npos);
  EXPECT_EQ(s.html.find("<i>"), std::string::npos);
  EXPECT_EQ(s.html.find("<prod>"), std::string::npos);
  EXPECT_NE(s.html.find("&lt;b&gt;mallory&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(s.html.find("fix &lt;prod&gt; &amp; &quot;restart&quot; nginx"), std::string::npos);
  EXPECT_NE(s.html.find("?a=1&amp;b=&quot;2&quot;&amp;decision=approve"), std::string::npos);
  EXPECT_NE(s.text.find("<b>mallory</b>"), std::string::npos);  // plain text stays as typed
}

TEST(ApproverMail, ControlCharactersOfAPersonAreShownNotSent) {
  auto r = sample_request();
  r.justification =
      "fix\x1b[2J\x1b]0;pwned\x07 now\r\nline two\rover\xc2\x9b"
      "31m";
  auto s = show(approver_mail(ctx, r, 0, "bob", approval_url, request_url));
  for (const std::string* part : {&s.text, &s.html}) {
    for (std::size_t i = 0; i < part->size(); ++i) {
      const char c = (*part)[i];
      const bool line_break = c == '\n' || (c == '\r' && part->substr(i + 1, 1) == "\n");
      EXPECT_TRUE(line_break || c == '\t' || static_cast<unsigned char>(c) >= 0x20)
          << "control character " << int(c) << " in\n"
          << *part;
    }
    EXPECT_EQ(part->find("\xc2\x9b"), std::string::npos);  // C1 CSI
    EXPECT_NE(part->find("fix\\x1B[2J\\x1B]0;pwned\\x07 now"), std::string::npos) << *part;
    EXPECT_NE(part->find("over\\u009B31m"), std::string::npos);
    EXPECT_NE(part->find("line two\\rover"), std::string::npos);
  }
  auto denied = show(decision_mail(ctx, r, happening_kind::request_denied, "carol",
                                   "no\x1b[31m way", request_url));
  EXPECT_NE(denied.text.find("no\\x1B[31m way"), std::string::npos) << denied.text;
  EXPECT_EQ(denied.text.find('\x1b'), std::string::npos);
  EXPECT_EQ(denied.html.find('\x1b'), std::string::npos);
}

TEST(ApproverMail, EmergencyFlag) {
  auto r = sample_request();
  r.emergency = true;
  auto s = show(approver_mail(ctx, r, 0, "bob", approval_url, request_url));
  EXPECT_NE(s.text.find("Emergency:      yes"), std::string::npos) << s.text;
}

TEST(DecisionMail, AnApprovalOffersTheBrowserLinksGivenBeforeTheRequest) {
  auto r = sample_request();
  auto approved = show(decision_mail(
      ctx, r, happening_kind::request_approved, "bob", "", request_url,
      {{"Open a terminal", "https://gate.test/terminal/web01/root"}, {"Browse files", ""}}));
  for (const std::string* part : {&approved.text, &approved.html}) {
    auto terminal = part->find("https://gate.test/terminal/web01/root");
    EXPECT_NE(terminal, std::string::npos) << *part;
    EXPECT_LT(terminal, part->find(request_url));
    EXPECT_NE(part->find("Open a terminal"), std::string::npos);
    EXPECT_EQ(part->find("Browse files"), std::string::npos);  // not served: no link
  }
}

TEST(DecisionMail, ApprovedDeniedAndTheRest) {
  auto r = sample_request();
  auto approved =
      show(decision_mail(ctx, r, happening_kind::request_approved, "bob", "go ahead", request_url));
  EXPECT_EQ(approved.subject, "test-gate - Connection Request Approved - #42");
  for (const std::string* part : {&approved.text, &approved.html}) {
    EXPECT_NE(part->find("approved by bob"), std::string::npos) << *part;
    EXPECT_NE(part->find("go ahead"), std::string::npos);
    EXPECT_NE(part->find("web01"), std::string::npos);
    EXPECT_NE(part->find(request_url), std::string::npos);
  }
  auto denied =
      show(decision_mail(ctx, r, happening_kind::request_denied, "carol", "not <now>", ""));
  EXPECT_EQ(denied.subject, "test-gate - Connection Request Denied - #42");
  EXPECT_NE(denied.text.find("denied by carol"), std::string::npos);
  EXPECT_NE(denied.html.find("not &lt;now&gt;"), std::string::npos);

  struct {
    happening_kind kind;
    const char* subject;
    const char* says;
  } const rest[] = {
      {happening_kind::request_expired, "Connection Request Expired", "expired"},
      {happening_kind::request_cancelled, "Connection Request Cancelled", "cancelled by admin"},
      {happening_kind::grant_revoked, "Connection Access Revoked", "revoked by admin"},
  };
  for (const auto& k : rest) {
    auto s = show(decision_mail(ctx, r, k.kind,
                                k.kind == happening_kind::request_expired ? "" : "admin", "", ""));
    EXPECT_EQ(s.subject, std::string("test-gate - ") + k.subject + " - #42");
    EXPECT_NE(s.text.find(k.says), std::string::npos) << s.text;
    EXPECT_NE(s.html.find(k.says), std::string::npos);
  }
}

TEST(EmergencyMail, TellsWhoTookWhat) {
  auto r = sample_request();
  r.emergency = true;
  auto s = show(emergency_mail(ctx, r, "carol", request_url));
  EXPECT_EQ(s.subject, "test-gate - Emergency Access Taken - #42");
  for (const std::string* part : {&s.text, &s.html}) {
    EXPECT_NE(part->find("alice took emergency access to root@web01"), std::string::npos) << *part;
    EXPECT_NE(part->find(request_url), std::string::npos);
  }
  auto without_links = show(emergency_mail(ctx, r, "carol", ""));
  EXPECT_NE(without_links.text.find("gatehouse deny 42 --as carol"), std::string::npos);
}

TEST(DecisionLink, AppendsToAQuery) {
  EXPECT_EQ(decision_link("https://g/a/T", policy::verdict::approve),
            "https://g/a/T?decision=approve");
  EXPECT_EQ(decision_link("https://g/a?t=T", policy::verdict::deny),
            "https://g/a?t=T&decision=deny");
}

}  // namespace
}  // namespace gatehouse::mail
