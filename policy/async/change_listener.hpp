#pragma once
// change_listener: the thread that waits for word of changes other daemons commit to a shared
// store (store::wait_for_change: PostgreSQL's LISTEN on its own connection, which apply()
// NOTIFYs in the same transaction as its feed rows) and calls `heard` at once, so a decision
// made on daemon B releases a connection held on daemon A within a round trip rather than at
// the next poll. Started only for a store that notifies_changes().
//
// Why a blocking wait on a thread of its own rather than Asio watching PQsocket: the store
// interface stays synchronous (it is called from the store worker and the mail thread, never
// from the io thread) and reconnecting libpq blocks; a thread that only ever waits keeps the
// io thread and the store worker free of both. Lost notifications (a reconnection) are
// covered by the feed itself: after a reconnection wait_for_change answers true and the feed
// is read from the last seq seen (a full resync of what changed), and gate_service's slow
// poll stays as the safety net.
//
// It is also the one place that tells whether the store can be reached
// (policy/store_reachability.hpp): a failed wait is the store lost, the first answer after
// that is the store back; `reachability(false | true)` is called once for each, and the log
// says so ("store: ... cannot be reached" / "store: reachable again"). The LISTEN connection
// is re-made by the store with backoff; after it is back `heard` is called too, so the feed is
// read from the last change seen (the full resync).
//
// Ownership: owns its thread; `heard` and `reachability` must outlive it (gate_service stops
// it first). Thread-safety: start() and stop() from one thread (the io thread); the callbacks
// run on the listener's thread and must only post.
#include <atomic>
#include <functional>
#include <thread>

#include "policy/store.hpp"
#include "policy/store_reachability.hpp"

namespace gatehouse::policy {

class change_listener {
 public:
  change_listener(store& s, std::function<void()> heard,
                  std::function<void(bool reachable)> reachability = {})
      : store_(s), heard_(std::move(heard)), reachability_(std::move(reachability)) {}
  ~change_listener() { stop(); }
  change_listener(const change_listener&) = delete;
  change_listener& operator=(const change_listener&) = delete;

  // Starts the thread (when the store notifies changes; else nothing).
  void start();
  // Ends the wait in progress (within a quarter second) and joins the thread. Idempotent.
  void stop();

 private:
  void run();
  store& store_;
  std::function<void()> heard_;
  std::function<void(bool)> reachability_;
  store_reachability state_;  // the listener thread's own
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace gatehouse::policy
