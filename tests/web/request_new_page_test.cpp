// The request form (web/request_new_page.cpp) over a real store: the targets a person may
// request, the form of one under its rule - approvers shown greyed where the rule decides who
// approves, urgent mode only where the rule allows emergency access - and the filing through
// the operations API with the policy's own refusals.
#include <gtest/gtest.h>

#include "web/web_app_fixture.hpp"

namespace gatehouse::web::testing {
namespace {

class RequestNewPage : public WebApp {
 protected:
  web_reply file(const std::string& cookie, const std::string& fields) {
    auto form = get("/requests/new?target=deploy%40web01", cookie);
    return post("/requests/new", "csrf=" + url_encode(csrf_in(form.body)) + "&" + fields,
                public_url, cookie);
  }
};

TEST_F(RequestNewPage, OffersOnlyWhatARuleTakesARequestFor) {
  auto cookie = sign_in("dave");
  auto list = get("/requests/new", cookie);
  ASSERT_EQ(list.status, 200);
  EXPECT_NE(list.body.find("name=\"target\" value=\"root@web01\">"), std::string::npos)
      << list.body;
  EXPECT_NE(list.body.find("name=\"target\" value=\"deploy@web01\">"), std::string::npos);
  EXPECT_EQ(list.body.find("dev01"), std::string::npos);  // no rule takes a request for it
  EXPECT_NE(get("/my/requests", cookie).body.find("href=\"/requests/new\""), std::string::npos);
  // carol is in no rule's users: nothing to offer.
  auto none = get("/requests/new", sign_in("carol"));
  EXPECT_NE(none.body.find("No rule lets you request access to anything."), std::string::npos);
}

TEST_F(RequestNewPage, TheRulesApproversAreShownGreyedAndDecide) {
  auto cookie = sign_in("dave");
  auto form = get("/requests/new?target=deploy%40web01", cookie);
  ASSERT_EQ(form.status, 200);
  EXPECT_NE(form.body.find("<fieldset class=\"approvers\" disabled>"), std::string::npos)
      << form.body;
  EXPECT_NE(form.body.find("value=\"bob\" checked"), std::string::npos);
  EXPECT_NE(form.body.find("value=\"carol\" checked"), std::string::npos);
  EXPECT_EQ(form.body.find("name=\"emergency\""), std::string::npos);  // the rule allows none
  EXPECT_NE(form.body.find("at most 8h after the start"), std::string::npos);

  auto chosen = file(cookie, "target=deploy%40web01&reason=x&approvers=bob");
  EXPECT_EQ(chosen.status, 422);
  EXPECT_NE(chosen.body.find("rule approve-web does not let the requester choose approvers"),
            std::string::npos)
      << chosen.body;
  auto too_long =
      file(cookie, "target=deploy%40web01&reason=x&start=2026-11-22T10:00&end=2026-11-22T19:00");
  EXPECT_EQ(too_long.status, 422);
  EXPECT_NE(too_long.body.find("a window of 9h exceeds the 8h allowed by rule approve-web"),
            std::string::npos)
      << too_long.body;
  auto elsewhere = file(cookie, "target=root%40dev01&reason=x");
  EXPECT_EQ(elsewhere.status, 403);
  auto urgent = file(cookie, "target=deploy%40web01&reason=x&emergency=yes");
  EXPECT_NE(urgent.body.find("does not allow emergency access"), std::string::npos);

  auto filed = file(cookie,
                    "target=deploy%40web01&title=New+release&reason=deploy+4.3"
                    "&start=2026-11-22T10:00&end=2026-11-22T12:00");
  ASSERT_EQ(filed.status, 303) << filed.body;
  auto id = std::stoll(header(filed, "Location").substr(std::string("/requests/").size()));
  auto r = *access_->get_request(id);
  EXPECT_EQ(r.title, "New release");
  EXPECT_EQ(r.requester, "dave");
  EXPECT_EQ(r.account, "deploy");
  EXPECT_EQ(format_rfc3339(r.window.start), "2026-11-22T10:00:00.000Z");
  EXPECT_EQ(format_rfc3339(r.window.end), "2026-11-22T12:00:00.000Z");
  ASSERT_EQ(r.levels.size(), 1u);
  EXPECT_EQ(r.levels[0].approvers, (std::vector<std::string>{"bob", "carol"}));
  auto shown = get(header(filed, "Location"), cookie);
  EXPECT_NE(shown.body.find("<dt>Title</dt><dd>New release</dd>"), std::string::npos);
}

TEST_F(RequestNewPage, TwoTickedTargetsMakeOneRequestListingBoth) {
  auto cookie = sign_in("dave");
  auto form = get("/requests/new?target=root%40web01&target=deploy%40web01", cookie);
  ASSERT_EQ(form.status, 200);
  EXPECT_NE(form.body.find("Access to <b>root@web01</b>, <b>deploy@web01</b> under the rule"),
            std::string::npos)
      << form.body;
  auto filed = post("/requests/new",
                    "csrf=" + url_encode(csrf_in(form.body)) +
                        "&target=root%40web01&target=deploy%40web01&target=root%40web01&reason=x",
                    public_url, cookie);
  ASSERT_EQ(filed.status, 303) << filed.body;
  auto id = std::stoll(header(filed, "Location").substr(std::string("/requests/").size()));
  auto r = *access_->get_request(id);
  EXPECT_EQ(policy::targets_text(r), "root@web01, deploy@web01");  // the repeat folded
  auto shown = get(header(filed, "Location"), cookie);
  EXPECT_NE(shown.body.find("<li>root@web01</li><li>deploy@web01</li>"), std::string::npos)
      << shown.body;
  auto nowhere = post("/requests/new",
                      "csrf=" + url_encode(csrf_in(form.body)) +
                          "&target=root%40web01&target=root%40dev01&reason=x",
                      public_url, cookie);
  EXPECT_EQ(nowhere.status, 403);
  EXPECT_NE(nowhere.body.find("No rule lets you request access to root@dev01."), std::string::npos);
}

TEST_F(RequestNewPage, AFormFromAnotherSiteOrWithoutItsTokenFilesNothing) {
  auto cookie = sign_in("dave");
  auto form = get("/requests/new?target=deploy%40web01", cookie);
  const std::string fields = "target=deploy%40web01&reason=x";
  EXPECT_EQ(post("/requests/new", fields, public_url, cookie).status, 403);
  EXPECT_EQ(post("/requests/new", "csrf=" + url_encode(csrf_in(form.body)) + "&" + fields,
                 "https://evil.example", cookie)
                .status,
            403);
  EXPECT_EQ(post("/requests/new", fields).status, 403);  // not signed in
  EXPECT_EQ(access_->list_requests({})->size(), 1u);     // only the fixture's
}

class UrgentRequestNewPage : public RequestNewPage {
 protected:
  void SetUp() override {
    shape_config = [](policy::testing::config_builder& b) {
      for (auto& rule : b.raw().rules) rule.emergency = true;
    };
    RequestNewPage::SetUp();
  }
};

TEST_F(UrgentRequestNewPage, UrgentModeIsOfferedWhereTheRuleAllowsIt) {
  auto cookie = sign_in("dave");
  auto form = get("/requests/new?target=deploy%40web01", cookie);
  EXPECT_NE(form.body.find("name=\"emergency\""), std::string::npos);
  auto filed = file(cookie, "target=deploy%40web01&reason=on+fire&emergency=yes");
  ASSERT_EQ(filed.status, 303) << filed.body;
  auto id = std::stoll(header(filed, "Location").substr(std::string("/requests/").size()));
  EXPECT_TRUE(access_->get_request(id)->emergency);
}

}  // namespace
}  // namespace gatehouse::web::testing
