// The web app over a real SQLite store, access_service and gate_service (the io_context is not
// run: the app is socket-free): approval links, CSRF, Origin, sign-in, routing.
#include "tests/web/web_app_fixture.hpp"
#include "web/request_history.hpp"

namespace gatehouse::web {
namespace {

using testing::public_url;
using WebApp = testing::WebApp;

TEST_F(WebApp, GetShowsTheRequestAndChangesNothing) {
  auto link = link_for("bob");
  for (int i = 0; i < 3; ++i) {
    auto page = get(link);
    EXPECT_EQ(page.status, 200);
    EXPECT_NE(page.body.find("deploy 4.2"), std::string::npos);
    EXPECT_NE(page.body.find("value=\"approve\""), std::string::npos);
    EXPECT_NE(page.body.find("Deciding as <strong>bob</strong>"), std::string::npos);
  }
  EXPECT_EQ(current().state, policy::request_state::pending);
  EXPECT_TRUE(current().decisions.empty());
}

TEST_F(WebApp, PostWithTheFormsTokenDecidesAsTheLinksApprover) {
  auto link = link_for("bob");
  auto csrf = csrf_in(get(link).body);
  ASSERT_FALSE(csrf.empty());
  auto done = post(link, "csrf=" + csrf + "&action=approve&comment=go+ahead&duration=2h");
  EXPECT_EQ(done.status, 200) << done.body;
  EXPECT_NE(done.body.find("You approved request"), std::string::npos);
  auto r = current();
  EXPECT_EQ(r.state, policy::request_state::approved);
  ASSERT_EQ(r.decisions.size(), 1u);
  EXPECT_EQ(r.decisions[0].approver, "bob");
  EXPECT_EQ(r.decisions[0].comment, "go ahead");
  EXPECT_FALSE(r.decisions[0].admin_override);
  auto g = access_->get_grant(*r.grant);
  EXPECT_EQ(g->end - g->start, std::chrono::hours(2));
}

TEST_F(WebApp, PostWithoutOrWithAWrongCsrfTokenIsRefused) {
  auto link = link_for("bob");
  EXPECT_EQ(post(link, "action=approve").status, 403);
  EXPECT_EQ(post(link, "action=approve&csrf=AAAA").status, 403);
  // A form token from another link does not fit this one.
  auto carols = csrf_in(get(link_for("carol")).body);
  EXPECT_EQ(post(link, "action=approve&csrf=" + carols).status, 403);
  EXPECT_EQ(current().state, policy::request_state::pending);
  EXPECT_EQ(get(link).status, 200) << "a refused POST does not use the link";
}

TEST_F(WebApp, ACrossSiteOriginIsRefused) {
  auto link = link_for("bob");
  auto csrf = csrf_in(get(link).body);
  EXPECT_EQ(post(link, "action=approve&csrf=" + csrf, "https://evil.example").status, 403);
  EXPECT_EQ(current().state, policy::request_state::pending);
}

TEST_F(WebApp, ALinkIsUsedOnceAndThenSaysWhoDecided) {
  auto link = link_for("bob");
  auto csrf = csrf_in(get(link).body);
  EXPECT_EQ(post(link, "action=deny&comment=not+now&csrf=" + csrf).status, 200);
  auto again = post(link, "action=approve&csrf=" + csrf);
  EXPECT_EQ(again.status, 410);
  EXPECT_EQ(current().state, policy::request_state::denied);
  auto page = get(link);
  EXPECT_EQ(page.status, 410);
  EXPECT_NE(page.body.find("This link was used"), std::string::npos);
  EXPECT_NE(page.body.find("<strong>bob</strong> denied at"), std::string::npos);
  EXPECT_NE(page.body.find("not now"), std::string::npos);
}

TEST_F(WebApp, AnExpiredLinkIsRefused) {
  auto link = link_for("bob");
  auto csrf = csrf_in(get(link).body);
  clock_.advance(std::chrono::minutes(31));
  EXPECT_EQ(get(link).status, 410);
  EXPECT_EQ(post(link, "action=approve&csrf=" + csrf).status, 410);
  EXPECT_TRUE(current().decisions.empty());
}

TEST_F(WebApp, OneApproversLinkNeverDecidesForAnother) {
  TearDown();
  start(config::condition::all, false);
  auto bobs = link_for("bob");
  auto carols = link_for("carol");
  EXPECT_EQ(post(bobs, "action=approve&csrf=" + csrf_in(get(bobs).body)).status, 200);
  auto r = current();
  EXPECT_EQ(r.state, policy::request_state::pending) << "carol has not decided";
  ASSERT_EQ(r.decisions.size(), 1u);
  EXPECT_EQ(r.decisions[0].approver, "bob");
  // Bob's selector with a made-up rest is nobody's link.
  auto forged = bobs.substr(0, bobs.size() - 27) + carols.substr(carols.size() - 27);
  EXPECT_EQ(get(forged).status, 404);
  EXPECT_EQ(post(carols, "action=approve&csrf=" + csrf_in(get(carols).body)).status, 200);
  EXPECT_EQ(current().state, policy::request_state::approved);
}

TEST_F(WebApp, AWindowBeyondMaxDurationIsRefusedWithoutUsingTheLink) {
  auto link = link_for("bob");
  auto csrf = csrf_in(get(link).body);
  auto r = post(link, "action=approve&duration=9h&csrf=" + csrf);
  EXPECT_EQ(r.status, 422);
  EXPECT_NE(r.body.find("At most 8h"), std::string::npos);
  EXPECT_EQ(post(link, "action=approve&duration=nonsense&csrf=" + csrf).status, 422);
  EXPECT_EQ(post(link, "action=approve&duration=8h&csrf=" + csrf).status, 200);
}

TEST_F(WebApp, RequireSignInSendsTheApproverToSignInFirst) {
  TearDown();
  start(config::condition::any, true);
  auto link = link_for("bob");
  auto first = get(link);
  EXPECT_EQ(first.status, 303);
  EXPECT_EQ(header(first, "Location"), "/sign-in?next=/my/approvals")
      << "the link's token never travels into the sign-in link's row";
  EXPECT_EQ(post(link, "action=approve").status, 403);
  auto carol = sign_in("carol");
  EXPECT_EQ(get(link, carol).status, 403) << "bob's link is not carol's";
  auto bob = sign_in("bob");
  auto page = get(link, bob);
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(post(link, "action=approve&csrf=" + csrf_in(page.body), public_url, bob).status, 200);
}

TEST_F(WebApp, SignInByMailedLink) {
  auto asked = post("/sign-in", "who=bob%40example.com");
  EXPECT_EQ(asked.status, 200);
  ASSERT_EQ(mailer_.sent.size(), 1u);
  EXPECT_EQ(mailer_.sent[0].first, "bob");
  auto unknown = post("/sign-in", "who=mallory");
  EXPECT_EQ(unknown.status, 200);
  EXPECT_EQ(mailer_.sent.size(), 1u) << "nobody is mailed for an unknown name";
  auto url = mailer_.sent[0].second.substr(std::string(public_url).size());
  EXPECT_EQ(get(url).status, 200) << "a GET shows a button and signs nobody in";
  auto done = follow_sign_in_link(url);
  ASSERT_EQ(done.status, 303);
  auto cookie = header(done, "Set-Cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("Secure"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Lax"), std::string::npos);
  EXPECT_NE(cookie.find("Max-Age="), std::string::npos);
  EXPECT_EQ(follow_sign_in_link(url).status, 410) << "a sign-in link works once";
  auto session = cookie.substr(0, cookie.find(';'));
  auto mine = get("/my/approvals", session);
  EXPECT_EQ(mine.status, 200);
  EXPECT_NE(mine.body.find("/requests/" + std::to_string(request_.id)), std::string::npos);
}

TEST_F(WebApp, SignedInPagesAndActionsUseTheSessionsFormToken) {
  auto bob = sign_in("bob");
  auto detail = get("/requests/" + std::to_string(request_.id), bob);
  ASSERT_EQ(detail.status, 200);
  auto csrf = csrf_in(detail.body);
  auto base = "/requests/" + std::to_string(request_.id);
  EXPECT_EQ(post(base + "/comment", "text=hi", public_url, bob).status, 403);
  EXPECT_EQ(post(base + "/comment", "text=hi&csrf=" + csrf, public_url, bob).status, 303);
  EXPECT_EQ(current().comments.size(), 1u);
  EXPECT_EQ(post(base + "/approve", "csrf=" + csrf, public_url, bob).status, 303);
  EXPECT_EQ(current().state, policy::request_state::approved);
  EXPECT_EQ(current().decisions[0].approver, "bob");
  auto frank = sign_in("frank");
  EXPECT_EQ(get(base, frank).status, 404) << "frank is neither requester nor approver";
}

TEST_F(WebApp, Routing) {
  EXPECT_EQ(get("/healthz").status, 200);
  EXPECT_EQ(get("/static/gatehouse.css").status, 200);
  EXPECT_EQ(get("/my/approvals").status, 303);
  EXPECT_EQ(get("/api/v1/requests").status, 401);
  EXPECT_EQ(get("/approvals/not-a-token").status, 404);
  EXPECT_EQ(app_->handle({"DELETE", "/", "", "", "", "", ""}).status, 405);
  auto metrics = get("/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("state=\"pending\"} 1"), std::string::npos) << metrics.body;
}

TEST_F(WebApp, ApiIsScopedToThePerson) {
  auto bob = sign_in("bob");
  auto list = get("/api/v1/requests", bob);
  EXPECT_EQ(list.status, 200);
  EXPECT_NE(list.body.find("deploy 4.2"), std::string::npos);
  auto frank = sign_in("frank");
  EXPECT_EQ(get("/api/v1/requests", frank).body, "[]");
  auto approve =
      app_->handle({"POST", "/api/v1/requests/" + std::to_string(request_.id) + "/approve", "{}",
                    "application/json", frank, public_url, ""});
  EXPECT_EQ(approve.status, 404);
  approve = app_->handle({"POST", "/api/v1/requests/" + std::to_string(request_.id) + "/approve",
                          R"({"as":"admin"})", "application/json", bob, public_url, ""});
  EXPECT_EQ(approve.status, 200) << approve.body;
  EXPECT_EQ(current().decisions[0].approver, "bob") << "nobody acts as admin from the web";
}

}  // namespace
}  // namespace gatehouse::web

namespace gatehouse::web {
namespace {

TEST_F(WebApp, MyRequestsOffersCancelAndGrantsOfferRevoke) {
  auto alice = sign_in("alice");
  auto mine = get("/my/requests", alice);
  ASSERT_EQ(mine.status, 200);
  auto cancel = "/requests/" + std::to_string(request_.id) + "/cancel";
  EXPECT_NE(mine.body.find("action=\"" + cancel + "\""), std::string::npos);
  EXPECT_EQ(post(cancel, "csrf=" + csrf_in(mine.body), public_url, alice).status, 303);
  EXPECT_EQ(current().state, policy::request_state::cancelled);

  auto again = access_->file_request(policy::testing::to("alice"), {"again"});
  ASSERT_TRUE(again) << again.message();
  auto bob = sign_in("bob");
  ASSERT_TRUE(access_->approve(again->id, "bob", {}));
  auto grants = get("/grants", bob);
  ASSERT_EQ(grants.status, 200);
  auto grant = *access_->get_request(again->id)->grant;
  auto revoke = "/grants/" + std::to_string(grant) + "/revoke";
  ASSERT_NE(grants.body.find(revoke), std::string::npos);
  EXPECT_EQ(post(revoke, "csrf=" + csrf_in(grants.body), public_url, bob).status, 303);
  EXPECT_EQ(access_->get_grant(grant)->state, policy::grant_state::revoked);
  EXPECT_EQ(access_->get_grant(grant)->revoked_by, "bob");
}

// The request page's timeline shows every step: the reassignment, the revocation with the reason
// typed next to the button (also kept for the audit CSV), the grant's end of another request.
TEST_F(WebApp, TheRequestPageRevokesWithAReasonAndShowsEveryStep) {
  ASSERT_TRUE(access_->reassign(request_.id, "carol", "carol", "erin"));
  ASSERT_TRUE(access_->approve(request_.id, "bob", {}));
  auto bob = sign_in("bob");
  auto base = "/requests/" + std::to_string(request_.id);
  auto page = get(base, bob);
  ASSERT_EQ(page.status, 200);
  auto grant = *current().grant;
  auto revoke = "/grants/" + std::to_string(grant) + "/revoke";
  ASSERT_NE(page.body.find("action=\"" + revoke + "\""), std::string::npos);
  ASSERT_NE(page.body.find("name=\"comment\""), std::string::npos);
  EXPECT_EQ(post(revoke, "csrf=" + csrf_in(page.body) + "&back=" + base + "&comment=done+%3Cnow%3E",
                 public_url, bob)
                .status,
            303);
  EXPECT_EQ(access_->get_grant(grant)->state, policy::grant_state::revoked);
  auto after = get(base, bob).body;
  EXPECT_NE(after.find("<strong>carol</strong> reassigned the approval (carol -&gt; erin)"),
            std::string::npos)
      << after;
  EXPECT_NE(after.find("<strong>bob</strong> revoked the grant: &ldquo;done &lt;now&gt;&rdquo;"),
            std::string::npos)
      << after;
  EXPECT_NE(request_csv_row(current()).find("reassigned by carol: carol -> erin; revoked by bob: "
                                            "done <now>"),
            std::string::npos);

  auto brief = access_->file_request(policy::testing::to("alice"), {"brief"});
  ASSERT_TRUE(brief) << brief.message();
  ASSERT_TRUE(access_->approve(brief->id, "bob", {.duration = std::chrono::minutes(5)}));
  clock_.advance(std::chrono::minutes(5));
  ASSERT_TRUE(access_->process_due(clock_.now()));
  EXPECT_NE(get("/requests/" + std::to_string(brief->id), bob).body.find("The grant ended"),
            std::string::npos);
}

// The key that verifies gated web apps' assertions, for anyone (apps fetch it signed out),
// cacheable for 5 minutes.
TEST_F(WebApp, TheJwksIsPublicJsonCachedFiveMinutes) {
  auto jwks = get("/.well-known/jwks.json");
  EXPECT_EQ(jwks.status, 200);
  EXPECT_EQ(jwks.content_type, "application/json");
  EXPECT_EQ(jwks.body, signer_->jwks());
  EXPECT_NE(jwks.body.find("\"kid\":\"" + signer_->key_id() + "\""), std::string::npos);
  EXPECT_EQ(header(jwks, "Cache-Control"), "public, max-age=300");
  EXPECT_EQ(get("/.well-known/jwks.json?x=1").body, signer_->jwks());
  EXPECT_NE(post("/.well-known/jwks.json", "").status, 200);
  EXPECT_EQ(get("/.well-known/other").status, 303);  // only the JWKS is public
}

}  // namespace
}  // namespace gatehouse::web
