#pragma once
// This daemon as a node among those sharing its store (issue 16 "Nodes"): on a thread of its
// own it registers the node, heartbeats every `heartbeat` with a snapshot of the live sessions
// (taken on the io thread), keeps the latest list of live nodes for `gatehouse status` and
// `gatehouse sessions` (so the io thread never reads the store), carries out the kill orders
// other nodes write for its sessions (polled every `kill_poll`; the kill itself runs on the io
// thread) and marks the node gone at a clean stop. A node is stale when its heartbeat is older
// than three intervals: its sessions are not listed and no kill is ordered to it.
//
// Ownership: refers to the node store, which must outlive it; stop() (or the destructor) joins
// the thread. Threads: start/stop on the io thread (stop blocks for at most one store call and
// the final write); peers(), owner_of() from any thread; kill_elsewhere() blocks, off the io
// thread only (the admin socket's worker).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/time.hpp"
#include "nodes/node_store.hpp"

namespace gatehouse::nodes {

struct presence_hooks {
  // Runs `work` on the io thread.
  std::function<void(std::function<void()> work)> post_to_io;
  // On the io thread: the live sessions, a JSON array of SPEC session objects.
  std::function<std::string()> sessions_json;
  // On the io thread: ends session `id` as ordered by `by`; false when none has that id.
  std::function<bool(const std::string& id, const std::string& by)> kill_here;
};

struct presence_timing {
  std::chrono::milliseconds heartbeat{2000};
  std::chrono::milliseconds kill_poll{250};
};

class node_presence {
 public:
  node_presence(node_store& store, node_record me, presence_hooks hooks, const clock& c,
                presence_timing timing = {});
  ~node_presence();
  node_presence(const node_presence&) = delete;
  node_presence& operator=(const node_presence&) = delete;

  void start();
  void stop();

  const std::string& id() const { return me_.id; }
  const node_record& me() const { return me_; }
  std::chrono::milliseconds heartbeat_interval() const { return timing_.heartbeat; }
  // No heartbeat for more than three intervals.
  bool stale(const node_record& n, time_point now) const;

  // The live nodes as last read (this one included once it has heartbeaten).
  std::vector<node_record> peers() const;
  // The live, not stale, other node whose last snapshot lists session `id`.
  std::optional<node_record> owner_of(const std::string& session_id) const;
  // Orders node `owner` to end `session_id` and waits up to `timeout` for its answer
  // (kill_outcome::pending when none came in time).
  policy::result<kill_outcome> kill_elsewhere(const std::string& owner,
                                              const std::string& session_id, const std::string& by,
                                              std::chrono::milliseconds timeout);

 private:
  void run();
  void publish();                // heartbeat (registering again if the row is gone) + read
  void carry_out_kill_orders();  // this node's pending orders, each killed on the io thread
  std::string snapshot_from_io();

  node_store& store_;
  node_record me_;
  presence_hooks hooks_;
  const clock& clock_;
  presence_timing timing_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<node_record> peers_;
  std::optional<std::string> snapshot_;                    // answered by the io thread
  std::vector<std::pair<std::int64_t, bool>> kills_done_;  // answered by the io thread
  std::thread thread_;
  bool registered_ = false;
  bool store_problem_logged_ = false;
};

}  // namespace gatehouse::nodes
