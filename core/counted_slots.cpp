#include "core/counted_slots.hpp"

namespace gatehouse {

bool counted_slots::try_acquire(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto& n = counts_[key];
  if (n >= limit_) return false;
  ++n;
  ++total_;
  return true;
}

void counted_slots::release(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = counts_.find(key);
  if (it == counts_.end()) return;
  --total_;
  if (--it->second == 0) counts_.erase(it);
}

std::size_t counted_slots::count(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto it = counts_.find(key);
  return it == counts_.end() ? 0 : it->second;
}

std::size_t counted_slots::total() const {
  std::lock_guard lock(mutex_);
  return total_;
}

std::size_t counted_slots::limit() const {
  std::lock_guard lock(mutex_);
  return limit_;
}

void counted_slots::set_limit(std::size_t limit) {
  std::lock_guard lock(mutex_);
  limit_ = limit;
}

slot acquire(counted_slots& slots, const std::string& key) {
  if (!slots.try_acquire(key)) return {};
  return slot(slots, key);
}

void hold_caps::set_limits(std::size_t per_person, std::size_t per_source) {
  per_person_.set_limit(per_person);
  per_source_.set_limit(per_source);
}

std::variant<held_slots, std::string> hold_caps::take(const std::string& person,
                                                      const std::string& source) {
  held_slots held{acquire(per_person_, person), acquire(per_source_, source)};
  if (!held.person)
    return "Too many connections of " + person + " are waiting for approval (limit " +
           std::to_string(per_person_.limit()) + ")";
  if (!held.source)
    return std::string("Too many connections from your address are waiting for approval");
  return held;
}

}  // namespace gatehouse
