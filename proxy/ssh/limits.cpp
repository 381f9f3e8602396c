#include "proxy/ssh/limits.hpp"

namespace gatehouse::proxy::ssh {

void failure_limiter::record_failure(const std::string& source, steady_time now) {
  prune(now);
  auto& e = sources_[source];
  e.failures.push_back(now);
  while (!e.failures.empty() && e.failures.front() + window_ <= now) e.failures.pop_front();
  if (e.failures.size() >= max_) {
    e.blocked_until = now + penalty_;
    e.failures.clear();
  }
}

bool failure_limiter::blocked(const std::string& source, steady_time now) {
  prune(now);
  auto it = sources_.find(source);
  return it != sources_.end() && now < it->second.blocked_until;
}

void failure_limiter::prune(steady_time now) {
  if (now - last_prune_ < window_ && sources_.size() < 10000) return;
  last_prune_ = now;
  for (auto it = sources_.begin(); it != sources_.end();) {
    auto& e = it->second;
    while (!e.failures.empty() && e.failures.front() + window_ <= now) e.failures.pop_front();
    if (e.failures.empty() && now >= e.blocked_until)
      it = sources_.erase(it);
    else
      ++it;
  }
}

bool counted_slots::try_acquire(const std::string& key) {
  auto& n = counts_[key];
  if (n >= limit_) return false;
  ++n;
  ++total_;
  return true;
}

void counted_slots::release(const std::string& key) {
  auto it = counts_.find(key);
  if (it == counts_.end()) return;
  --total_;
  if (--it->second == 0) counts_.erase(it);
}

std::size_t counted_slots::count(const std::string& key) const {
  auto it = counts_.find(key);
  return it == counts_.end() ? 0 : it->second;
}

slot acquire(counted_slots& slots, const std::string& key) {
  if (!slots.try_acquire(key)) return {};
  return slot(slots, key);
}

}  // namespace gatehouse::proxy::ssh
