#include "core/window_limiter.hpp"

namespace gatehouse {

void window_limiter::record(const std::string& key, steady_time now) {
  std::lock_guard lock(mutex_);
  prune(now);
  auto& e = keys_[key];
  e.events.push_back(now);
  while (!e.events.empty() && e.events.front() + window_ <= now) e.events.pop_front();
  if (e.events.size() >= max_) {
    e.blocked_until = now + penalty_;
    e.events.clear();
  }
}

bool window_limiter::blocked(const std::string& key, steady_time now) {
  std::lock_guard lock(mutex_);
  prune(now);
  auto it = keys_.find(key);
  return it != keys_.end() && now < it->second.blocked_until;
}

std::size_t window_limiter::tracked() const {
  std::lock_guard lock(mutex_);
  return keys_.size();
}

void window_limiter::prune(steady_time now) {
  if (now - last_prune_ < window_ && keys_.size() < 10000) return;
  last_prune_ = now;
  for (auto it = keys_.begin(); it != keys_.end();) {
    auto& e = it->second;
    while (!e.events.empty() && e.events.front() + window_ <= now) e.events.pop_front();
    if (e.events.empty() && now >= e.blocked_until)
      it = keys_.erase(it);
    else
      ++it;
  }
}

}  // namespace gatehouse
