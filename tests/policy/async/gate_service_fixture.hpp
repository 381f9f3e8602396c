#pragma once
// The fixture of gate_service's tests: a gate_service on a real io_context and the real system
// clock, over a SQLite file behind a store that can be slowed down (slow_store), with a second
// access_service on the same file, unslowed, as another daemon sharing the store would be.
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <thread>

#include "storage/forwarding_store.hpp"
#include "policy/async/gate_service.hpp"
#include "policy_test_support.hpp"

namespace gatehouse::policy::testing {

// Sleeps `delay` in every call, and remembers which thread called last.
class slow_store final : public storage::forwarding_store {
 public:
  using storage::forwarding_store::forwarding_store;
  std::atomic<std::chrono::milliseconds> delay{std::chrono::milliseconds(0)};
  std::atomic<std::thread::id> last_caller{};

 private:
  void before_call() override {
    last_caller = std::this_thread::get_id();
    std::this_thread::sleep_for(delay.load());
  }
};

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
    other_.reset();
    slow_.reset();
    store_.reset();
    auto s = open_store("sqlite:" + (dir_ / "gate.db").string());
    ASSERT_TRUE(s) << s.message();
    store_ = std::move(*s);
    slow_ = std::make_unique<slow_store>(*store_);
    access_ = std::make_unique<access_service>(cfg_, *slow_, audit_, notifier_, clock_);
    gate_ = std::make_unique<gate_service>(io_, *access_, *slow_, clock_);
    other_ = std::make_unique<access_service>(cfg_, *store_, audit_, notifier_, clock_);
  }

  void TearDown() override {
    if (slow_) slow_->delay = std::chrono::milliseconds(0);  // a call in progress still ends
    gate_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Runs the io_context until `done` or the time is up.
  void run_until(const std::function<bool()>& done,
                 std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io_.restart();
      io_.run_for(std::chrono::milliseconds(20));
    }
  }

  std::shared_ptr<const config::config> cfg_;
  std::filesystem::path dir_;
  boost::asio::io_context io_;
  system_clock clock_;
  log_audit_sink audit_;
  log_notifier notifier_;
  std::unique_ptr<store> store_;
  std::unique_ptr<slow_store> slow_;
  std::unique_ptr<access_service> access_;
  std::unique_ptr<access_service> other_;  // another daemon on the same file, never slowed
  std::unique_ptr<gate_service> gate_;
};

}  // namespace gatehouse::policy::testing
