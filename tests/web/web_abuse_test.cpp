// The web app's abuse cases (issue 13), socket-free over a real store: where `next=` may send
// a browser after sign-in, sign-in forms posted from another site, links and sessions of people
// removed from the configuration, the sign-in mail limits per source, and /metrics (in-memory
// counters, the bearer token).
#include "storage/sqlite/database.hpp"
#include "tests/web/web_app_fixture.hpp"

namespace gatehouse::web {
namespace {

using testing::public_url;

class WebAbuse : public testing::WebApp {
 protected:
  // Asks for a sign-in link for `who` from `peer` ("address:port").
  void ask_sign_in(const std::string& who, const std::string& peer,
                   const std::string& next = "/my/approvals") {
    app_->handle({"POST", "/sign-in", "who=" + url_encode(who) + "&next=" + url_encode(next),
                  "application/x-www-form-urlencoded", "", public_url, peer});
  }
  std::size_t mailed_to(const std::string& person) const {
    std::size_t n = 0;
    for (const auto& [to, url] : mailer_.sent) n += to == person;
    return n;
  }
  // The configuration without `person`, as a reload that removed them leaves it.
  void remove_person(const std::string& person) {
    auto c = std::make_shared<config::config>(*cfg_);
    std::erase_if(c->users, [&](const config::user& u) { return u.name == person; });
    cfg_ = c;
  }
  void set_metrics_token(const std::string& token) {
    auto c = std::make_shared<config::config>(*cfg_);
    c->listen.http->metrics_token = token;
    cfg_ = c;
  }
};

TEST_F(WebAbuse, NextAfterSignInIsOnlyALocalPath) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"//evil.example", "/"},          {"/\t/evil.example", "/"},
      {"/\\evil.example", "/"},         {"/my/requests\\..\\x", "/"},
      {"https://evil.example/", "/"},   {"javascript:alert(1)", "/"},
      {"/ /evil.example", "/"},         {"/my/requests\n", "/"},
      {"/my/requests", "/my/requests"},
  };
  int source = 0;
  for (const auto& [next, lands] : cases) {
    // A source of its own per case: the limits are not what this test is about.
    ask_sign_in("bob", "10.0.0." + std::to_string(++source) + ":1", next);
    auto done = follow_sign_in_link(mailed_path());
    ASSERT_EQ(done.status, 303) << done.body;
    EXPECT_EQ(header(done, "Location"), lands) << "next=" << next;
  }
  auto form = get("/sign-in?next=%2F%09%2Fevil.example");
  EXPECT_NE(form.body.find("name=\"next\" value=\"/\""), std::string::npos) << form.body;
}

TEST_F(WebAbuse, ASignInLinkPostedFromAnotherSiteIsRefused) {
  ask_sign_in("bob", "127.0.0.1:1");
  const auto link = mailed_path();
  auto form = [](const std::string& csrf) { return "csrf=" + url_encode(csrf); };
  // A form on another site posting the link (an attacker's own link, to sign the victim in as
  // the attacker): without the sign-in cookie, whatever Origin the browser reports.
  for (const std::string origin : {"", "null", "https://evil.example"}) {
    auto r = app_->handle(
        {"POST", link, "", "application/x-www-form-urlencoded", "", origin, "127.0.0.1:1"});
    EXPECT_EQ(r.status, 403) << "Origin: " << origin;
    EXPECT_NE(
        r.body.find(origin.size() > 4 ? "sent from another site" : "did not come from this site"),
        std::string::npos)
        << r.body;
  }
  // The attacker's own page token does not fit another browser's cookie.
  auto attackers = get(link);
  auto victims_cookie = "__Host-gatehouse-sign-in=" + std::string(43, 'A');
  EXPECT_EQ(
      app_->handle({"POST", link, form(csrf_in(attackers.body)),
                    "application/x-www-form-urlencoded", victims_cookie, "null", "127.0.0.1:1"})
          .status,
      403);
  // Sec-Fetch-Site names the site a form came from: another one (or a sibling host) is refused.
  auto page = get(link);
  auto cookie = header(page, "Set-Cookie");
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos) << cookie;
  web_request cross{"POST",
                    link,
                    form(csrf_in(page.body)),
                    "application/x-www-form-urlencoded",
                    cookie.substr(0, cookie.find(';')),
                    "null",
                    "127.0.0.1:1"};
  cross.fetch_site = "cross-site";
  EXPECT_EQ(app_->handle(cross).status, 403);
  cross.fetch_site = "same-site";
  EXPECT_EQ(app_->handle(cross).status, 403);
  EXPECT_EQ(get(link).status, 200) << "refused posts do not use the link";
  // The browser that opened the link signs in.
  cross.fetch_site = "same-origin";
  auto done = app_->handle(cross);
  EXPECT_EQ(done.status, 303) << done.body;
  EXPECT_NE(header(done, "Set-Cookie").find("__Host-gatehouse="), std::string::npos);
}

TEST_F(WebAbuse, LinksAndSessionsOfARemovedPersonStopWorking) {
  auto link = link_for("carol");
  auto csrf = csrf_in(get(link).body);
  ASSERT_FALSE(csrf.empty());
  auto carol = sign_in("carol");
  ASSERT_EQ(get("/my/approvals", carol).status, 200);
  ask_sign_in("carol", "10.0.0.9:1");
  auto sign_in_link = mailed_path();

  remove_person("carol");
  auto page = get(link);
  EXPECT_EQ(page.status, 410);
  EXPECT_NE(page.body.find("no longer an approver"), std::string::npos) << page.body;
  EXPECT_EQ(post(link, "action=approve&csrf=" + csrf).status, 410);
  EXPECT_EQ(current().state, policy::request_state::pending);
  EXPECT_TRUE(current().decisions.empty());
  EXPECT_EQ(get("/my/approvals", carol).status, 303) << "her session ended with her";
  EXPECT_EQ(get(sign_in_link).status, 410) << "and so did her sign-in link";
  // Bob, still configured, decides by his link as before.
  auto bobs = link_for("bob");
  EXPECT_EQ(post(bobs, "action=approve&csrf=" + csrf_in(get(bobs).body)).status, 200);
}

TEST_F(WebAbuse, AFloodOfBobsNameFromElsewhereDoesNotLockBobOut) {
  for (int i = 0; i < 30; ++i) ask_sign_in("bob", "203.0.113.9:" + std::to_string(1000 + i));
  EXPECT_EQ(mailed_to("bob"), 3u) << "three links per person and source";
  ask_sign_in("bob@example.com", "198.51.100.7:50000");
  EXPECT_EQ(mailed_to("bob"), 4u) << "bob asks from his own address and gets his link";
  auto done = follow_sign_in_link(mailed_path());
  EXPECT_EQ(done.status, 303) << done.body;
  // Many sources together reach the ceiling per person (no mailbox flooded without end).
  for (int source = 1; source <= 5; ++source)
    for (int i = 0; i < 3; ++i) ask_sign_in("bob", "192.0.2." + std::to_string(source) + ":1");
  EXPECT_EQ(mailed_to("bob"), 10u);
}

TEST_F(WebAbuse, MetricsAskForTheBearerToken) {
  EXPECT_EQ(get("/metrics").status, 200) << "open without a token configured";
  const std::string token = "m3trics-token-0123456789abcdef";
  set_metrics_token(token);
  auto scrape = [&](const std::string& authorization) {
    web_request r{"GET", "/metrics", "", "", "", "", "127.0.0.1:1"};
    r.authorization = authorization;
    return app_->handle(r);
  };
  auto none = scrape("");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(header(none, "WWW-Authenticate"), "Bearer realm=\"gatehouse metrics\"");
  EXPECT_EQ(none.body.find("gatehouse_"), std::string::npos);
  EXPECT_EQ(scrape("Bearer " + token.substr(1)).status, 401);
  EXPECT_EQ(scrape("Bearer " + token + "x").status, 401);
  EXPECT_EQ(scrape("Basic " + token).status, 401);
  EXPECT_EQ(scrape(token).status, 401);
  auto ok = scrape("Bearer " + token);
  EXPECT_EQ(ok.status, 200);
  EXPECT_NE(ok.body.find("gatehouse_requests{instance="), std::string::npos) << ok.body;
}

TEST_F(WebAbuse, MetricsComeFromMemoryNotFromTheStore) {
  auto bob = link_for("bob");
  EXPECT_EQ(post(bob, "action=deny&csrf=" + csrf_in(get(bob).body)).status, 200);
  auto filed = access_->file_request(policy::testing::to("alice"), {"again"});
  ASSERT_TRUE(filed) << filed.message();
  gate_->changed();
  // A scrape must not read the store: with its tables gone it still answers from memory.
  auto db = storage::sqlite::database::open((dir_ / "gate.db").string());
  ASSERT_TRUE(db) << db.message();
  ASSERT_TRUE(
      (*db)->exec("ALTER TABLE requests RENAME TO requests_away; "
                  "ALTER TABLE web_tokens RENAME TO web_tokens_away"));
  auto m = get("/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("gatehouse_requests{instance=\"gatehouse\",state=\"pending\"} 1\n"),
            std::string::npos)
      << m.body;
  EXPECT_NE(
      m.body.find("gatehouse_requests_ended_total{instance=\"gatehouse\",state=\"denied\"} 1\n"),
      std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("gatehouse_requests_filed_total{instance=\"gatehouse\"} 2\n"),
            std::string::npos)
      << m.body;
}

}  // namespace
}  // namespace gatehouse::web
