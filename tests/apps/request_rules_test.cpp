// The relay's header rules (apps/relay/request_rules.hpp) on parsed heads: what is refused as
// ambiguous framing, what the upstream is sent, what the client gets back.
#include "apps/relay/request_rules.hpp"

#include <boost/beast/http/parser.hpp>
#include <gtest/gtest.h>

namespace gatehouse::apps {
namespace {

namespace http = boost::beast::http;

request_head parsed(std::string text) {
  http::request_parser<http::empty_body> p;
  p.eager(false);
  boost::system::error_code ec;
  p.put(boost::asio::buffer(text), ec);
  EXPECT_FALSE(ec) << ec.message() << " in " << text;
  return p.get().base();
}

upstream_target target_of(const std::string& url) {
  auto t = parse_upstream(url, "/ca.pem");
  EXPECT_TRUE(std::holds_alternative<upstream_target>(t)) << url;
  return std::get<upstream_target>(t);
}

TEST(RelayRules, ParsesUpstreamUrls) {
  auto t = target_of("http://127.0.0.1:3000");
  EXPECT_FALSE(t.tls);
  EXPECT_EQ(t.host, "127.0.0.1");
  EXPECT_EQ(t.port, "3000");
  EXPECT_EQ(t.base_path, "");
  EXPECT_EQ(t.authority(), "127.0.0.1:3000");
  auto s = target_of("https://grafana.internal/base/");
  EXPECT_TRUE(s.tls);
  EXPECT_EQ(s.port, "443");
  EXPECT_EQ(s.base_path, "/base");
  EXPECT_EQ(s.authority(), "grafana.internal");
  EXPECT_EQ(target_of("http://[::1]:8080").authority(), "[::1]:8080");
  for (const char* bad : {"ftp://x", "http://", "http://a:0", "http://a:99999", "http://u@h",
                          "http://h/?q", "http://h:x", "http://[::1"})
    EXPECT_TRUE(std::holds_alternative<std::string>(parse_upstream(bad, ""))) << bad;
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_upstream("https://h", "")));
}

TEST(RelayRules, RefusesAmbiguousFraming) {
  auto problem = [](const std::string& fields) {
    return framing_problem(parsed("POST /x HTTP/1.1\r\nHost: a\r\n" + fields + "\r\n"));
  };
  EXPECT_EQ(problem("Content-Length: 3\r\n"), "");
  EXPECT_EQ(problem("Transfer-Encoding: chunked\r\n"), "");
  EXPECT_NE(problem("Content-Length: 3\r\nContent-Length: 3\r\n"), "");
  EXPECT_NE(problem("Content-Length: 3, 3\r\n"), "");
  EXPECT_NE(problem("Transfer-Encoding: gzip, chunked\r\n"), "");
  EXPECT_NE(problem("Transfer-Encoding: gzip\r\n"), "");
  EXPECT_NE(problem("Transfer-Encoding: chunked, chunked\r\n"), "");
  EXPECT_NE(framing_problem(parsed("GET http://x/ HTTP/1.1\r\nHost: a\r\n\r\n")), "");
  EXPECT_NE(framing_problem(parsed("GET / HTTP/1.1\r\n\r\n")), "");
  EXPECT_NE(framing_problem(parsed("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")), "");
}

TEST(RelayRules, ForwardsWithoutHopByHopAndForgedIdentity) {
  admission a;
  a.add_headers = {{"Gatehouse-Jwt-Assertion", "signed"}};
  a.drop_cookies = {"gatehouse_app"};
  a.drop_authorization = true;
  auto in = parsed(
      "GET / HTTP/1.1\r\nHost: app.gate\r\nConnection: keep-alive, X-Secret\r\nX-Secret: s\r\n"
      "Keep-Alive: 5\r\nTE: trailers\r\nUpgrade: h2c\r\nProxy-Authorization: p\r\n"
      "X-Gatehouse-User: eve\r\nGatehouse-Jwt-Assertion: forged\r\nX-Forwarded-For: 6.6.6.6\r\n"
      "Forwarded: for=6.6.6.6\r\nX-Remote-User: eve\r\nAuthorization: Bearer t\r\n"
      "Cookie: a=1; gatehouse_app=secret; b=2\r\nAccept: text/html\r\n\r\n");
  auto out = upstream_fields(in, a, "10.1.2.3:4444");
  for (const char* gone :
       {"Connection", "X-Secret", "Keep-Alive", "TE", "Upgrade", "Proxy-Authorization",
        "X-Gatehouse-User", "Forwarded", "X-Remote-User", "Authorization", "Host"})
    EXPECT_EQ(out.count(gone), 0u) << gone;
  EXPECT_EQ(out["Gatehouse-Jwt-Assertion"], "signed");
  EXPECT_EQ(out.count("Gatehouse-Jwt-Assertion"), 1u);
  EXPECT_EQ(out["X-Forwarded-For"], "10.1.2.3");
  EXPECT_EQ(out["X-Forwarded-Proto"], "https");
  EXPECT_EQ(out["X-Forwarded-Host"], "app.gate");
  EXPECT_EQ(out["Cookie"], "a=1; b=2");
  EXPECT_EQ(out["Accept"], "text/html");
  EXPECT_EQ(address_of("[2001:db8::1]:443"), "2001:db8::1");
}

TEST(RelayRules, RewritesLocationAndCookieDomain) {
  auto t = target_of("http://127.0.0.1:3000/base");
  http::fields up;
  up.insert(http::field::location, "http://127.0.0.1:3000/base/login?next=%2F");
  up.insert(http::field::set_cookie, "s=1; Domain=127.0.0.1; Path=/; HttpOnly");
  up.insert(http::field::set_cookie, "t=2;domain=.example.org");
  up.insert(http::field::connection, "close");
  auto out = client_fields(up, t, "https://app.gate.example");
  EXPECT_EQ(out[http::field::location], "https://app.gate.example/login?next=%2F");
  auto [first, last] = out.equal_range(http::field::set_cookie);
  ASSERT_NE(first, last);
  EXPECT_EQ(first->value(), "s=1; Path=/; HttpOnly");
  EXPECT_EQ(std::next(first)->value(), "t=2");
  EXPECT_EQ(out.count(http::field::connection), 0u);
  http::fields elsewhere;
  elsewhere.insert(http::field::location, "https://other.example/x");
  EXPECT_EQ(client_fields(elsewhere, t, "https://app")[http::field::location],
            "https://other.example/x");
  http::fields relative;
  relative.insert(http::field::location, "/base/x");
  EXPECT_EQ(client_fields(relative, t, "https://app")[http::field::location], "/x");
}

TEST(RelayRules, RecordsPathsWithoutQueryValues) {
  EXPECT_EQ(recorded_path("/search?q=secret&page=2"), "/search?q=&page=");
  EXPECT_EQ(recorded_path("/a/b"), "/a/b");
}

}  // namespace
}  // namespace gatehouse::apps
