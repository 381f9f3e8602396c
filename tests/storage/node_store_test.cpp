// The node store conformance suite (nodes/node_store.hpp) on every backend: a daemon's node row
// is seen by another daemon opening the same store, with its heartbeat and session snapshot; a
// clean shutdown hides it; a node silent past the cut-off is forgotten; a kill order reaches
// only the node it names and keeps the outcome that node gave.
#include "nodes/node_store.hpp"

#include <gtest/gtest.h>

#include "storage/open_storage.hpp"
#include "storage_backends.hpp"

namespace gatehouse::nodes {
namespace {

using namespace std::chrono_literals;

template <typename Backend>
class NodeStore : public ::testing::Test {
 protected:
  // Each call is a daemon of its own on the same store.
  std::unique_ptr<node_store> open() {
    auto s = storage::open_storage(backend_.url());
    EXPECT_TRUE(s.ok()) << s.message();
    return s.ok() ? std::move(s->nodes) : nullptr;
  }

  node_record node(const std::string& id, const std::string& instance) {
    node_record n;
    n.id = id;
    n.instance_name = instance;
    n.host = "gate-host";
    n.addresses = "ssh=127.0.0.1:2222";
    n.version = "1.2.3";
    n.pid = 4242;
    n.started = now_;
    n.heartbeat = now_;
    return n;
  }

  Backend backend_;
  time_point now_{std::chrono::hours(24 * 20000)};
};

using NodeStoreBackends =
    ::testing::Types<storage::testing::sqlite_file_backend, storage::testing::postgresql_backend>;
TYPED_TEST_SUITE(NodeStore, NodeStoreBackends);

TYPED_TEST(NodeStore, AnotherDaemonSeesARegisteredNodeWithItsHeartbeatAndSessions) {
  auto a = this->open();
  auto b = this->open();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->register_node(this->node("a-1", "gate-a")).ok());
  ASSERT_TRUE(a->heartbeat("a-1", this->now_ + 2s, R"([{"id":"ssh-x-1"}])").ok());
  auto seen = b->live_nodes(this->now_ - 1h);
  ASSERT_TRUE(seen.ok()) << seen.message();
  ASSERT_EQ(seen->size(), 1u);
  const node_record& n = seen->front();
  EXPECT_EQ(n.id, "a-1");
  EXPECT_EQ(n.instance_name, "gate-a");
  EXPECT_EQ(n.host, "gate-host");
  EXPECT_EQ(n.addresses, "ssh=127.0.0.1:2222");
  EXPECT_EQ(n.version, "1.2.3");
  EXPECT_EQ(n.pid, 4242);
  EXPECT_EQ(n.started, this->now_);
  EXPECT_EQ(n.heartbeat, this->now_ + 2s);
  EXPECT_EQ(n.sessions, R"([{"id":"ssh-x-1"}])");
}

TYPED_TEST(NodeStore, AHeartbeatOfAnUnregisteredNodeIsNotFound) {
  auto a = this->open();
  ASSERT_TRUE(a);
  auto r = a->heartbeat("nobody", this->now_, "[]");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.code(), policy::error_code::not_found);
}

TYPED_TEST(NodeStore, ACleanShutdownHidesTheNodeAndASilentOneIsForgotten) {
  auto a = this->open();
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->register_node(this->node("a-1", "gate-a")).ok());
  ASSERT_TRUE(a->register_node(this->node("b-1", "gate-b")).ok());
  ASSERT_TRUE(a->register_node(this->node("c-1", "gate-c")).ok());
  ASSERT_TRUE(a->heartbeat("a-1", this->now_ + 10min, "[]").ok());
  ASSERT_TRUE(a->mark_gone("b-1", this->now_ + 10min).ok());
  // c-1 stays silent: at a cut-off after its last heartbeat it is deleted.
  auto seen = a->live_nodes(this->now_ + 5min);
  ASSERT_TRUE(seen.ok()) << seen.message();
  ASSERT_EQ(seen->size(), 1u);
  EXPECT_EQ(seen->front().id, "a-1");
  EXPECT_EQ(this->backend_.table_text("nodes").find("c-1"), std::string::npos);
  // A registration under the same id (a restart would use a new one) replaces the row.
  ASSERT_TRUE(a->register_node(this->node("b-1", "gate-b2")).ok());
  seen = a->live_nodes(this->now_ - 1h);
  ASSERT_TRUE(seen.ok());
  ASSERT_EQ(seen->size(), 2u);
  EXPECT_EQ(seen->back().instance_name, "gate-b2");
}

TYPED_TEST(NodeStore, AKillOrderReachesOnlyItsNodeAndKeepsItsOutcome) {
  auto a = this->open();
  auto b = this->open();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->register_node(this->node("a-1", "gate-a")).ok());
  ASSERT_TRUE(b->register_node(this->node("b-1", "gate-b")).ok());
  auto first = b->order_kill({0, "a-1", "ssh-a-7", "carol"}, this->now_);
  auto second = b->order_kill({0, "a-1", "ssh-a-8", "dave"}, this->now_);
  ASSERT_TRUE(first.ok() && second.ok()) << first.message();
  EXPECT_NE(*first, *second);
  auto for_b = b->pending_kills("b-1");
  ASSERT_TRUE(for_b.ok());
  EXPECT_TRUE(for_b->empty());
  auto for_a = a->pending_kills("a-1");
  ASSERT_TRUE(for_a.ok()) << for_a.message();
  ASSERT_EQ(for_a->size(), 2u);
  EXPECT_EQ((*for_a)[0].id, *first);
  EXPECT_EQ((*for_a)[0].session_id, "ssh-a-7");
  EXPECT_EQ((*for_a)[0].by, "carol");
  EXPECT_EQ((*for_a)[1].session_id, "ssh-a-8");
  EXPECT_EQ(*b->outcome_of(*first), kill_outcome::pending);

  ASSERT_TRUE(a->finish_kill(*first, kill_outcome::killed).ok());
  ASSERT_TRUE(a->finish_kill(*second, kill_outcome::unknown_session).ok());
  EXPECT_EQ(*b->outcome_of(*first), kill_outcome::killed);
  EXPECT_EQ(*b->outcome_of(*second), kill_outcome::unknown_session);
  for_a = a->pending_kills("a-1");
  ASSERT_TRUE(for_a.ok());
  EXPECT_TRUE(for_a->empty());
  auto missing = b->outcome_of(*second + 1000);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.code(), policy::error_code::not_found);
}

}  // namespace
}  // namespace gatehouse::nodes
