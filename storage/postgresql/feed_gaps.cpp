#include "storage/postgresql/feed_gaps.hpp"

namespace gatehouse::storage::postgresql {

std::size_t feed_gaps::usable(std::int64_t after, const std::vector<std::int64_t>& seqs,
                              std::uint64_t xmin, const marker_source& marker) {
  std::lock_guard lock(mutex_);
  if (first_seen_.size() > max_remembered) first_seen_.clear();  // only ever delays, never skips
  std::size_t out = seqs.size();
  std::optional<std::uint64_t> mark;  // this read's marker, once asked for
  bool asked = false;
  std::int64_t expected = after + 1;
  for (std::size_t i = 0; i < seqs.size(); ++i) {
    // A long run of missing numbers (a sequence that jumped after a crash) counts as one gap.
    const std::int64_t last_gap = seqs[i] - expected > max_run ? expected : seqs[i] - 1;
    for (std::int64_t gap = expected; gap <= last_gap; ++gap) {
      auto seen = first_seen_.find(gap);
      if (seen != first_seen_.end() && xmin > seen->second) {  // its writer has ended
        first_seen_.erase(seen);
        continue;
      }
      if (seen == first_seen_.end()) {
        if (!asked) mark = marker(), asked = true;
        if (mark) first_seen_.emplace(gap, *mark);
      }
      if (out == seqs.size()) out = i;
    }
    expected = seqs[i] + 1;
  }
  return out;
}

std::size_t feed_gaps::open_gaps() const {
  std::lock_guard lock(mutex_);
  return first_seen_.size();
}

}  // namespace gatehouse::storage::postgresql
