// gate_service losing its store and finding it again (issue 16), over a real SQLite file whose
// change listener is made to fail the way PostgreSQL's does while the server is away (a
// forwarding store that notifies changes and whose wait errs while `away`): the daemon is told
// `lost` and `back` once each, store_reachable() follows, and a decision another daemon made
// while this one could not listen reaches its watcher once the store is back, without anyone
// calling changed() (the resync round).
#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <thread>
#include <vector>

#include "gate_service_fixture.hpp"
#include "policy/store_reachability.hpp"

namespace gatehouse::policy::testing {
namespace {

// A shared store's listener: quiet while reachable, failing while `away`, and "read the feed"
// on the first wait after it is back (as storage/postgresql/listener does after reconnecting).
class lossy_store final : public storage::forwarding_store {
 public:
  using storage::forwarding_store::forwarding_store;
  std::atomic<bool> away{false};

  bool notifies_changes() const override { return true; }
  result<bool> wait_for_change(std::chrono::milliseconds) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (away) {
      was_away_ = true;
      return make_error(error_code::internal, std::string(store_unreachable_text));
    }
    return std::exchange(was_away_, false);
  }

 private:
  bool was_away_ = false;  // the listener's thread only
};

class GateServiceStoreLoss : public GateService {
 protected:
  void SetUp() override {
    GateService::SetUp();
    gate_.reset();
    lossy_ = std::make_unique<lossy_store>(*slow_);
    gate_ = std::make_unique<gate_service>(io_, *access_, *lossy_, clock_);
    gate_->on_store_reachability([this](bool reachable) { told_.push_back(reachable); });
  }
  void TearDown() override {
    gate_.reset();
    GateService::TearDown();
  }

  std::unique_ptr<lossy_store> lossy_;
  std::vector<bool> told_;
};

TEST_F(GateServiceStoreLoss, LostAndBackAreToldOnceEach) {
  gate_->start();
  EXPECT_TRUE(gate_->store_reachable());
  lossy_->away = true;
  run_until([&] { return !told_.empty(); });
  EXPECT_EQ(told_, std::vector<bool>{false});
  EXPECT_FALSE(gate_->store_reachable());
  // The listener keeps failing while the store is away: nothing more is told.
  run_until([] { return false; }, std::chrono::milliseconds(200));
  EXPECT_EQ(told_, std::vector<bool>{false});
  lossy_->away = false;
  run_until([&] { return told_.size() == 2; });
  EXPECT_EQ(told_, (std::vector<bool>{false, true}));
  EXPECT_TRUE(gate_->store_reachable());
}

TEST_F(GateServiceStoreLoss, ADecisionMadeWhileAwayReachesTheWatcherOnceBack) {
  gate_->start();
  auto filed = other_->file_request(to("alice"), filing{.justification = "deploy"});
  ASSERT_TRUE(filed) << filed.message();
  std::optional<request> seen;
  auto watch = gate_->watch_request_async(filed->id, [&](const request& r) { seen = r; });
  lossy_->away = true;
  run_until([&] { return !told_.empty(); });
  // Another daemon approves while this one cannot listen (no word reaches it).
  ASSERT_TRUE(other_->approve(filed->id, "bob", {}));
  lossy_->away = false;
  run_until([&] { return seen.has_value(); }, std::chrono::seconds(3));
  ASSERT_TRUE(seen) << "the resync after the store came back reads the decision";
  EXPECT_EQ(seen->state, request_state::approved);
  EXPECT_EQ(told_, (std::vector<bool>{false, true}));
}

}  // namespace
}  // namespace gatehouse::policy::testing
