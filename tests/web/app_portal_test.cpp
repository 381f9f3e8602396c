// The portal of gated web apps (web/app_portal_pages.cpp) over a real store: a person without a
// grant gets the request page, files, waits on a page that follows the request, and goes on to
// the app through a launch link once approved; a denial shows who denied and why. The page of
// personal tokens issues one, shows it once with its curl line, and shows refusals' reasons.
#include <gtest/gtest.h>

#include <regex>

#include "apps/identity/http_tokens.hpp"
#include "web/web_app_fixture.hpp"

namespace gatehouse::web::testing {
namespace {

class AppPortal : public WebApp {
 protected:
  void SetUp() override {
    shape_config = [](policy::testing::config_builder& b) {
      b.server("grafana", {}, {}, config::protocol::http);
      b.server("vault", {}, {}, config::protocol::http);
      b.raw().listen.http->apps_domain = "apps.gate.example";
      auto r = make_rule("grafana-needs-approval", config::rule_mode::approve,
                         {"group:developers"}, {"grafana"}, {"*"}, {level({"bob"})});
      r.max_duration = std::chrono::hours(4);
      b.rule(r);
      b.rule(make_rule("no-vault", config::rule_mode::deny, {"*"}, {"vault"}, {"*"}, {}));
    };
    launch_app = [this](const std::string& name, const policy::authorization& a,
                        const std::string& next) -> std::optional<std::string> {
      launched.push_back({name, a.person(), a.grant(), next});
      return "https://" + name + ".apps.gate.example/.gatehouse/launch?t=T";
    };
    WebApp::SetUp();
  }

  struct launch_seen {
    std::string app, person;
    std::optional<policy::grant_id> grant;
    std::string next;
  };
  std::vector<launch_seen> launched;
};

TEST_F(AppPortal, SignedOutVisitorsSignInAndKeepTheAppPath) {
  auto r = get("/apps/grafana?next=%2Fd%2F1");
  EXPECT_EQ(r.status, 303);
  EXPECT_EQ(header(r, "Location"), "/sign-in?next=" + url_encode("/apps/grafana?next=%2Fd%2F1"));
}

TEST_F(AppPortal, ListsTheAppsAPersonMayAskFor) {
  auto alice = sign_in("alice");
  auto r = get("/apps", alice);
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("grafana"), std::string::npos);
  EXPECT_NE(r.body.find("https://grafana.apps.gate.example/"), std::string::npos);
  EXPECT_NE(r.body.find("needs a request"), std::string::npos);
  EXPECT_EQ(r.body.find("vault"), std::string::npos) << "a denied app is not offered";
  auto denied = get("/apps/vault", alice);
  EXPECT_EQ(denied.status, 403);
}

TEST_F(AppPortal, FileWaitApproveThenLaunch) {
  auto alice = sign_in("alice");
  auto page = get("/apps/grafana?next=%2Fd%2F1", alice);
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("Request access to grafana"), std::string::npos);
  EXPECT_NE(page.body.find("grafana-needs-approval"), std::string::npos);
  EXPECT_NE(page.body.find("<li>bob</li>"), std::string::npos) << "who decides is named";
  EXPECT_NE(page.body.find("at most 4h"), std::string::npos);

  auto filed = post("/apps/grafana/request",
                    "csrf=" + url_encode(csrf_in(page.body)) +
                        "&next=%2Fd%2F1&reason=look+at+the+latency+board&duration=2h",
                    public_url, alice);
  ASSERT_EQ(filed.status, 303) << filed.body;
  const auto wait = header(filed, "Location");
  ASSERT_TRUE(wait.starts_with("/apps/grafana/wait/")) << wait;
  auto id = std::stoll(wait.substr(std::string("/apps/grafana/wait/").size()));
  auto stored = access_->get_request(id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->server, "grafana");
  EXPECT_EQ(stored->justification, "look at the latency board");
  EXPECT_EQ(stored->protocol, config::protocol::http);

  auto waiting = get(wait, alice);
  EXPECT_EQ(waiting.status, 200);
  EXPECT_NE(waiting.body.find("Waiting for bob"), std::string::npos);
  EXPECT_NE(waiting.body.find("/static/apps_wait.js"), std::string::npos);
  EXPECT_EQ(header(waiting, "Refresh"), "10") << "the no-JavaScript fallback";
  // The portal again: the pending request's page, not a second request.
  auto again = get("/apps/grafana?next=%2Fd%2F1", alice);
  EXPECT_EQ(again.status, 303);
  EXPECT_EQ(header(again, "Location"), wait);

  // Only the requester gets the live events.
  web_request events{"GET", "/apps/grafana/wait/" + std::to_string(id) + "/events", "", "",
                     alice, "", "127.0.0.1:1"};
  auto target = app_->wait_events_for(events);
  ASSERT_TRUE(target);
  EXPECT_EQ(target->request_id, id);
  events.cookie = sign_in("bob");
  EXPECT_FALSE(app_->wait_events_for(events));

  ASSERT_TRUE(access_->approve(id, "bob", {}));
  gate_->changed();
  auto approved = get(wait, alice);
  EXPECT_EQ(approved.status, 303);
  EXPECT_EQ(header(approved, "Location"), "/apps/grafana?next=/d/1");
  auto open = get("/apps/grafana?next=%2Fd%2F1", alice);
  EXPECT_EQ(open.status, 303);
  EXPECT_EQ(header(open, "Location"), "https://grafana.apps.gate.example/.gatehouse/launch?t=T");
  ASSERT_EQ(launched.size(), 1u);
  EXPECT_EQ(launched[0].app, "grafana");
  EXPECT_EQ(launched[0].person, "alice");
  EXPECT_EQ(launched[0].next, "/d/1");
  EXPECT_EQ(launched[0].grant, access_->get_request(id)->grant) << "the approved grant";
}

TEST_F(AppPortal, ADenialShowsWhoAndWhy) {
  auto alice = sign_in("alice");
  auto page = get("/apps/grafana", alice);
  auto filed = post("/apps/grafana/request",
                    "csrf=" + url_encode(csrf_in(page.body)) + "&reason=x&duration=1h", public_url,
                    alice);
  auto wait = header(filed, "Location");
  auto id = std::stoll(wait.substr(std::string("/apps/grafana/wait/").size()));
  ASSERT_TRUE(access_->deny(id, "bob", "use the <b>read-only</b> board"));
  gate_->changed();
  auto r = get(wait, alice);
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("denied by bob: use the &lt;b&gt;read-only&lt;/b&gt; board"),
            std::string::npos)
      << r.body;
}

TEST_F(AppPortal, RefusesFormsFromOtherSitesAndUnsafeNextPaths) {
  auto alice = sign_in("alice");
  auto page = get("/apps/grafana", alice);
  auto cross = post("/apps/grafana/request",
                    "csrf=" + url_encode(csrf_in(page.body)) + "&reason=x", "https://evil.example",
                    alice);
  EXPECT_EQ(cross.status, 403);
  auto stale = post("/apps/grafana/request", "csrf=forged&reason=x", public_url, alice);
  EXPECT_EQ(stale.status, 403);
  // A next path that leaves the app is replaced by the app's root.
  auto filed = post("/apps/grafana/request",
                    "csrf=" + url_encode(csrf_in(page.body)) +
                        "&reason=x&next=%2F%2Fevil.example%2F",
                    public_url, alice);
  EXPECT_TRUE(header(filed, "Location").ends_with("?next=/")) << header(filed, "Location");
  EXPECT_EQ(header(filed, "Location").find("evil"), std::string::npos);
}

TEST_F(AppPortal, TheTokenPageOffersTheAppsAPersonMayUse) {
  auto alice = sign_in("alice");
  EXPECT_NE(get("/apps", alice).body.find("href=\"/apps/tokens\""), std::string::npos);
  auto page = get("/apps/tokens", alice);
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<option value=\"grafana\">"), std::string::npos) << page.body;
  EXPECT_EQ(page.body.find("vault"), std::string::npos) << "a denied app is not offered";
  EXPECT_NE(page.body.find("value=\"8h\""), std::string::npos) << "the default validity";
  EXPECT_EQ(get("/apps/tokens").status, 303) << "signed out: the sign-in page";
}

TEST_F(AppPortal, ATokenIsShownOnceWithItsCurlLine) {
  auto alice = sign_in("alice");
  auto page = get("/apps/tokens", alice);
  auto r = post("/apps/tokens", "csrf=" + url_encode(csrf_in(page.body)) + "&app=grafana&valid=2h",
                public_url, alice);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(header(r, "Cache-Control"), "no-store");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.body, m, std::regex("id=\"token\">(ghh_[A-Za-z0-9_-]{43})<")))
      << r.body;
  const std::string token = m[1];
  EXPECT_NE(r.body.find("curl -H \"Authorization: Bearer " + token +
                        "\" https://grafana.apps.gate.example/"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("Valid for 2h"), std::string::npos);
  auto verified = apps::verify_http_token(*tokens_, token, clock_.now());
  ASSERT_TRUE(verified);
  EXPECT_EQ(verified->person, "alice");
  EXPECT_EQ(verified->app, "grafana");
  EXPECT_EQ(verified->expires, clock_.now() + 2h);
  EXPECT_EQ(get("/apps/tokens", alice).body.find(token), std::string::npos) << "shown only once";
  bool audited = false;
  for (const auto& e : audit_.events)
    if (e.name == "http_token.issued") {
      audited = true;
      for (const auto& [k, v] : e.fields) EXPECT_EQ(v.find(token.substr(4)), std::string::npos);
    }
  EXPECT_TRUE(audited);
}

TEST_F(AppPortal, TokenRefusalsShowTheirReason) {
  auto alice = sign_in("alice");
  const auto csrf = "csrf=" + url_encode(csrf_in(get("/apps/tokens", alice).body));
  auto denied = post("/apps/tokens", csrf + "&app=vault&valid=1h", public_url, alice);
  EXPECT_EQ(denied.status, 409) << "refused (admin::status_for)";
  EXPECT_EQ(denied.body.find("ghh_"), std::string::npos);
  auto rule_says = gate_->check({"alice", "vault", "", config::protocol::http});
  ASSERT_TRUE(std::holds_alternative<policy::decisions::deny>(rule_says));
  EXPECT_NE(denied.body.find(escape(std::get<policy::decisions::deny>(rule_says).text)),
            std::string::npos)
      << denied.body;
  auto too_short = post("/apps/tokens", csrf + "&app=grafana&valid=1m", public_url, alice);
  EXPECT_EQ(too_short.status, 422);
  EXPECT_NE(too_short.body.find("a token is valid for 5m to 30d, not 1m"), std::string::npos)
      << too_short.body;
  auto unknown = post("/apps/tokens", csrf + "&app=%3Cb%3Enope&valid=1h", public_url, alice);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_NE(unknown.body.find("no web app named &#39;&lt;b&gt;nope&#39;"), std::string::npos)
      << unknown.body;
  auto garbled = post("/apps/tokens", csrf + "&app=grafana&valid=soon", public_url, alice);
  EXPECT_EQ(garbled.status, 400);
  EXPECT_EQ(post("/apps/tokens", csrf + "&app=grafana", "https://evil.example", alice).status, 403);
  EXPECT_EQ(post("/apps/tokens", "csrf=forged&app=grafana", public_url, alice).status, 403);
  EXPECT_EQ(post("/apps/tokens", csrf + "&app=grafana", public_url).status, 403) << "signed out";
}

}  // namespace
}  // namespace gatehouse::web::testing
