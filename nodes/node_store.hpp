#pragma once
// Where the daemons sharing one store find each other (issue 16 "Nodes"): each running daemon
// is a node row (who it is, where it listens, its heartbeat, and a snapshot of its live
// sessions as SPEC session objects), and `gatehouse kill` of a session that lives on another
// node is a kill order row that the owning node carries out and answers.
//
// Why a session snapshot per node rather than a row per session: the owner rewrites its whole
// list with every heartbeat (and at once when a session starts or ends), so a node that dies
// takes its sessions with it (a stale heartbeat hides both), nothing is left to clean up, and
// bytes and states stay current without a write per change.
//
// Backends: storage/sqlite/node_store.cpp, storage/postgresql/node_store.cpp (tables nodes and
// kill_orders, migration 5); opened by storage::open_storage(). Checked on both by
// tests/storage/node_store_test.cpp. Thread-safety: safe from any thread; every call blocks on
// the database, so never on the io thread (nodes/node_presence runs them on its own thread).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "policy/result.hpp"

namespace gatehouse::nodes {

struct node_record {
  std::string id;             // unique per running daemon (node_presence makes it)
  std::string instance_name;  // instance_name of its configuration
  std::string host;           // the machine's host name
  std::string addresses;      // its listeners, "ssh=0.0.0.0:2222 http=..." (for people)
  std::string version;        // GATEHOUSE_VERSION
  std::int64_t pid = 0;
  time_point started{};
  time_point heartbeat{};
  std::optional<time_point> gone;  // set at a clean shutdown
  std::string sessions = "[]";     // JSON array of SPEC session objects, as last published
};

struct kill_order {
  std::int64_t id = 0;
  std::string node;  // the node that holds the session
  std::string session_id;
  std::string by;  // who ordered it (the person is told)
};

enum class kill_outcome { pending, killed, unknown_session };

class node_store {
 public:
  virtual ~node_store() = default;
  // Inserts the node or replaces the row of the same id.
  virtual policy::result<void> register_node(const node_record& n) = 0;
  // Its heartbeat and session snapshot; not_found when the row is missing (re-register).
  virtual policy::result<void> heartbeat(const std::string& node, time_point now,
                                         const std::string& sessions) = 0;
  // A clean shutdown: gone at `now`, no sessions.
  virtual policy::result<void> mark_gone(const std::string& node, time_point now) = 0;
  // Every node not gone, and those gone or silent since `forget_before` are deleted first
  // (with their finished kill orders).
  virtual policy::result<std::vector<node_record>> live_nodes(time_point forget_before) = 0;

  virtual policy::result<std::int64_t> order_kill(const kill_order& k, time_point now) = 0;
  // The orders for `node` not carried out yet, oldest first.
  virtual policy::result<std::vector<kill_order>> pending_kills(const std::string& node) = 0;
  virtual policy::result<void> finish_kill(std::int64_t order, kill_outcome outcome) = 0;
  virtual policy::result<kill_outcome> outcome_of(std::int64_t order) = 0;
};

}  // namespace gatehouse::nodes
