// "Every state change audited before it takes effect": access_service records a change's
// events inside the store transaction, before the commit. A sink that looks at the store
// through a second connection sees the state before the change; a sink that cannot write
// refuses the change (rolled back, nothing visible); a commit that fails after the events
// were written is followed by "<event>.failed".
#include <unistd.h>

#include <filesystem>
#include <functional>

#include "storage/forwarding_store.hpp"
#include "policy/access_service.hpp"
#include "policy_test_support.hpp"

namespace gatehouse::policy::testing {
namespace {

// The test double for the sink interface: can refuse, and calls `look` when recording ahead of
// a change (as trail writes and syncs the line there).
class ordered_audit final : public audit_sink {
 public:
  void record(const audit_event& e) override { events.push_back(e); }
  bool record_before_change(const audit_event& e) override {
    if (look) look(e);
    if (!writable) {
      ++refused;
      return false;
    }
    events.push_back(e);
    return true;
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(e.name);
    return out;
  }
  std::function<void(const audit_event&)> look;
  bool writable = true;
  int refused = 0;
  std::vector<audit_event> events;
};

// Fails the commit: the inner store runs the whole batch and the check, then rolls back.
class failing_commit_store final : public storage::forwarding_store {
 public:
  explicit failing_commit_store(store& inner) : storage::forwarding_store(inner) {}
  using store::apply;
  result<committed> apply(const write_batch& b, const before_commit& check) override {
    if (!fail) return inner_.apply(b, check);
    return inner_.apply(b, [&](const committed& staged) -> result<void> {
      if (auto checked = check(staged); !checked) return checked;
      return make_error(error_code::internal, "store: disk I/O error");
    });
  }
  bool fail = false;
};

class AccessAuditOrder : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("gatehouse-audit-order-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    const std::string url = "sqlite:" + (dir_ / "store.db").string();
    auto s = open_store(url);
    ASSERT_TRUE(s.ok()) << s.message();
    store_ = std::move(*s);
    auto r = open_store(url);  // a second connection: what everyone else sees
    ASSERT_TRUE(r.ok()) << r.message();
    reader_ = std::move(*r);
    failing_ = std::make_unique<failing_commit_store>(*store_);
    svc_ = std::make_unique<access_service>(
        standard_people().rule(prod_rule({level({"bob"})})).build(), *failing_, audit_, notifier_,
        clock_);
  }
  void TearDown() override {
    svc_.reset();
    failing_.reset();
    reader_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  request file_alice() {
    auto r = svc_->file_request(to("alice"), filing{"deploying the fix"});
    EXPECT_TRUE(r.ok()) << r.message();
    return r.ok() ? *r : request{};
  }
  std::vector<change> feed() {
    auto f = reader_->changes_since(0, 0);
    EXPECT_TRUE(f.ok()) << f.message();
    return f.ok() ? *f : std::vector<change>{};
  }

  std::filesystem::path dir_;
  manual_clock clock_{t0()};
  std::unique_ptr<store> store_, reader_;
  std::unique_ptr<failing_commit_store> failing_;
  ordered_audit audit_;
  recording_notifier notifier_;
  std::unique_ptr<access_service> svc_;
};

TEST_F(AccessAuditOrder, EventsAreRecordedBeforeTheChangeIsVisible) {
  std::vector<std::string> seen;  // what another reader of the store saw at each event
  audit_.look = [&](const audit_event& e) {
    auto requests = reader_->list_requests({});
    ASSERT_TRUE(requests.ok()) << requests.message();
    auto grants = reader_->list_grants({});
    ASSERT_TRUE(grants.ok()) << grants.message();
    std::string state =
        requests->empty() ? "none" : std::string(to_string(requests->front().state));
    seen.push_back(e.name + " request " + e.fields.at("request") + " while " + state + ", " +
                   std::to_string(grants->size()) + " grants, " + std::to_string(feed().size()) +
                   " changes");
  };
  request r = file_alice();
  auto approved = svc_->approve(r.id, "bob", {});
  ASSERT_TRUE(approved.ok()) << approved.message();
  EXPECT_EQ(seen, (std::vector<std::string>{
                      "request.created request 1 while none, 0 grants, 0 changes",
                      "request.approved request 1 while pending, 0 grants, 1 changes"}));
  // The events carry the ids the commit made visible.
  EXPECT_EQ(audit_.events.back().fields.at("grant"), std::to_string(*approved->grant));
  EXPECT_EQ(reader_->get_request(r.id)->state, request_state::approved);
  EXPECT_EQ(feed().size(), 2u);
}

TEST_F(AccessAuditOrder, AnUnwritableAuditLogRefusesTheChange) {
  request r = file_alice();
  audit_.writable = false;
  auto approved = svc_->approve(r.id, "bob", {});
  ASSERT_FALSE(approved.ok());
  EXPECT_EQ(approved.code(), error_code::refused);
  EXPECT_EQ(approved.message(),
            "audit log unavailable: request.approved could not be recorded, so nothing changed");
  EXPECT_EQ(audit_.refused, 1);
  EXPECT_EQ(audit_.names(), std::vector<std::string>{"request.created"});
  EXPECT_EQ(reader_->get_request(r.id)->state, request_state::pending);  // rolled back
  EXPECT_TRUE(reader_->list_grants({})->empty());
  EXPECT_EQ(feed().size(), 1u);
  EXPECT_EQ(notifier_.calls.size(), 1u);  // only the approvers' question of the filing
  auto filed = svc_->file_request(to("dave"), filing{"hotfix"});
  EXPECT_EQ(filed.code(), error_code::refused);
  EXPECT_EQ(reader_->list_requests({})->size(), 1u);

  audit_.writable = true;  // the disk is fixed: the same action now goes through
  EXPECT_TRUE(svc_->approve(r.id, "bob", {}).ok());
  EXPECT_EQ(audit_.names(), (std::vector<std::string>{"request.created", "request.approved"}));
}

TEST_F(AccessAuditOrder, TakingAccessAwayIsNeverHeldBackByTheLog) {
  request r = file_alice();
  auto approved = svc_->approve(r.id, "bob", {});
  ASSERT_TRUE(approved.ok());
  audit_.writable = false;
  auto revoked = svc_->revoke(*approved->grant, "admin", true);
  ASSERT_TRUE(revoked.ok()) << revoked.message();
  EXPECT_EQ(reader_->get_grant(*approved->grant)->state, grant_state::revoked);
  EXPECT_EQ(audit_.refused, 1);  // still tried first
}

TEST_F(AccessAuditOrder, AFailedCommitAfterTheEventIsRecordedAsFailed) {
  request r = file_alice();
  failing_->fail = true;
  auto approved = svc_->approve(r.id, "bob", {});
  ASSERT_FALSE(approved.ok());
  EXPECT_EQ(approved.message(), "store: disk I/O error");
  EXPECT_EQ(audit_.names(), (std::vector<std::string>{"request.created", "request.approved",
                                                      "request.approved.failed"}));
  const auto& failed = audit_.events.back();
  EXPECT_EQ(failed.fields.at("reason"), "store: disk I/O error");
  EXPECT_EQ(failed.fields.at("request"), std::to_string(r.id));
  EXPECT_EQ(reader_->get_request(r.id)->state, request_state::pending);
  EXPECT_TRUE(reader_->list_grants({})->empty());
}

}  // namespace
}  // namespace gatehouse::policy::testing
