#include "proxy/rdp/x224.hpp"

#include <gtest/gtest.h>

#include <string>

namespace gatehouse::proxy::rdp {
namespace {

using status = request_parser::status;
using namespace std::string_literals;

// MS-RDPBCGR 4.1.1: a cookie and an RDP_NEG_REQ asking for standard RDP security.
const std::string ms_sample = "\x03\x00\x00\x2c\x27\xe0\x00\x00\x00\x00\x00"s +
                              "Cookie: mstshash=eltons\r\n" + "\x01\x00\x08\x00\x00\x00\x00\x00"s;

std::string request_with(const std::string& body) {
  std::string out = "\x03\x00"s;
  std::size_t total = 11 + body.size();
  out += static_cast<char>(total >> 8);
  out += static_cast<char>(total & 0xff);
  out += static_cast<char>(total - 5);
  out += "\xe0\x00\x00\x00\x00\x00"s;
  return out + body;
}

const std::string neg_tls = "\x01\x00\x08\x00\x01\x00\x00\x00"s;

TEST(X224Request, ParsesTheSpecSampleCookie) {
  request_parser p;
  ASSERT_EQ(p.feed(ms_sample), status::complete) << p.error();
  EXPECT_EQ(p.request().kind, connection_request::identity::cookie);
  EXPECT_EQ(p.request().cookie, "eltons");
  ASSERT_TRUE(p.request().negotiation);
  EXPECT_EQ(p.request().negotiation->protocols, 0u);
}

TEST(X224Request, ParsesARoutingTokenAsFreeRdpSendsIt) {
  request_parser p;
  ASSERT_EQ(p.feed(request_with("gh1~alice~win01~1~abc\r\n" + neg_tls)), status::complete)
      << p.error();
  EXPECT_EQ(p.request().kind, connection_request::identity::routing_token);
  EXPECT_EQ(p.request().token, "gh1~alice~win01~1~abc");
  EXPECT_EQ(p.request().negotiation->protocols, 1u);
}

TEST(X224Request, StripsTheMstsCookiePrefixOfARoutingToken) {
  request_parser p;
  ASSERT_EQ(p.feed(request_with("Cookie: msts=tok123\r\n")), status::complete) << p.error();
  EXPECT_EQ(p.request().token, "tok123");
  EXPECT_FALSE(p.request().negotiation);
}

TEST(X224Request, NegotiationOnlyAndBareRequest) {
  request_parser a;
  ASSERT_EQ(a.feed(request_with(neg_tls)), status::complete) << a.error();
  EXPECT_EQ(a.request().kind, connection_request::identity::none);
  request_parser b;
  ASSERT_EQ(b.feed(request_with("")), status::complete) << b.error();
  EXPECT_FALSE(b.request().negotiation);
}

TEST(X224Request, CorrelationInfoFollowsTheFlag) {
  std::string corr = "\x06\x00\x24\x00"s + std::string(32, 'c');
  std::string neg = "\x01\x08\x08\x00\x03\x00\x00\x00"s;
  request_parser p;
  ASSERT_EQ(p.feed(request_with("tok\r\n" + neg + corr)), status::complete) << p.error();
  EXPECT_EQ(p.request().correlation, corr);
  EXPECT_EQ(build_forwarded_request(p.request()), request_with(neg + corr));
  request_parser missing;
  EXPECT_EQ(missing.feed(request_with("tok\r\n" + neg)), status::error);
}

TEST(X224Request, ByteByByteIsTheSameAsAtOnce) {
  request_parser p;
  for (std::size_t i = 0; i < ms_sample.size(); ++i) {
    EXPECT_EQ(p.current(), status::need_more);
    EXPECT_GE(p.wanted(), 1u);
    p.feed(ms_sample.substr(i, 1));
  }
  ASSERT_EQ(p.current(), status::complete) << p.error();
  EXPECT_EQ(p.request().cookie, "eltons");
  EXPECT_EQ(p.wanted(), 0u);
}

TEST(X224Request, WantedNeverReachesPastTheRequest) {
  request_parser p;
  EXPECT_EQ(p.wanted(), 4u);
  p.feed(ms_sample.substr(0, 4));
  EXPECT_EQ(p.wanted(), ms_sample.size() - 4);
  EXPECT_EQ(p.feed(ms_sample.substr(4) + "X"), status::error);
}

TEST(X224Request, TruncatedInputNeedsMore) {
  for (std::size_t n = 0; n < ms_sample.size(); ++n) {
    request_parser p;
    EXPECT_EQ(p.feed(ms_sample.substr(0, n)), status::need_more) << n;
  }
}

TEST(X224Request, RejectsMalformedRequests) {
  auto rejects = [](const std::string& bytes, const std::string& why) {
    request_parser p;
    EXPECT_EQ(p.feed(bytes), status::error) << why;
    EXPECT_FALSE(p.error().empty());
  };
  rejects("GET / HTTP/1.1\r\n\r\n", "http");
  rejects("\x16\x03\x01\x00\x20"s, "tls hello");
  rejects("\x03\x00\x00\x05"s, "tpkt too small");
  rejects("\x03\x00\x01\x04"s, "oversized: 260 bytes");
  rejects("\x03\x00\xff\xff"s, "oversized: 65535 bytes");
  std::string bad_li = request_with(neg_tls);
  bad_li[4] = 0x10;
  rejects(bad_li, "li mismatch");
  std::string not_cr = request_with(neg_tls);
  not_cr[5] = '\xf0';
  rejects(not_cr, "data tpdu");
  std::string cls = request_with("");
  cls[10] = 0x20;
  rejects(cls, "class 2");
  rejects(request_with("Cookie: mstshash=bob"), "cookie without crlf");
  rejects(request_with("Cookie: mstshash=\r\n"), "empty cookie");
  rejects(request_with("tok\x01en\r\n"), "control char in token");
  rejects(request_with("token-without-end"), "token without crlf");
  rejects(request_with("tok\r\n\x01\x00\x08\x00\x01\x00"s), "short neg");
  rejects(request_with("tok\r\n" + neg_tls + "junk"), "trailing junk");
  rejects(request_with("\x02\x00\x08\x00\x01\x00\x00\x00"s), "wrong neg type");
}

TEST(X224Request, LongestPossibleRequestIsAccepted) {
  std::string token(259 - 11 - 2 - 8, 't');
  request_parser p;
  ASSERT_EQ(p.feed(request_with(token + "\r\n" + neg_tls)), status::complete) << p.error();
  EXPECT_EQ(p.request().token.size(), token.size());
}

TEST(X224Request, ForwardedRequestDropsTheTokenAndKeepsNegotiation) {
  request_parser p;
  ASSERT_EQ(p.feed(request_with("gh1~secret\r\n" + neg_tls)), status::complete);
  auto fwd = build_forwarded_request(p.request());
  EXPECT_EQ(fwd, request_with(neg_tls));
  EXPECT_EQ(fwd.find("secret"), std::string::npos);
  request_parser again;
  ASSERT_EQ(again.feed(fwd), status::complete) << again.error();
  EXPECT_EQ(again.request().kind, connection_request::identity::none);
}

TEST(X224Request, ForwardedRequestKeepsACookie) {
  request_parser p;
  ASSERT_EQ(p.feed(ms_sample), status::complete);
  EXPECT_EQ(build_forwarded_request(p.request()), ms_sample);
}

TEST(X224Confirm, NegotiationFailureLayout) {
  auto cc = build_negotiation_failure(failure_code::hybrid_required_by_server);
  EXPECT_EQ(cc, "\x03\x00\x00\x13\x0e\xd0\x00\x00\x12\x34\x00\x03\x00\x08\x00\x05\x00\x00\x00"s);
}

}  // namespace
}  // namespace gatehouse::proxy::rdp
