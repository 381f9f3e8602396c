#include "mail/mime.hpp"

#include <gtest/gtest.h>

#include "mime_test_support.hpp"

namespace gatehouse::mail {
namespace {

using namespace std::chrono_literals;

time_point at(std::string_view text) { return *parse_rfc3339(text); }

mime_message sample() {
  mime_message m;
  m.from_name = "test-gate";
  m.from_address = "gate@example.com";
  m.to_address = "bob@example.com";
  m.subject = "test-gate - Connection Approval Notification - #42";
  m.date = at("2026-11-22T18:47:05.123Z");
  m.message_id = "0123abcd.42@example.com";
  m.text = "Hello Bob\nline two";
  m.html = "<p>Hello Bob</p>";
  return m;
}

TEST(Mime, HeadersOfTheMessage) {
  auto parsed = parse_message(render(sample()));
  EXPECT_EQ(parsed.header("Date"), "Sun, 22 Nov 2026 18:47:05 +0000");
  EXPECT_EQ(parsed.header("From"), "\"test-gate\" <gate@example.com>");
  EXPECT_EQ(parsed.header("To"), "bob@example.com");
  EXPECT_EQ(parsed.header("Subject"), "test-gate - Connection Approval Notification - #42");
  EXPECT_EQ(parsed.header("Message-ID"), "<0123abcd.42@example.com>");
  EXPECT_EQ(parsed.header("MIME-Version"), "1.0");
  EXPECT_TRUE(parsed.header("Content-Type").starts_with("multipart/alternative; boundary="));
}

TEST(Mime, TwoPartsTextThenHtmlDecodeToTheBodies) {
  auto parsed = parse_message(render(sample()));
  ASSERT_EQ(parsed.parts.size(), 2u);
  EXPECT_EQ(parsed.parts[0].content_type, "text/plain; charset=UTF-8");
  EXPECT_EQ(parsed.parts[1].content_type, "text/html; charset=UTF-8");
  EXPECT_EQ(parsed.parts[0].body, "Hello Bob\r\nline two");
  EXPECT_EQ(parsed.parts[1].body, "<p>Hello Bob</p>");
}

TEST(Mime, CrlfOnlyAndShortLinesEvenForHugeInput) {
  auto m = sample();
  m.text = std::string(5000, 'x') + "\n" + std::string(3000, '\xc3') + " =.\t \n.";
  m.html = std::string(4000, '<');
  std::string raw = render(m);
  for (std::size_t i = 0; i < raw.size(); ++i)
    if (raw[i] == '\n') {
      ASSERT_TRUE(i > 0 && raw[i - 1] == '\r') << "bare LF at " << i;
    }
  for (const auto& line : lines_of(raw)) EXPECT_LE(line.size(), 998u);
  auto parsed = parse_message(raw);
  for (const auto& line : lines_of(raw)) EXPECT_LE(line.size(), 78u) << line;
  EXPECT_EQ(parsed.parts[0].body,
            std::string(5000, 'x') + "\r\n" + std::string(3000, '\xc3') + " =.\t \r\n.");
  EXPECT_EQ(parsed.parts[1].body, std::string(4000, '<'));
}

TEST(Mime, NonAsciiSubjectIsAnEncodedWordThatDecodesBack) {
  auto m = sample();
  m.subject = "Gâtehouse Zürich - Connection Approval Notification - #42 ✓";
  auto parsed = parse_message(render(m));
  std::string raw_subject = parsed.header("Subject");
  EXPECT_TRUE(raw_subject.starts_with("=?UTF-8?B?")) << raw_subject;
  EXPECT_EQ(decode_encoded_words(raw_subject), m.subject);
  for (const auto& line : lines_of(render(m))) EXPECT_LE(line.size(), 998u);
}

TEST(Mime, LongSubjectEncodedWordsNeverSplitACharacter) {
  std::string subject;
  for (int i = 0; i < 60; ++i) subject += "é€";
  std::string encoded = encode_header_text(subject);
  EXPECT_EQ(decode_encoded_words(encoded), subject);
  for (const auto& line : lines_of(encoded + "\r\n")) EXPECT_LE(line.size(), 76u);
}

TEST(Mime, LongAsciiSubjectIsFoldedAndUnfoldsToTheSameText) {
  auto m = sample();
  m.subject =
      "a very long instance name for the production bastion of the payments team - "
      "Connection Approval Notification - #123456";
  auto raw = render(m);
  EXPECT_EQ(parse_message(raw).header("Subject"), m.subject);
  for (const auto& line : lines_of(raw)) EXPECT_LE(line.size(), 78u) << line;
}

TEST(Mime, HeaderInjectionIsNeutralised) {
  auto m = sample();
  m.subject = "hi\r\nBcc: evil@example.com";
  m.to_address = "bob@example.com\r\nBcc: evil@example.com";
  auto raw = render(m);
  for (const auto& line : lines_of(raw)) EXPECT_FALSE(line.starts_with("Bcc:")) << line;
}

TEST(Mime, HtmlEscape) {
  EXPECT_EQ(html_escape("<a href=\"x\">Tom & 'Jerry'</a>"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
}

TEST(Mime, Rfc5322DateOnAnotherDay) {
  EXPECT_EQ(format_rfc5322_date(at("2024-02-29T00:00:09Z")), "Thu, 29 Feb 2024 00:00:09 +0000");
}

}  // namespace
}  // namespace gatehouse::mail
