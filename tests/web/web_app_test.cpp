// The web app over a real SQLite store, access_service and gate_service (the io_context is not
// run: the app is socket-free): approval links, CSRF, Origin, sign-in, routing.
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "approval/public_links.hpp"
#include "approval/token_store.hpp"
#include "policy/async/gate_service.hpp"
#include "policy/policy_test_support.hpp"
#include "web/app.hpp"
#include "web/sign_in_mailer.hpp"

namespace gatehouse::web {
namespace {

using namespace std::chrono_literals;
using policy::testing::level;
using policy::testing::make_rule;
using policy::testing::standard_people;

constexpr const char* public_url = "https://gate.example";

class recording_mailer final : public sign_in_mailer {
 public:
  void send_sign_in(const config::user& person, const std::string& url) override {
    sent.emplace_back(person.name, url);
  }
  std::vector<std::pair<std::string, std::string>> sent;
};

class WebApp : public ::testing::Test {
 protected:
  void SetUp() override { start(config::condition::any, false); }

  void start(config::condition condition, bool require_sign_in) {
    auto rule = make_rule("approve-web", config::rule_mode::approve, {"group:developers"},
                          {"web01"}, {"*"}, {level({"bob", "carol"}, condition)});
    rule.pending_timeout = std::chrono::minutes(30);
    rule.max_duration = std::chrono::hours(8);
    auto builder = standard_people().rule(rule);
    builder.raw().listen.http =
        config::http_listener{{"127.0.0.1", 8443}, "", "", public_url, require_sign_in, ""};
    for (auto& u : builder.raw().users) u.email = u.name + "@example.com";
    cfg_ = builder.build();
    dir_ = std::filesystem::temp_directory_path() /
           ("web-app-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto db = (dir_ / "gate.db").string();
    auto s = policy::open_store("sqlite:" + db);
    ASSERT_TRUE(s) << s.message();
    store_ = std::move(*s);
    access_ = std::make_unique<policy::access_service>(cfg_, *store_, audit_, notifier_, clock_);
    gate_ = std::make_unique<policy::gate_service>(io_, *access_, *store_, clock_);
    auto t = approval::token_store::open(db);
    ASSERT_TRUE(t) << t.message();
    tokens_ = std::move(*t);
    links_ = std::make_unique<approval::public_links>(*tokens_, public_url, clock_);
    app_ = std::make_unique<app>(app_context{*gate_, *tokens_, clock_, [this] { return cfg_; },
                                             mailer_, [] { return std::size_t{0}; }});
    auto filed = access_->file_request(policy::testing::to("alice"), {"deploy 4.2"});
    ASSERT_TRUE(filed) << filed.message();
    request_ = *filed;
  }

  void TearDown() override {
    gate_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string link_for(const std::string& approver) {
    auto url = links_->approval_url(request_.id, approver, request_.pending_until);
    return url.substr(std::string(public_url).size());
  }

  web_reply get(const std::string& path, const std::string& cookie = "") {
    return app_->handle({"GET", path, "", "", cookie, "", "127.0.0.1:1"});
  }
  web_reply post(const std::string& path, const std::string& body,
                 const std::string& origin = public_url, const std::string& cookie = "") {
    return app_->handle(
        {"POST", path, body, "application/x-www-form-urlencoded", cookie, origin, "127.0.0.1:1"});
  }

  static std::string csrf_in(const std::string& html) {
    std::smatch m;
    if (!std::regex_search(html, m, std::regex("name=\"csrf\" value=\"([^\"]+)\""))) return "";
    return m[1];
  }

  static std::string header(const web_reply& r, const std::string& name) {
    for (const auto& [k, v] : r.headers)
      if (k == name) return v;
    return "";
  }

  policy::request current() { return *access_->get_request(request_.id); }

  // Signs `person` in through the mailed link; returns the Cookie header to send.
  std::string sign_in(const std::string& person) {
    post("/sign-in", "who=" + person + "&next=/my/approvals");
    EXPECT_FALSE(mailer_.sent.empty());
    auto url = mailer_.sent.back().second.substr(std::string(public_url).size());
    auto done = post(url, "");
    EXPECT_EQ(done.status, 303);
    auto cookie = header(done, "Set-Cookie");
    return cookie.substr(0, cookie.find(';'));
  }

  std::shared_ptr<const config::config> cfg_;
  std::filesystem::path dir_;
  manual_clock clock_{policy::testing::t0()};
  boost::asio::io_context io_;
  std::unique_ptr<policy::store> store_;
  policy::testing::recording_audit audit_;
  policy::testing::recording_notifier notifier_;
  std::unique_ptr<policy::access_service> access_;
  std::unique_ptr<policy::gate_service> gate_;
  std::unique_ptr<approval::token_store> tokens_;
  std::unique_ptr<approval::public_links> links_;
  recording_mailer mailer_;
  std::unique_ptr<app> app_;
  policy::request request_;
};

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
  auto done = post(url, "");
  ASSERT_EQ(done.status, 303);
  auto cookie = header(done, "Set-Cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("Secure"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Lax"), std::string::npos);
  EXPECT_NE(cookie.find("Max-Age="), std::string::npos);
  EXPECT_EQ(post(url, "").status, 410) << "a sign-in link works once";
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

}  // namespace
}  // namespace gatehouse::web
