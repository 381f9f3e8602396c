// The web's actions through the operations API, as a person sees them: the JSON API files and
// acts only as the signed-in person and shows only what they may see; a form's bad argument
// or a refusal shows the admin API's status and words; a decision wakes a held connection's
// watcher with no further call.
#include <gtest/gtest.h>

#include <optional>

#include "web/web_app_fixture.hpp"

namespace gatehouse::web {
namespace {

using testing::public_url;
using testing::WebApp;

class WebActions : public WebApp {
 protected:
  web_reply api_post(const std::string& path, const std::string& body, const std::string& who) {
    return app_->handle({"POST", path, body, "application/json", who, public_url, "127.0.0.1:1"});
  }
};

TEST_F(WebActions, ApiFilesForTheSignedInPersonWhateverTheBodySays) {
  auto alice = sign_in("alice");
  auto filed =
      api_post("/api/v1/requests",
               R"({"target":"deploy@web01","reason":"hotfix","for":"dave","as":"bob"})", alice);
  ASSERT_EQ(filed.status, 200) << filed.body;
  EXPECT_NE(filed.body.find(R"("requester":"alice")"), std::string::npos) << filed.body;
  EXPECT_NE(filed.body.find(R"("filed_by":"alice")"), std::string::npos) << filed.body;
  auto bad = api_post("/api/v1/requests", R"({"target":"web01","reason":"x"})", alice);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(
      bad.body,
      R"j({"error":"target must be ACCOUNT@SERVER (or SERVER for an RDP, web or manual server)"})j");
}

TEST_F(WebActions, ApiHidesWhatThePersonMayNotSee) {
  const std::string path = "/api/v1/requests/" + std::to_string(request_.id);
  auto frank = sign_in("frank");
  auto hidden = get(path, frank);
  EXPECT_EQ(hidden.status, 404);
  EXPECT_EQ(hidden.body, R"({"error":"no such request"})");
  EXPECT_EQ(api_post(path + "/comment", R"({"text":"hi"})", frank).body,
            R"({"error":"no such request"})");
  EXPECT_TRUE(current().comments.empty());
  auto bob = sign_in("bob");
  EXPECT_EQ(get(path, bob).status, 200);
  ASSERT_EQ(api_post(path + "/approve", "{}", bob).status, 200);
  EXPECT_EQ(get("/api/v1/grants", frank).body, "[]");
  auto grants = get("/api/v1/grants", bob);
  EXPECT_NE(grants.body.find(R"("person":"alice")"), std::string::npos) << grants.body;
  auto missing = get("/api/v1/requests/999", bob);
  EXPECT_EQ(missing.status, 404);
  auto not_a_number = get("/api/v1/requests/abc", bob);
  EXPECT_EQ(not_a_number.status, 400);
  EXPECT_EQ(not_a_number.body, R"({"error":"a request id is a positive number"})");
}

TEST_F(WebActions, FormsShowTheAdminApisStatusAndWords) {
  auto bob = sign_in("bob");
  const std::string base = "/requests/" + std::to_string(request_.id);
  auto csrf = csrf_in(get(base, bob).body);
  auto unknown = post(base + "/frobnicate", "csrf=" + csrf, public_url, bob);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_NE(unknown.body.find("no such action: frobnicate"), std::string::npos);
  auto empty = post(base + "/comment", "text=&csrf=" + csrf, public_url, bob);
  EXPECT_EQ(empty.status, 400);
  EXPECT_NE(empty.body.find("a comment needs text"), std::string::npos);
  auto bad = post(base + "/approve", "duration=soon&csrf=" + csrf, public_url, bob);
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("bad duration &#39;soon&#39;"), std::string::npos) << bad.body;
  EXPECT_EQ(current().state, policy::request_state::pending);

  auto alice = sign_in("alice");
  auto own = post(base + "/approve", "csrf=" + csrf_in(get(base, alice).body), public_url, alice);
  EXPECT_EQ(own.status, 409) << "the policy core refuses a requester's own approval";
  EXPECT_NE(own.body.find("own request"), std::string::npos);
  EXPECT_EQ(current().state, policy::request_state::pending);
}

TEST_F(WebActions, AnApprovalWakesTheHeldConnectionsWatcher) {
  std::optional<policy::request> seen;
  auto watch = gate_->watch_request(request_.id, [&](const policy::request& r) { seen = r; });
  auto bob = sign_in("bob");
  const std::string base = "/requests/" + std::to_string(request_.id);
  auto done =
      post(base + "/approve", "duration=30m&csrf=" + csrf_in(get(base, bob).body), public_url, bob);
  EXPECT_EQ(done.status, 303);
  ASSERT_TRUE(seen) << "the watcher hears of the approval within the request";
  EXPECT_EQ(seen->state, policy::request_state::approved);
}

}  // namespace
}  // namespace gatehouse::web
