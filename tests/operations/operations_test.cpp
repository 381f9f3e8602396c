// operations::service over a real SQLite store in a temporary directory and a gate_service on
// an io_context: every mutation reaches the gate's watchers without anyone calling
// gate_service::changed(), the policy core's rules decide who may act (with the same words the
// admin API answers), the administrator overrides, and kill goes to the daemon's sessions.
#include "operations/operations.hpp"

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>

#include "admin/policy_routes.hpp"
#include "core/json_text.hpp"
#include "policy/async/gate_service.hpp"
#include "policy/policy_test_support.hpp"

namespace gatehouse::operations {
namespace {

using policy::testing::level;
using policy::testing::make_rule;
using policy::testing::standard_people;
using policy::testing::to;

// The daemon's session registry, as far as kill is concerned: one live session "s1".
class recording_sessions final : public session_control {
 public:
  bool kill(const std::string& session_id, const std::string& by) override {
    if (session_id != "s1") return false;
    killed.emplace_back(session_id, by);
    return true;
  }
  std::vector<std::pair<std::string, std::string>> killed;
};

class Operations : public ::testing::Test {
 protected:
  void SetUp() override {
    auto rule = make_rule("approve-web", config::rule_mode::approve, {"group:developers"},
                          {"web01"}, {"*"}, {level({"bob", "carol"})});
    rule.pending_timeout = std::chrono::minutes(30);
    cfg_ = standard_people().rule(rule).build();
    dir_ = std::filesystem::temp_directory_path() /
           ("operations-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto s = storage::open_store("sqlite:" + (dir_ / "gate.db").string());
    ASSERT_TRUE(s) << s.message();
    store_ = std::move(*s);
    access_ = std::make_unique<policy::access_service>(cfg_, *store_, audit_, notifier_, clock_);
    gate_ = std::make_unique<policy::gate_service>(io_, *access_, *store_, clock_);
    ops_ = std::make_unique<service>(*gate_, sessions_);
    gate_->start();
  }

  void TearDown() override {
    ops_.reset();
    gate_.reset();
    std::filesystem::remove_all(dir_);
  }

  policy::request file_for_alice() {
    auto filed = ops_->file(actor::person("alice"), to("alice"), {.justification = "deploy"});
    EXPECT_TRUE(filed) << filed.message();
    return filed ? *filed : policy::request{};
  }

  // What the admin socket answers to POST `target` with `body`.
  admin::http_reply admin_post(const std::string& target, const std::string& body) {
    auto reply = admin::handle_policy_route(*ops_, {"POST", target, body, "root"});
    EXPECT_TRUE(reply.has_value()) << target;
    return reply ? *reply : admin::http_reply{};
  }

  std::shared_ptr<const config::config> cfg_;
  std::filesystem::path dir_;
  boost::asio::io_context io_;
  system_clock clock_;
  policy::testing::recording_audit audit_;
  policy::testing::recording_notifier notifier_;
  std::unique_ptr<policy::store> store_;
  std::unique_ptr<policy::access_service> access_;
  std::unique_ptr<policy::gate_service> gate_;
  recording_sessions sessions_;
  std::unique_ptr<service> ops_;
};

TEST_F(Operations, ApprovingWakesTheHeldConnectionsWatcherAtOnce) {
  auto filed = file_for_alice();
  std::optional<policy::request> seen;
  auto watch = gate_->watch_request(filed.id, [&](const policy::request& r) { seen = r; });
  auto approved = ops_->approve(actor::person("bob"), filed.id, {.comment = "go"});
  ASSERT_TRUE(approved) << approved.message();
  ASSERT_TRUE(seen) << "the watcher hears of the approval within the call, no changed() needed";
  EXPECT_EQ(seen->state, policy::request_state::approved);
  EXPECT_EQ(seen->decisions.at(0).approver, "bob");
  EXPECT_EQ(seen->decisions.at(0).comment, "go");
  EXPECT_TRUE(
      std::holds_alternative<policy::decisions::allowed_by_grant>(gate_->check(to("alice"))));
}

TEST_F(Operations, DenyAndCancelWakeTheWatcherToo) {
  auto first = file_for_alice();
  std::optional<policy::request> seen;
  auto watch = gate_->watch_request(first.id, [&](const policy::request& r) { seen = r; });
  ASSERT_TRUE(ops_->deny(actor::person("carol"), first.id, "not now"));
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->state, policy::request_state::denied);

  auto second = file_for_alice();
  seen.reset();
  auto watch2 = gate_->watch_request(second.id, [&](const policy::request& r) { seen = r; });
  ASSERT_TRUE(ops_->cancel(actor::person("alice"), second.id));
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->state, policy::request_state::cancelled);
}

TEST_F(Operations, RevokingEndsTheGrantWatch) {
  auto filed = file_for_alice();
  auto approved = ops_->approve(actor::person("bob"), filed.id, {});
  ASSERT_TRUE(approved && approved->grant);
  std::optional<policy::grant> ended;
  auto watch = gate_->watch_grant(*approved->grant, [&](const policy::grant& g) { ended = g; });
  auto revoked = ops_->revoke(actor::person("carol"), *approved->grant);
  ASSERT_TRUE(revoked) << revoked.message();
  ASSERT_TRUE(ended) << "the session's grant watch hears of the revocation within the call";
  EXPECT_EQ(ended->state, policy::grant_state::revoked);
  EXPECT_EQ(ended->revoked_by, "carol");
}

TEST_F(Operations, ANonApproverIsRefusedWithTheAdminRoutesWords) {
  auto filed = file_for_alice();
  auto refused = ops_->approve(actor::person("frank"), filed.id, {});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.code(), policy::error_code::refused);
  EXPECT_FALSE(refused.message().empty());

  auto reply =
      admin_post("/v1/requests/" + std::to_string(filed.id) + "/approve", R"({"as":"frank"})");
  EXPECT_EQ(reply.status, 409);
  EXPECT_EQ(reply.body, json_serialize(boost::json::object{{"error", refused.message()}}));
  EXPECT_EQ(ops_->get_request(filed.id)->state, policy::request_state::pending);
}

TEST_F(Operations, TheRequesterMayNotApproveTheirOwnRequest) {
  auto filed = file_for_alice();
  auto refused = ops_->approve(actor::person("alice"), filed.id, {});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.message().find("own request"), std::string::npos) << refused.message();
}

TEST_F(Operations, TheAdministratorOverridesTheRule) {
  auto filed = file_for_alice();
  auto approved = ops_->approve(actor::administrator(), filed.id, {});
  ASSERT_TRUE(approved) << approved.message();
  EXPECT_EQ(approved->state, policy::request_state::approved);
  EXPECT_EQ(approved->decisions.at(0).approver, "admin");
  EXPECT_TRUE(approved->decisions.at(0).admin_override);
}

TEST_F(Operations, AFilingNamesWhoFiledIt) {
  auto by_bob = ops_->file(actor::person("bob"), to("alice"), {.justification = "for alice"});
  ASSERT_TRUE(by_bob) << by_bob.message();
  EXPECT_EQ(by_bob->requester, "alice");
  EXPECT_EQ(by_bob->filed_by, "bob");
  ASSERT_TRUE(ops_->cancel(actor::administrator(), by_bob->id));
  auto by_admin = ops_->file(actor::administrator(), to("alice"), {.justification = "x"});
  ASSERT_TRUE(by_admin) << by_admin.message();
  EXPECT_EQ(by_admin->filed_by, "admin");
}

TEST_F(Operations, PerformCarriesAParsedActionThrough) {
  auto filed = file_for_alice();
  auto done = ops_->perform(actor::person("bob"), filed.id, comment_action{"why now?"});
  ASSERT_TRUE(done) << done.message();
  ASSERT_EQ(done->comments.size(), 1u);
  EXPECT_EQ(done->comments[0].author, "bob");
  EXPECT_EQ(done->comments[0].text, "why now?");
  EXPECT_EQ(done->state, policy::request_state::pending);
}

TEST_F(Operations, KillGoesToTheDaemonsSessions) {
  auto killed = ops_->kill_session("s1", "root");
  EXPECT_TRUE(killed);
  ASSERT_EQ(sessions_.killed.size(), 1u);
  EXPECT_EQ(sessions_.killed[0], std::make_pair(std::string("s1"), std::string("root")));
  auto none = ops_->kill_session("s9", "root");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.code(), policy::error_code::not_found);
  EXPECT_EQ(none.message(), "no live session s9");
}

TEST_F(Operations, AScopedCallerSeesOnlyWhatItMaySee) {
  auto filed = file_for_alice();
  admin::route_caller frank;
  frank.person = "frank";
  frank.sees_request = [](const policy::request& r) { return r.requester == "frank"; };
  const std::string path = "/v1/requests/" + std::to_string(filed.id);
  auto list = admin::handle_policy_route(*ops_, {"GET", "/v1/requests", "", ""}, frank);
  ASSERT_TRUE(list);
  EXPECT_EQ(list->body, "[]");
  auto one = admin::handle_policy_route(*ops_, {"GET", path, "", ""}, frank);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->status, 404);
  EXPECT_EQ(one->body, R"({"error":"no such request"})");
  auto act =
      admin::handle_policy_route(*ops_, {"POST", path + "/cancel", R"({"as":"alice"})", ""}, frank);
  ASSERT_TRUE(act);
  EXPECT_EQ(act->status, 404);
  EXPECT_EQ(ops_->get_request(filed.id)->state, policy::request_state::pending);
}

TEST_F(Operations, AdminRouteArgumentsAreCheckedBeforeAnythingChanges) {
  auto filed = file_for_alice();
  const std::string base = "/v1/requests/" + std::to_string(filed.id);
  auto bad = admin_post(base + "/approve", R"({"as":"bob","duration":"soon"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body, R"j({"error":"bad duration 'soon' (use 30m, 2h, 1d, ...)"})j");
  auto unknown = admin_post(base + "/frobnicate", R"({"as":"bob"})");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body, R"({"error":"no such action: frobnicate"})");
  auto not_text = admin_post(base + "/deny", R"({"as":"bob","comment":5})");
  EXPECT_EQ(not_text.status, 400);
  EXPECT_EQ(not_text.body, R"({"error":"comment must be a string"})");
  EXPECT_EQ(ops_->get_request(filed.id)->state, policy::request_state::pending);
  auto ok = admin_post(base + "/approve", R"({"as":"bob","duration":"30m"})");
  EXPECT_EQ(ok.status, 200) << ok.body;
  auto approved = ops_->get_request(filed.id);
  ASSERT_TRUE(approved && approved->grant);
  auto g = ops_->get_grant(*approved->grant);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->end - g->start, std::chrono::minutes(30));
}

// POST /v1/requests reads the chosen approvers as a list or as "bob,carol" (the policy core says
// whether the rule lets the requester choose); POST /v1/grants/ID/revoke keeps its comment.
TEST_F(Operations, AdminRoutesPassApproversAndTheRevocationComment) {
  auto as_list = admin_post("/v1/requests", R"({"for":"alice","target":"root@web01",)"
                                            R"("reason":"x","approvers":["bob"]})");
  EXPECT_EQ(as_list.status, 422);
  EXPECT_EQ(as_list.body,
            R"({"error":"rule approve-web does not let the requester choose approvers"})");
  auto not_names = admin_post("/v1/requests", R"({"for":"alice","target":"root@web01",)"
                                              R"("reason":"x","approvers":["bob",7]})");
  EXPECT_EQ(not_names.status, 400);
  EXPECT_EQ(not_names.body, R"({"error":"approvers must be names"})");
  auto bad_start = admin_post("/v1/requests", R"({"for":"alice","target":"root@web01",)"
                                              R"("reason":"x","start":"later"})");
  EXPECT_EQ(bad_start.status, 400);
  EXPECT_EQ(bad_start.body, R"j({"error":"bad start 'later' (use an RFC 3339 time or +2h)"})j");

  auto filed = file_for_alice();
  ASSERT_EQ(admin_post("/v1/requests/" + std::to_string(filed.id) + "/approve", "{}").status, 200);
  auto grant = *ops_->get_request(filed.id)->grant;
  auto revoked = admin_post("/v1/grants/" + std::to_string(grant) + "/revoke",
                            R"({"as":"carol","comment":"over"})");
  EXPECT_EQ(revoked.status, 200) << revoked.body;
  auto shown = admin::handle_policy_route(
      *ops_, {"GET", "/v1/requests/" + std::to_string(filed.id), "", ""}, {});
  ASSERT_TRUE(shown);
  EXPECT_NE(shown->body.find(R"("history":[{"event":"revoked","actor":"carol","text":"over",)"),
            std::string::npos)
      << shown->body;
}

}  // namespace
}  // namespace gatehouse::operations
