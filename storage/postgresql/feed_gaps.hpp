#pragma once
// Keeps the PostgreSQL change feed in order without serialising writers. Feed rows are
// numbered by a sequence inside each writer's transaction and become visible when it commits,
// so a reader may see seq N+1 while N is still in flight (or N was rolled back and never
// comes). feed_gaps decides how much of a read may be handed out: the rows before the first
// gap that may still fill.
//
// Why a gap can be settled: its writer got its transaction id (apply() writes the request row
// first) before it took the number, which was before the number after the gap was taken,
// which was before that row's commit, which was before the read. So when a gap is first seen,
// a transaction id assigned after the read (the `marker`: pg_current_xact_id() in a
// transaction of its own) is larger than the writer's. Once a later read's snapshot xmin (the
// oldest transaction still in progress) is beyond the marker, the writer has ended: had it
// committed, its row would be visible, so the number never comes and is skipped. (A snapshot's
// xmax is no such bound: it follows the last completed transaction, not the last assigned.)
//
// Thread-safe (one mutex); the first sightings are shared by every reader of one store.
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

namespace gatehouse::storage::postgresql {

class feed_gaps {
 public:
  using marker_source = std::function<std::optional<std::uint64_t>()>;

  // `seqs`: the rows read (all > `after`, ascending) under a snapshot whose xmin is `xmin`.
  // `marker` is called at most once, when a gap is seen for the first time (nullopt: it could
  // not be had; the gap is looked at afresh next time). Returns how many leading rows may be
  // handed out.
  std::size_t usable(std::int64_t after, const std::vector<std::int64_t>& seqs, std::uint64_t xmin,
                     const marker_source& marker);

  // Gaps seen and not yet settled (for tests).
  std::size_t open_gaps() const;

 private:
  static constexpr std::size_t max_remembered = 100000;
  static constexpr std::int64_t max_run = 1000;

  mutable std::mutex mutex_;
  std::map<std::int64_t, std::uint64_t> first_seen_;  // gap seq -> marker at the first sight
};

}  // namespace gatehouse::storage::postgresql
