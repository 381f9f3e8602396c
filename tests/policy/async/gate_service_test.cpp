// gate_service on a real io_context and the real system clock, over SQLite: watchers fire when
// a request is decided or a grant ends, timers follow the store, and a cancelled watch stays
// silent. Deadlines here are one or two seconds, so the io_context runs for that long.
#include "policy/async/gate_service.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <filesystem>
#include <optional>
#include <thread>

#include "policy_test_support.hpp"

namespace gatehouse::policy {
namespace {

using namespace std::chrono_literals;
using testing::level;
using testing::make_rule;
using testing::standard_people;
using testing::to;

class GateService : public ::testing::Test {
 protected:
  void SetUp() override { open(std::chrono::seconds(60)); }

  void open(std::chrono::seconds pending_timeout) {
    auto rule = make_rule("approve-web", config::rule_mode::approve, {"group:developers"},
                          {"web01"}, {"*"}, {level({"bob"})});
    rule.pending_timeout = pending_timeout;
    rule.default_duration = std::chrono::seconds(1);
    cfg_ = standard_people().rule(rule).build();
    dir_ = std::filesystem::temp_directory_path() /
           ("gate-service-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    reopen();
  }

  // A fresh service over the same database: what a daemon restart sees.
  void reopen() {
    gate_.reset();
    access_.reset();
    store_.reset();
    auto s = storage::open_store("sqlite:" + (dir_ / "gate.db").string());
    ASSERT_TRUE(s) << s.message();
    store_ = std::move(*s);
    access_ = std::make_unique<access_service>(cfg_, *store_, audit_, notifier_, clock_);
    gate_ = std::make_unique<gate_service>(io_, *access_, *store_, clock_);
  }

  void TearDown() override {
    gate_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Runs the io_context until `done` or the time is up.
  void run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io_.restart();
      io_.run_for(20ms);
    }
  }

  std::shared_ptr<const config::config> cfg_;
  std::filesystem::path dir_;
  boost::asio::io_context io_;
  system_clock clock_;
  log_audit_sink audit_;
  log_notifier notifier_;
  std::unique_ptr<store> store_;
  std::unique_ptr<access_service> access_;
  std::unique_ptr<gate_service> gate_;
};

TEST_F(GateService, WatcherLearnsOfApprovalAndRecheckAllows) {
  gate_->start();
  EXPECT_TRUE(std::holds_alternative<decisions::approval_needed>(gate_->check(to("alice"))));
  auto filed = gate_->file_or_reuse(to("alice"), "deploy");
  ASSERT_TRUE(filed) << filed.message();
  std::optional<request> seen;
  auto watch = gate_->watch_request(filed->id, [&](const request& r) { seen = r; });
  EXPECT_EQ(gate_->watcher_count(), 1u);

  ASSERT_TRUE(gate_->access().approve(filed->id, "bob", {}));
  EXPECT_FALSE(seen) << "nothing is delivered before changed() or the feed poll";
  gate_->changed();
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->state, request_state::approved);
  EXPECT_EQ(gate_->watcher_count(), 0u);
  EXPECT_TRUE(std::holds_alternative<decisions::allowed_by_grant>(gate_->check(to("alice"))));
}

TEST_F(GateService, FileOrReuseFindsTheRequestFiledAhead) {
  gate_->start();
  auto first = gate_->file_or_reuse(to("alice"), "ahead of time");
  auto second = gate_->file_or_reuse(to("alice"), "");
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->id, second->id);
}

TEST_F(GateService, WatchOnDecidedRequestFiresLaterNotInline) {
  gate_->start();
  auto filed = gate_->file_or_reuse(to("alice"), "x");
  ASSERT_TRUE(filed);
  ASSERT_TRUE(gate_->access().deny(filed->id, "bob", "no"));
  bool fired = false;
  auto watch = gate_->watch_request(filed->id, [&](const request& r) {
    fired = true;
    EXPECT_EQ(r.state, request_state::denied);
  });
  EXPECT_FALSE(fired);
  run_until([&] { return fired; });
  EXPECT_TRUE(fired);
}

TEST_F(GateService, CancelledWatchStaysSilent) {
  gate_->start();
  auto filed = gate_->file_or_reuse(to("alice"), "x");
  ASSERT_TRUE(filed);
  bool fired = false;
  {
    auto watch = gate_->watch_request(filed->id, [&](const request&) { fired = true; });
  }
  EXPECT_EQ(gate_->watcher_count(), 0u);
  ASSERT_TRUE(gate_->access().approve(filed->id, "bob", {}));
  gate_->changed();
  EXPECT_FALSE(fired);
}

TEST_F(GateService, GrantEndTimerFiresTheGrantWatcher) {
  gate_->start();
  auto filed = gate_->file_or_reuse(to("alice"), "x");
  ASSERT_TRUE(filed);
  auto approved = gate_->access().approve(filed->id, "bob", {});
  ASSERT_TRUE(approved && approved->grant);
  gate_->changed();
  std::optional<grant> ended;
  auto watch = gate_->watch_grant(*approved->grant, [&](const grant& g) { ended = g; });
  run_until([&] { return ended.has_value(); });
  ASSERT_TRUE(ended) << "a 1 s grant must end within 5 s";
  EXPECT_EQ(ended->state, grant_state::ended);
}

TEST_F(GateService, PendingTimeoutExpiresAndReachesWatchers) {
  open(std::chrono::seconds(1));
  gate_->start();
  auto filed = gate_->file_or_reuse(to("alice"), "x");
  ASSERT_TRUE(filed);
  std::optional<request> seen;
  auto watch = gate_->watch_request(filed->id, [&](const request& r) { seen = r; });
  run_until([&] { return seen.has_value(); });
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->state, request_state::expired);
}

TEST_F(GateService, DeadlinesThatPassedWhileDownAreSettledAtStart) {
  open(std::chrono::seconds(1));
  auto filed = access_->file_request(to("alice"), {.justification = "x"});
  ASSERT_TRUE(filed);
  std::this_thread::sleep_for(1200ms);
  reopen();  // the "restart"
  gate_->start();
  auto now = access_->get_request(filed->id);
  ASSERT_TRUE(now);
  EXPECT_EQ(now->state, request_state::expired);
}

}  // namespace
}  // namespace gatehouse::policy
