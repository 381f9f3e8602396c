#pragma once
// The LISTEN side of the change feed: a connection of its own that LISTENs on
// gatehouse_changes and waits, with PQsocket and poll(), until another daemon's apply()
// NOTIFYs (in the same transaction as its feed rows, so the word arrives only once they are
// visible). A lost connection is re-opened with backoff (backoff.hpp: 0.2 s doubling to 5 s);
// the first wait after a reconnection answers true, so the caller reads the feed again (a
// notification sent while it was away is lost, the feed rows are not). Its errors are how the
// daemon learns that the store is lost and back (policy/store_reachability.hpp).
//
// Ownership: owns its connection. Thread-safety: one thread waits at a time (the store holds
// a mutex around wait()).
#include <chrono>
#include <memory>
#include <string>

#include "storage/postgresql/backoff.hpp"
#include "storage/postgresql/connection.hpp"

namespace gatehouse::storage::postgresql {

class change_listener {
 public:
  explicit change_listener(std::string conninfo) : conninfo_(std::move(conninfo)) {}
  // true when a notification came (or the connection was re-made) within `timeout`; false
  // when the time passed quietly; an error when the server cannot be reached (after waiting
  // out the backoff, never longer than `timeout`).
  result<bool> wait(std::chrono::milliseconds timeout);

 private:
  result<void> connect();
  std::string conninfo_;
  std::unique_ptr<connection> conn_;
  std::chrono::steady_clock::time_point retry_at_{};
  reconnect_backoff backoff_;
};

}  // namespace gatehouse::storage::postgresql
