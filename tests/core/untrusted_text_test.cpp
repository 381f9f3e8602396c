// The lossless form and the visible form of outside text (core/untrusted_text.hpp) and the
// JSON writer and reader built on them (core/json_text.hpp).
#include "core/untrusted_text.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include <random>

#include "core/json_text.hpp"

namespace gatehouse {
namespace {

TEST(UntrustedText, ValidUtf8IsRecognised) {
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91"));
  EXPECT_FALSE(is_valid_utf8("caf\xe9"));           // Latin-1
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // a surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xe2\x82"));          // cut short
}

TEST(UntrustedText, ValidTextIsWrittenAsItIs) {
  std::string text = "r\xc3\xa9sum\xc3\xa9 \xe2\x80\xae line\nnext";
  EXPECT_TRUE(needs_no_escapes(text));
  EXPECT_EQ(to_valid_utf8(text), text);
  EXPECT_EQ(from_valid_utf8(text), text);
}

TEST(UntrustedText, InvalidBytesBecomeByteEscapesAndComeBack) {
  std::string latin1 = "caf\xe9";
  auto lossless = to_valid_utf8(latin1);
  EXPECT_TRUE(is_valid_utf8(lossless));
  EXPECT_EQ(lossless, "caf\xf4\x8f\xbb\xa9");  // U+10FEE9
  EXPECT_EQ(from_valid_utf8(lossless), latin1);
}

TEST(UntrustedText, TheEscapeBlockItselfIsEscapedSoTheFormStaysReversible) {
  std::string literal = "x\xf4\x8f\xbb\xa9y";  // a person typed U+10FEE9 itself
  auto lossless = to_valid_utf8(literal);
  EXPECT_NE(lossless, literal);
  EXPECT_EQ(from_valid_utf8(lossless), literal);
}

TEST(UntrustedText, EveryByteStringRoundTrips) {
  std::mt19937 random(7);
  for (int round = 0; round < 5000; ++round) {
    std::string bytes(random() % 24, '\0');
    for (auto& b : bytes) b = static_cast<char>(random() % 256);
    auto lossless = to_valid_utf8(bytes);
    ASSERT_TRUE(is_valid_utf8(lossless));
    ASSERT_EQ(from_valid_utf8(lossless), bytes);
    ASSERT_TRUE(is_valid_utf8(visible_text(bytes)));
  }
}

TEST(UntrustedText, VisibleFormShowsEscapesAndControls) {
  EXPECT_EQ(visible_text("caf\xe9"), "caf\\xE9");
  EXPECT_EQ(visible_text(to_valid_utf8("caf\xe9")), "caf\\xE9");
  EXPECT_EQ(visible_text("\x1b[2Jgone"), "\\x1B[2Jgone");
  EXPECT_EQ(visible_text("a\nb\tc\rd\x7f"), "a\\nb\\tc\\rd\\x7F");
  EXPECT_EQ(visible_text("a\nb\tc", line_breaks::keep), "a\nb\tc");
  EXPECT_EQ(visible_text("\xc2\x9b"
                         "31m"),
            "\\u009B31m");  // C1 CSI
  EXPECT_EQ(visible_text("abc\xe2\x80\xae"
                         "cba"),
            "abc\\u202Ecba");  // right-to-left override
  EXPECT_EQ(visible_text("caf\xc3\xa9"), "caf\xc3\xa9");
}

TEST(JsonText, SerializedJsonIsValidAndParsesStrictly) {
  boost::json::object o;
  o["reason"] = "caf\xe9";
  o["ke\xffy"] = "\x1b[2J";
  auto text = json_serialize(o);
  EXPECT_TRUE(is_valid_utf8(text));
  boost::system::error_code ec;
  auto back = boost::json::parse(text, ec);  // strict: rejects bytes that are not UTF-8
  ASSERT_FALSE(ec) << text;
  EXPECT_EQ(from_valid_utf8(back.as_object().at("reason").as_string()), "caf\xe9");
  EXPECT_EQ(back.as_object().at(to_valid_utf8("ke\xffy")).as_string(), "\x1b[2J");
  EXPECT_EQ(json_quote("a\xe9"), "\"a\xf4\x8f\xbb\xa9\"");
}

TEST(JsonText, QuotingAnyByteIsWhatBoostJsonWrites) {
  for (int b = 0; b < 256; ++b) {
    std::string s = "a" + std::string(1, static_cast<char>(b)) + "z";
    EXPECT_EQ(json_quote(s), boost::json::serialize(boost::json::string(to_valid_utf8(s))))
        << "byte " << b;
  }
}

TEST(JsonText, ParsingGivesTheBytesBack) {
  boost::json::object o;
  o["reason"] = "caf\xe9";
  o["ke\xffy"] = "x";
  std::error_code ec;
  auto back = json_parse_text(json_serialize(o), ec);
  ASSERT_FALSE(ec);
  EXPECT_EQ(back, boost::json::value(o));
  // Written twice and read twice: still the same bytes, never escaped twice.
  auto twice = json_parse_text(json_serialize(back), ec);
  EXPECT_EQ(twice, boost::json::value(o));
}

TEST(JsonText, RecordsWithRawBytesFromOlderVersionsAreStillRead) {
  bool raw = false;
  std::error_code ec;
  auto v = json_parse_text("{\"text\":\"caf\xe9\"}", raw, ec);
  ASSERT_FALSE(ec);
  EXPECT_TRUE(raw);
  EXPECT_EQ(v.as_object().at("text").as_string(), "caf\xe9");
  v = json_parse_text("{\"text\":\"ok\"}", raw, ec);
  EXPECT_FALSE(raw);
  v = json_parse_text("{\"text\":", raw, ec);
  EXPECT_TRUE(ec);
  EXPECT_TRUE(v.is_null());
}

}  // namespace
}  // namespace gatehouse
