// Personal HTTP tokens over a real SQLite token store: what `http-token` prints is what the
// front end's verify accepts, for its person and app only, until it expires or is revoked;
// anything else (no prefix, another kind's token, a changed character) is nobody.
#include "apps/identity/http_tokens.hpp"

#include <gtest/gtest.h>

#include "apps/app_directory.hpp"
#include "storage/open_storage.hpp"
#include "storage_backends.hpp"

namespace gatehouse::apps {
namespace {

using namespace std::chrono_literals;

class HttpTokens : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = storage::open_storage(backend_.url());
    ASSERT_TRUE(s.ok()) << s.message();
    tokens_ = std::move(s->tokens);
  }
  std::string issue(const std::string& person, const std::string& app, std::chrono::hours valid) {
    auto t = issue_http_token(*tokens_, person, app, clock_.now() + valid, clock_.now());
    EXPECT_TRUE(t.ok()) << t.message();
    return t.ok() ? *t : std::string();
  }
  storage::testing::sqlite_file_backend backend_;
  manual_clock clock_{time_point(std::chrono::hours(24 * 20000))};
  std::unique_ptr<approval::token_store> tokens_;
};

TEST_F(HttpTokens, ATokenIsPrefixedAndNamesItsPersonAndApp) {
  auto token = issue("alice", "grafana", 8h);
  ASSERT_TRUE(token.starts_with("ghh_")) << token;
  EXPECT_EQ(token.size(), 4u + 43u);
  EXPECT_EQ(backend_.table_text("web_tokens").find(token.substr(4 + 16)), std::string::npos);
  for (int i = 0; i < 2; ++i) {  // not single-use
    auto v = verify_http_token(*tokens_, token, clock_.now());
    ASSERT_TRUE(v);
    EXPECT_EQ(v->person, "alice");
    EXPECT_EQ(v->app, "grafana");
    EXPECT_EQ(v->expires, clock_.now() + 8h);
  }
  EXPECT_NE(issue("alice", "grafana", 8h), token);
}

TEST_F(HttpTokens, ExpiredAndRevokedTokensAreNobody) {
  auto token = issue("alice", "grafana", 1h);
  auto other = issue("alice", "grafana", 1h);
  ASSERT_TRUE(revoke_http_token(*tokens_, other).ok());
  EXPECT_FALSE(verify_http_token(*tokens_, other, clock_.now()));
  EXPECT_TRUE(verify_http_token(*tokens_, token, clock_.now()));
  clock_.advance(1h);
  EXPECT_FALSE(verify_http_token(*tokens_, token, clock_.now()));
  EXPECT_TRUE(revoke_http_token(*tokens_, "nonsense").ok());
}

TEST_F(HttpTokens, MalformedOrForeignTokensAreNobody) {
  auto token = issue("alice", "grafana", 8h);
  auto bare = token.substr(4);
  EXPECT_FALSE(verify_http_token(*tokens_, bare, clock_.now()));  // the prefix is required
  EXPECT_FALSE(verify_http_token(*tokens_, "ghx_" + bare, clock_.now()));
  auto changed = token;
  changed.back() = changed.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(verify_http_token(*tokens_, changed, clock_.now()));
  EXPECT_FALSE(verify_http_token(*tokens_, token + "A", clock_.now()));
  EXPECT_FALSE(verify_http_token(*tokens_, "", clock_.now()));
  EXPECT_FALSE(verify_http_token(*tokens_, "ghh_", clock_.now()));
  approval::token_record session;
  session.kind = approval::token_kind::session;
  session.person = "alice";
  session.expires = clock_.now() + 8h;
  auto cookie = *tokens_->issue(session, clock_.now());
  EXPECT_FALSE(verify_http_token(*tokens_, "ghh_" + cookie, clock_.now()));  // a session is not
}

TEST(BearerToken, OnlyTheBearerSchemeGivesAToken) {
  EXPECT_EQ(bearer_token("Bearer ghh_abc"), "ghh_abc");
  EXPECT_EQ(bearer_token("bearer  ghh_abc "), "ghh_abc");
  EXPECT_FALSE(bearer_token("Basic YWxpY2U6cHc="));
  EXPECT_FALSE(bearer_token("Bearer "));
  EXPECT_FALSE(bearer_token("Bearer"));
  EXPECT_FALSE(bearer_token(""));
}

// What `http-token` shows and an assertion's `aud`: the app's own host, on the gate's port.
TEST(AppOrigin, TheAppsHostOnThePortOfThePublicUrl) {
  config::http_listener http;
  http.apps_domain = "apps.gate.example";
  http.public_url = "https://gate.example";
  EXPECT_EQ(app_origin(http, "grafana"), "https://grafana.apps.gate.example");
  http.public_url = "https://gate.example:443/";
  EXPECT_EQ(app_origin(http, "grafana"), "https://grafana.apps.gate.example");
  http.public_url = "https://gate.example:8443/base";
  EXPECT_EQ(app_origin(http, "grafana"), "https://grafana.apps.gate.example:8443");
  http.public_url = "https://[::1]:9443";
  EXPECT_EQ(app_origin(http, "wiki"), "https://wiki.apps.gate.example:9443");
  http.public_url = "https://[::1]";
  EXPECT_EQ(app_origin(http, "wiki"), "https://wiki.apps.gate.example");
  http.apps_domain.clear();
  EXPECT_EQ(app_origin(http, "wiki"), "https://wiki.<apps_domain>");
}

}  // namespace
}  // namespace gatehouse::apps
