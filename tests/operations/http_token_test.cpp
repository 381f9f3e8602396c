// operations::service::issue_http_token over a real SQLite store and gate_service: a person gets
// a token for a web app some rule lets them use, which the front end's verify then accepts for
// that person and app; the issue is audited without the token; everything else is refused with
// a line that says why, and leaves no token behind.
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <filesystem>

#include "admin/policy_routes.hpp"
#include "approval/token_store.hpp"
#include "apps/identity/http_tokens.hpp"
#include "core/json_text.hpp"
#include "operations/operations.hpp"
#include "policy/async/gate_service.hpp"
#include "policy/policy_test_support.hpp"
#include "storage/open_storage.hpp"

namespace gatehouse::operations {
namespace {

using namespace std::chrono_literals;
using policy::testing::make_rule;
using policy::testing::standard_people;

class HttpTokenOperation : public ::testing::Test {
 protected:
  void SetUp() override {
    auto builder = standard_people()
                       .server("grafana", {}, {}, config::protocol::http)
                       .server("wiki", {}, {}, config::protocol::http)
                       .rule(make_rule("grafana-justify", config::rule_mode::justify,
                                       {"group:developers"}, {"grafana"}))
                       .rule(make_rule("wiki-closed", config::rule_mode::deny, {"*"}, {"wiki"}));
    cfg_ = builder.build();
    dir_ = std::filesystem::temp_directory_path() /
           ("http-token-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto s = storage::open_storage("sqlite:" + (dir_ / "gate.db").string());
    ASSERT_TRUE(s) << s.message();
    store_ = std::move(s->store);
    tokens_ = std::move(s->tokens);
    access_ = std::make_unique<policy::access_service>(cfg_, *store_, audit_, notifier_, clock_);
    gate_ = std::make_unique<policy::gate_service>(io_, *access_, *store_, clock_);
    ops_ = std::make_unique<service>(*gate_, no_sessions_,
                                     http_token_issuing{*tokens_, audit_, clock_});
  }

  void TearDown() override {
    ops_.reset();
    gate_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string refusal(const actor& who, const std::string& app, std::chrono::seconds valid) {
    auto issued = ops_->issue_http_token(who, app, valid);
    return issued ? "issued " + *issued : issued.message();
  }

  std::shared_ptr<const config::config> cfg_;
  std::filesystem::path dir_;
  boost::asio::io_context io_;
  manual_clock clock_{policy::testing::t0()};
  policy::testing::recording_audit audit_;
  policy::testing::recording_notifier notifier_;
  std::unique_ptr<policy::store> store_;
  std::unique_ptr<approval::token_store> tokens_;
  std::unique_ptr<policy::access_service> access_;
  std::unique_ptr<policy::gate_service> gate_;
  no_live_sessions no_sessions_;
  std::unique_ptr<service> ops_;
};

TEST_F(HttpTokenOperation, APersonGetsATokenTheFrontEndAccepts) {
  auto issued = ops_->issue_http_token(actor::person("alice"), "grafana", 0s);
  ASSERT_TRUE(issued) << issued.message();
  ASSERT_TRUE(issued->starts_with("ghh_"));
  auto verified = apps::verify_http_token(*tokens_, *issued, clock_.now());
  ASSERT_TRUE(verified);
  EXPECT_EQ(verified->person, "alice");
  EXPECT_EQ(verified->app, "grafana");
  EXPECT_EQ(verified->expires, clock_.now() + 8h);  // the default
  clock_.advance(8h);
  EXPECT_FALSE(apps::verify_http_token(*tokens_, *issued, clock_.now()));
}

TEST_F(HttpTokenOperation, TheIssueIsAuditedWithoutTheToken) {
  auto issued = ops_->issue_http_token(actor::person("alice"), "grafana", 2h);
  ASSERT_TRUE(issued) << issued.message();
  ASSERT_EQ(audit_.events.size(), 1u);
  const auto& e = audit_.events[0];
  EXPECT_EQ(e.name, "http_token.issued");
  EXPECT_EQ(e.fields.at("person"), "alice");
  EXPECT_EQ(e.fields.at("app"), "grafana");
  EXPECT_EQ(e.fields.at("expires"), format_rfc3339(clock_.now() + 2h));
  for (const auto& [name, value] : e.fields)
    EXPECT_EQ(value.find(issued->substr(4, 16)), std::string::npos) << name;
}

TEST_F(HttpTokenOperation, EverythingElseIsRefusedWithAReason) {
  auto alice = actor::person("alice");
  EXPECT_EQ(refusal(alice, "nothing", 1h), "no web app named 'nothing'");
  EXPECT_EQ(refusal(alice, "web01", 1h), "'web01' is an ssh server, not a web app");
  EXPECT_NE(refusal(alice, "wiki", 1h).find("wiki"), std::string::npos);  // the rule denies
  EXPECT_FALSE(refusal(alice, "wiki", 1h).starts_with("issued"));
  EXPECT_FALSE(refusal(actor::person("carol"), "grafana", 1h).starts_with("issued"));  // no rule
  EXPECT_EQ(refusal(alice, "grafana", 4min), "a token is valid for 5m to 30d, not 4m");
  EXPECT_EQ(refusal(alice, "grafana", std::chrono::days(31)),
            "a token is valid for 5m to 30d, not 31d");
  EXPECT_FALSE(refusal(actor::administrator(), "grafana", 1h).starts_with("issued"));
  EXPECT_TRUE(audit_.events.empty());
  EXPECT_EQ(*tokens_->count_usable(approval::token_kind::http, clock_.now()), 0);
  EXPECT_TRUE(refusal(alice, "grafana", 5min).starts_with("issued"));
  EXPECT_TRUE(refusal(alice, "grafana", std::chrono::days(30)).starts_with("issued"));
}

TEST_F(HttpTokenOperation, WithoutATokenStoreNothingIsIssued) {
  service bare(*gate_, no_sessions_);
  auto issued = bare.issue_http_token(actor::person("alice"), "grafana", 1h);
  ASSERT_FALSE(issued);
  EXPECT_EQ(issued.message(), "personal HTTP tokens are not available here");
}

// POST /v1/http-tokens: the admin socket names the person (`for`); the web's /api/v1 caller
// (a signed-in person) gets a token of their own only, whatever `for` says.
TEST_F(HttpTokenOperation, TheRouteIssuesForTheNamedPersonOrTheSignedInOne) {
  auto post = [&](const std::string& body, const admin::route_caller& caller) {
    auto reply =
        admin::handle_policy_route(*ops_, {"POST", "/v1/http-tokens", body, "root"}, caller);
    EXPECT_TRUE(reply.has_value());
    return reply ? *reply : admin::http_reply{};
  };
  auto token_of = [](const admin::http_reply& r) {
    std::error_code ec;
    auto v = json_parse_text(r.body, ec);
    return v.is_object() && v.as_object().contains("token")
               ? std::string(v.as_object().at("token").as_string())
               : std::string();
  };
  auto by_admin = post(R"({"app":"grafana","for":"alice","valid":"1h"})", {});
  ASSERT_EQ(by_admin.status, 200) << by_admin.body;
  auto verified = apps::verify_http_token(*tokens_, token_of(by_admin), clock_.now());
  ASSERT_TRUE(verified);
  EXPECT_EQ(verified->person, "alice");
  EXPECT_EQ(verified->expires, clock_.now() + 1h);

  auto by_alice = post(R"({"app":"grafana","for":"dave"})", {.person = "alice"});
  ASSERT_EQ(by_alice.status, 200) << by_alice.body;
  EXPECT_EQ(apps::verify_http_token(*tokens_, token_of(by_alice), clock_.now())->person, "alice");

  EXPECT_EQ(post(R"({"app":"grafana"})", {}).status, 422);  // the administrator has none
  EXPECT_EQ(post(R"({"for":"alice"})", {}).status, 400);
  EXPECT_EQ(post(R"({"app":"grafana","for":"alice","valid":"soon"})", {}).status, 400);
  EXPECT_EQ(post(R"({"app":"grafana","for":"carol"})", {}).status, 409);  // no rule
  EXPECT_EQ(admin::handle_policy_route(*ops_, {"GET", "/v1/http-tokens", "", "root"})->status, 405);
}

}  // namespace
}  // namespace gatehouse::operations
