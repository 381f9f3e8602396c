// mail/reply_reader and mail/message_parts: what a reply to an approval mail says, and every
// way it says nothing (wrong or missing token, sender, authentication, quoted-only decision).
#include "mail/reply_reader.hpp"

#include <gtest/gtest.h>

#include "mail/imap_client.hpp"
#include "mail/message_parts.hpp"

namespace gatehouse::mail {
namespace {

const std::string token = "AbCdEfGhIjKlMnOp-_0123456789abcdefghijklmno";  // 43 characters

reply_settings settings() { return {"approvals@gate.example", "mx.gate.example"}; }

struct reply_parts {
  std::string from = "Bob <bob@example.com>";
  std::string to = "approvals+" + token + "@gate.example";
  std::string subject = "Re: corp-gate - Connection Approval Notification - #42 [GH-" + token + "]";
  std::string auth =
      "Authentication-Results: mx.gate.example;\r\n\tdkim=pass header.d=example.com "
      "header.s=s1 header.b=abc;\r\n\tdmarc=pass (p=reject) header.from=example.com\r\n";
  std::string extra_headers;
  std::string content_headers = "Content-Type: text/plain; charset=utf-8\r\n";
  std::string body =
      "APPROVE: fine for the deploy\r\n\r\nOn Mon, 7 Dec 2026, corp-gate "
      "wrote:\r\n> Connection approval needed\r\n";

  std::string raw() const {
    return auth + extra_headers + "From: " + from + "\r\nTo: " + to + "\r\nSubject: " + subject +
           "\r\nMessage-ID: <reply.1@example.com>\r\nMIME-Version: 1.0\r\n" + content_headers +
           "\r\n" + body;
  }
};

mail_reply read(const reply_parts& p) { return read_reply(p.raw(), settings()); }

TEST(ReplyReader, AGoodReplyApprovesWithItsComment) {
  auto r = read(reply_parts{});
  EXPECT_EQ(r.problem, "");
  EXPECT_EQ(r.token, token);
  EXPECT_EQ(r.from, "bob@example.com");
  EXPECT_EQ(r.message_id, "reply.1@example.com");
  EXPECT_TRUE(r.authenticated);
  EXPECT_EQ(r.verdict, reply_verdict::approve);
  EXPECT_EQ(r.comment, "fine for the deploy");
  EXPECT_NE(r.authentication.find("dmarc=pass"), std::string::npos);
}

TEST(ReplyReader, DenyAndDisapproveInAnyCaseDeny) {
  for (std::string word : {"DENY", "deny", "Disapprove", "DISAPPROVE"}) {
    reply_parts p;
    p.body = "\r\n  " + word + " not now\r\n";
    auto r = read(p);
    EXPECT_EQ(r.verdict, reply_verdict::deny) << word;
    EXPECT_EQ(r.comment, "not now");
  }
}

TEST(ReplyReader, AnApproveOnlyInTheQuotedPartDecidesNothing) {
  reply_parts p;
  p.body = "On Mon, 7 Dec 2026 at 03:00, corp-gate <gate@gate.example> wrote:\r\n> APPROVE\r\n";
  auto r = read(p);
  EXPECT_EQ(r.verdict, reply_verdict::none);
  EXPECT_NE(r.problem.find("not APPROVE"), std::string::npos);
  p.body = "Thanks!\r\nAPPROVE\r\n";
  EXPECT_EQ(read(p).verdict, reply_verdict::none);
  p.body = "APPROVED\r\n";
  EXPECT_EQ(read(p).verdict, reply_verdict::none);
  p.body = "-----Original Message-----\r\nAPPROVE\r\n";
  EXPECT_EQ(read(p).verdict, reply_verdict::none);
}

TEST(ReplyReader, TheTokenMustBeInTheAddressAndTheSubjectAlike) {
  reply_parts p;
  p.subject = "Re: corp-gate - Connection Approval Notification - #42";
  EXPECT_EQ(read(p).token, "");
  EXPECT_NE(read(p).problem.find("no approval token"), std::string::npos);
  p = reply_parts{};
  p.to = "approvals@gate.example";
  EXPECT_EQ(read(p).token, "");
  p = reply_parts{};
  p.subject = "Re: [GH-" + std::string(43, 'x') + "]";
  EXPECT_EQ(read(p).token, "");
  EXPECT_NE(read(p).problem.find("differ"), std::string::npos);
  p = reply_parts{};
  p.to = "approvals+" + token + "@elsewhere.example";
  EXPECT_EQ(read(p).token, "");
}

TEST(ReplyReader, DeliveredToCountsAndTheSubjectMayBeEncoded) {
  reply_parts p;
  p.to = "Gate <approvals@gate.example>";
  p.extra_headers = "Delivered-To: approvals+" + token + "@Gate.Example\r\n";
  p.subject = "=?UTF-8?Q?Re=3A_caf=C3=A9?= [GH-" + token + "]";
  EXPECT_EQ(read(p).token, token);
  p.subject = "=?UTF-8?B?" + std::string("UmU6IFtHSC0=") + "?=" + token + "]";  // "Re: [GH-"
  EXPECT_EQ(read(p).token, token);
}

TEST(ReplyReader, FromMustBeExactlyOneMailbox) {
  reply_parts p;
  p.from = "bob@example.com, eve@evil.example";
  EXPECT_EQ(read(p).from, "");
  EXPECT_NE(read(p).problem.find("From:"), std::string::npos);
  p.from = "friends: bob@example.com;";
  EXPECT_EQ(read(p).from, "");
  p.from = "\"Bob, the <approver>\" <Bob@EXAMPLE.com> (work)";
  EXPECT_EQ(read(p).from, "Bob@example.com");
}

TEST(ReplyReader, OnlyTheTopmostAuthenticationResultsOfTheTrustedServerCounts) {
  reply_parts p;
  p.auth = "";
  EXPECT_FALSE(read(p).authenticated);
  EXPECT_NE(read(p).problem.find("no Authentication-Results"), std::string::npos);

  p = reply_parts{};
  p.auth = "Authentication-Results: mx.other.example; dmarc=pass header.from=example.com\r\n";
  EXPECT_FALSE(read(p).authenticated);
  EXPECT_NE(read(p).problem.find("not from mx.gate.example"), std::string::npos);

  // A forged header below ours is never read.
  p = reply_parts{};
  p.auth =
      "Authentication-Results: mx.gate.example; dmarc=fail header.from=example.com\r\n"
      "Authentication-Results: mx.gate.example; dmarc=pass header.from=example.com\r\n";
  EXPECT_FALSE(read(p).authenticated);
  EXPECT_NE(read(p).problem.find("did not vouch"), std::string::npos);

  p.auth = "Authentication-Results: mx.gate.example; none\r\n";
  EXPECT_FALSE(read(p).authenticated);
}

TEST(ReplyReader, DkimMustBeAlignedWithTheFromDomain) {
  reply_parts p;
  p.auth = "Authentication-Results: mx.gate.example; dkim=pass header.d=evil.example\r\n";
  EXPECT_FALSE(read(p).authenticated);
  p.auth = "Authentication-Results: mx.gate.example; dkim=pass header.d=example.com\r\n";
  EXPECT_TRUE(read(p).authenticated);
  p.from = "bob@mail.example.com";
  EXPECT_TRUE(read(p).authenticated);  // relaxed: example.com is a parent of mail.example.com
  p.auth = "Authentication-Results: mx.gate.example; dkim=pass header.d=com\r\n";
  EXPECT_FALSE(read(p).authenticated);
  p.from = "bob@example.com";
  p.auth =
      "Authentication-Results: mx.gate.example; dkim=pass header.d=example.com "
      "header.i=@evil.example\r\n";
  EXPECT_FALSE(read(p).authenticated);
  p.auth = "Authentication-Results: mx.gate.example; dmarc=pass header.from=evil.example\r\n";
  EXPECT_FALSE(read(p).authenticated);
  p.auth = "Authentication-Results: mx.gate.example; spf=pass smtp.mailfrom=example.com\r\n";
  EXPECT_FALSE(read(p).authenticated);
  // A DMARC failure is not outweighed by a DKIM pass.
  p.auth =
      "Authentication-Results: mx.gate.example; dkim=pass header.d=example.com; "
      "dmarc=fail header.from=example.com\r\n";
  EXPECT_FALSE(read(p).authenticated);
}

TEST(ReplyReader, QuotedPrintableBase64AndMultipartBodies) {
  reply_parts p;
  p.content_headers = "Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n";
  p.body = "APP=\r\nROVE ok =E2=9C=93\r\n";
  auto r = read(p);
  EXPECT_EQ(r.verdict, reply_verdict::approve);
  EXPECT_EQ(r.comment, "ok \xE2\x9C\x93");

  p.content_headers = "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n";
  p.body = "REVOWTogbm8K\r\n";  // "DENY: no\n"
  EXPECT_EQ(read(p).verdict, reply_verdict::deny);

  p.content_headers = "Content-Type: multipart/alternative; boundary=\"b1\"\r\n";
  p.body =
      "preamble\r\n--b1\r\nContent-Type: text/html\r\n\r\n<p>DENY</p>\r\n--b1\r\n"
      "Content-Type: text/plain\r\n\r\nAPPROVE from the phone\r\n--b1--\r\n";
  r = read(p);
  EXPECT_EQ(r.verdict, reply_verdict::approve);
  EXPECT_EQ(r.comment, "from the phone");

  p.content_headers = "Content-Type: multipart/mixed; boundary=outer\r\n";
  p.body =
      "--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n--inner\r\n"
      "Content-Type: text/plain; charset=us-ascii\r\n\r\nDENY\r\n--inner--\r\n--outer--\r\n";
  EXPECT_EQ(read(p).verdict, reply_verdict::deny);

  p.content_headers = "Content-Type: text/html\r\n";
  p.body = "APPROVE\r\n";
  EXPECT_EQ(read(p).verdict, reply_verdict::none);
  EXPECT_NE(read(p).problem.find("plain-text"), std::string::npos);
}

TEST(ReplyReader, BytesThatAreNotUtf8AndOversizedMessagesAreReadSafely) {
  reply_parts p;
  p.body = "APPROVE \xff\xfe\x80 ok\r\n";
  auto r = read(p);
  EXPECT_EQ(r.verdict, reply_verdict::approve);
  EXPECT_EQ(r.comment, "\xff\xfe\x80 ok");
  p.body = "APPROVE ok\rBcc: x\r\n";  // found by fuzz/reply_reader: a lone CR
  EXPECT_EQ(read(p).comment, "ok");
  p.body = "APPROVE " + std::string(5000, 'x') + "\r\n";
  EXPECT_EQ(read(p).comment.size(), max_reply_comment);
  p.body = std::string(max_reply_bytes, 'x');
  r = read(p);
  EXPECT_EQ(r.verdict, reply_verdict::none);
  EXPECT_NE(r.problem.find("larger than"), std::string::npos);
  EXPECT_EQ(read_reply("", settings()).verdict, reply_verdict::none);
  EXPECT_NE(read_reply(std::string("\0\0\r\n\r\n", 6), settings()).problem, "");
}

TEST(ReplyReader, LfOnlyLineEndsAndFoldedHeadersRead) {
  reply_parts p;
  std::string raw = p.raw();
  std::string lf;
  for (std::size_t i = 0; i < raw.size(); ++i)
    if (!(raw[i] == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n')) lf += raw[i];
  auto r = read_reply(lf, settings());
  EXPECT_EQ(r.problem, "");
  EXPECT_EQ(r.verdict, reply_verdict::approve);
}

TEST(ReplyReader, TheAddressAndMarkerAMailCarries) {
  EXPECT_EQ(tokened_address("approvals@gate.example", "TOK"), "approvals+TOK@gate.example");
  EXPECT_EQ(tokened_address("nobody", "TOK"), "");
  EXPECT_EQ(subject_marker("TOK"), "[GH-TOK]");
}

TEST(MessageParts, AddressListsAndEncodedWords) {
  auto list = address_list("A <a@x.example>, \"B, b\" <b@y.example>, c@z.example (C)");
  ASSERT_TRUE(list);
  EXPECT_EQ(*list, (std::vector<std::string>{"a@x.example", "b@y.example", "c@z.example"}));
  EXPECT_FALSE(address_list("not an address"));
  EXPECT_FALSE(address_list("<a@x> <b@y>"));
  EXPECT_EQ(decode_header_words("=?utf-8?q?a_b?= =?utf-8?b?Yw==?= d"), "a bc d");
  EXPECT_EQ(decode_header_words("=?broken"), "=?broken");
  EXPECT_EQ(decode_quoted_printable("a=3Db=\r\nc=ZZ="), "a=bc=ZZ");
}

}  // namespace
}  // namespace gatehouse::mail

namespace gatehouse::mail {
namespace {

TEST(ImapClient, SearchRepliesGiveTheirUids) {
  EXPECT_EQ(parse_search_reply("* SEARCH 3 4 19\r\n"), (std::vector<std::uint64_t>{3, 4, 19}));
  EXPECT_EQ(parse_search_reply("* SEARCH\r\n"), std::vector<std::uint64_t>{});
  EXPECT_EQ(parse_search_reply("* OK x\r\n* SEARCH 7\r\n* SEARCH 8 9\r\n"),
            (std::vector<std::uint64_t>{7, 8, 9}));
  EXPECT_EQ(parse_search_reply("garbage 5\r\n"), std::vector<std::uint64_t>{});
}

}  // namespace
}  // namespace gatehouse::mail
