#pragma once
// Events per key in a sliding window: a key with `max_events` within `window` is blocked for
// `penalty`. The SSH listener counts authentication failures per source address with it, the
// web app sign-in links per person and per address. Pure bookkeeping with the time passed in.
// Thread-safe (one mutex): the SSH listeners of every io thread (`workers`) share one.
#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

namespace gatehouse {

using steady_time = std::chrono::steady_clock::time_point;

class window_limiter {
 public:
  window_limiter(std::size_t max_events, std::chrono::seconds window, std::chrono::seconds penalty)
      : max_(max_events), window_(window), penalty_(penalty) {}

  void record(const std::string& key, steady_time now);
  bool blocked(const std::string& key, steady_time now);
  std::size_t tracked() const;

 private:
  struct entry {
    std::deque<steady_time> events;
    steady_time blocked_until{};
  };
  void prune(steady_time now);  // with mutex_ held

  mutable std::mutex mutex_;

  std::size_t max_;
  std::chrono::seconds window_;
  std::chrono::seconds penalty_;
  std::unordered_map<std::string, entry> keys_;
  steady_time last_prune_{};
};

}  // namespace gatehouse
