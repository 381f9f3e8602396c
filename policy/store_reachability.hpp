#pragma once
// Whether the access store can be reached, as one place knows it, and the one sentence a
// person is shown while it cannot (issue 16, "Losing the database").
//
// Who reports: only a store shared by several daemons can be lost while the daemon runs
// (PostgreSQL). Its change listener (policy/async/change_listener) is the one observer: each
// wait on the LISTEN connection either answers (reachable) or fails (unreachable: the server
// stopped, the network went away, libpq is reconnecting with backoff). `store_reachability`
// turns that stream of outcomes into the two events the daemon acts on, `lost` and `back`,
// each reported once per outage; gate_service posts them to the io thread, where holds,
// new logins and live sessions (on_store_loss) follow. SQLite is a file of this host: it never
// reports loss (it has no listener), so on_store_loss has nothing to do there.
//
// Pure; not thread-safe by itself (the listener's thread owns its instance).
#include <cstdint>
#include <string_view>

namespace gatehouse::policy {

// What a person is told when a login needs the store and it is away (SSH: the refusal line;
// HTTP apps: the 503's body; the pool's error for every store call meanwhile).
inline constexpr std::string_view store_unreachable_text =
    "the access store cannot be reached; try again in a minute";

class store_reachability {
 public:
  enum class change { none, lost, back };

  // One observed outcome of talking to the store: `ok` false when it could not be reached.
  // Answers the change it makes: `lost` on the first failure after success (or at start),
  // `back` on the first success after a loss, else `none`.
  change observe(bool ok);

  bool reachable() const { return reachable_; }
  // How many outages began since start (for the log and tests).
  std::uint64_t outages() const { return outages_; }

 private:
  bool reachable_ = true;
  std::uint64_t outages_ = 0;
};

std::string_view to_string(store_reachability::change c);  // "none", "lost", "back"

}  // namespace gatehouse::policy
