#include "proxy/ssh/limits.hpp"

namespace gatehouse::proxy::ssh {

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
