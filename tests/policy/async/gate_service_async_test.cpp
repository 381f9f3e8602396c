// gate_service's store work off the io thread: with a store that takes seconds per call, the
// io thread (relays, held connections, timers) still runs within milliseconds, and the async
// check, filing, feed poll and deadline work still complete, their results back on the io
// thread.
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <gtest/gtest.h>

#include <optional>
#include <thread>

#include "gate_service_fixture.hpp"

namespace gatehouse::policy::testing {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

// How late the io thread runs a 10 ms ticker, at worst, while it is being watched. Tests compare
// it with the store's delay, not with a small figure: had a store call run on the io thread, the
// ticker would be late by the whole delay, while a loaded machine (CI under load, ASan) makes it
// late by tens of milliseconds only.
class io_ticker {
 public:
  explicit io_ticker(boost::asio::io_context& io) : timer_(io) { tick(); }
  std::chrono::milliseconds worst() const { return worst_; }

 private:
  void tick() {
    due_ = steady::now() + 10ms;
    timer_.expires_at(due_);
    timer_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      worst_ = std::max(
          worst_, std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - due_));
      tick();
    });
  }
  boost::asio::steady_timer timer_;
  steady::time_point due_;
  std::chrono::milliseconds worst_{0};
};

class GateServiceAsync : public GateService {
 protected:
  void SetUp() override {
    GateService::SetUp();
    gate_->start();
  }
};

TEST_F(GateServiceAsync, ATwoSecondStoreCallLeavesTheIoThreadFree) {
  slow_->delay = 2000ms;
  const auto asked = steady::now();
  std::optional<decision> got;
  steady::time_point got_at{}, timer_at{}, posted_at{};
  gate_->check_async(to("alice"), [&](decision d) {
    got = std::move(d);
    got_at = steady::now();
  });
  boost::asio::steady_timer timer(io_);
  timer.expires_after(10ms);
  timer.async_wait([&](boost::system::error_code) { timer_at = steady::now(); });
  boost::asio::post(io_, [&] { posted_at = steady::now(); });
  io_ticker ticker(io_);
  run_until([&] { return got.has_value(); }, 10s);

  ASSERT_TRUE(got) << "the async check must complete";
  EXPECT_TRUE(std::holds_alternative<decisions::approval_needed>(*got));
  EXPECT_GE(got_at - asked, 2000ms) << "it did wait for the store";
  EXPECT_LT(posted_at - asked, 1000ms);
  EXPECT_LT(timer_at - asked, 10ms + 1000ms);
  EXPECT_LT(ticker.worst(), 1000ms);
  EXPECT_NE(slow_->last_caller.load(), std::this_thread::get_id());
}

TEST_F(GateServiceAsync, FilingAsyncTellsTheTallyBeforeItAnswers) {
  slow_->delay = 200ms;
  std::optional<result<request>> filed;
  std::size_t pending_then = 0;
  gate_->file_or_reuse_async(to("alice"), "deploy", [&](result<request> r) {
    filed = std::move(r);
    pending_then = gate_->counts().pending;
  });
  io_ticker ticker(io_);
  run_until([&] { return filed.has_value(); }, 10s);
  ASSERT_TRUE(filed);
  ASSERT_TRUE(*filed) << filed->message();
  EXPECT_EQ((*filed)->justification, "deploy");
  EXPECT_EQ(pending_then, 1u);
  EXPECT_LT(ticker.worst(), 200ms);

  std::optional<result<request>> again;  // filed ahead: reused
  gate_->file_or_reuse_async(to("alice"), "", [&](result<request> r) { again = std::move(r); });
  run_until([&] { return again.has_value(); }, 10s);
  ASSERT_TRUE(again && *again);
  EXPECT_EQ((*again)->id, (*filed)->id);
}

TEST_F(GateServiceAsync, TheFeedPollRunsOnTheWorker) {
  auto filed = gate_->file_or_reuse(to("alice"), "deploy");
  ASSERT_TRUE(filed) << filed.message();
  std::optional<request> seen;
  auto watch = gate_->watch_request(filed->id, [&](const request& r) { seen = r; });
  slow_->delay = 500ms;
  ASSERT_TRUE(other_->approve(filed->id, "bob", {}));  // by another daemon: only the poll sees it
  io_ticker ticker(io_);
  run_until([&] { return seen.has_value(); }, 15s);
  ASSERT_TRUE(seen) << "the poll must tell the watcher";
  EXPECT_EQ(seen->state, request_state::approved);
  EXPECT_LT(ticker.worst(), 500ms);
}

TEST_F(GateServiceAsync, DeadlinesAreSettledOnTheWorker) {
  open(std::chrono::seconds(1));
  gate_->start();
  auto filed = gate_->file_or_reuse(to("alice"), "x");
  ASSERT_TRUE(filed) << filed.message();
  std::optional<request> seen;
  auto watch = gate_->watch_request(filed->id, [&](const request& r) { seen = r; });
  slow_->delay = 300ms;
  io_ticker ticker(io_);
  run_until([&] { return seen.has_value(); }, 15s);
  ASSERT_TRUE(seen) << "the pending timeout must expire the request";
  EXPECT_EQ(seen->state, request_state::expired);
  EXPECT_LT(ticker.worst(), 300ms);
}

TEST_F(GateServiceAsync, AfterStopNoAnswerArrives) {
  slow_->delay = 300ms;
  bool answered = false;
  gate_->check_async(to("alice"), [&](decision) { answered = true; });
  std::this_thread::sleep_for(50ms);  // the worker is inside the store call
  gate_->stop();                      // waits for that call, drops the answer
  io_.restart();
  io_.run_for(100ms);
  EXPECT_FALSE(answered);
}

}  // namespace
}  // namespace gatehouse::policy::testing
