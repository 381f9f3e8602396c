#pragma once
// Defences the SSH listener needs because libssh has no LoginGraceTime, MaxAuthTries or
// MaxStartups of its own (research/tech.md §2.2):
//   * window_limiter   - (core/window_limiter.hpp) authentication failures per source
//                        address; a source over the limit is turned away at accept;
//   * counted_slots    - caps on connections per key (unauthenticated per source, held
//                        per person, held per source address).
// Pure bookkeeping with the time passed in; used on the io_context thread only.
#include <cstddef>
#include <string>
#include <unordered_map>
#include <utility>

#include "core/window_limiter.hpp"

namespace gatehouse::proxy::ssh {

class counted_slots {
 public:
  explicit counted_slots(std::size_t limit) : limit_(limit) {}
  bool try_acquire(const std::string& key);
  void release(const std::string& key);
  std::size_t count(const std::string& key) const;
  std::size_t total() const { return total_; }
  std::size_t limit() const { return limit_; }
  // A lower limit keeps the slots already taken; they count against it as they are released.
  void set_limit(std::size_t limit) { limit_ = limit; }

 private:
  std::size_t limit_;
  std::size_t total_ = 0;
  std::unordered_map<std::string, std::size_t> counts_;
};

// A slot held for as long as this object lives.
class slot {
 public:
  slot() = default;
  slot(counted_slots& slots, std::string key) : slots_(&slots), key_(std::move(key)) {}
  slot(slot&& o) noexcept : slots_(std::exchange(o.slots_, nullptr)), key_(std::move(o.key_)) {}
  slot& operator=(slot&& o) noexcept {
    if (this != &o) {
      reset();
      slots_ = std::exchange(o.slots_, nullptr);
      key_ = std::move(o.key_);
    }
    return *this;
  }
  ~slot() { reset(); }
  void reset() {
    if (slots_) std::exchange(slots_, nullptr)->release(key_);
  }
  explicit operator bool() const { return slots_ != nullptr; }

 private:
  counted_slots* slots_ = nullptr;
  std::string key_;
};

// Takes a slot for `key`, or an empty slot when the cap is reached.
slot acquire(counted_slots& slots, const std::string& key);

}  // namespace gatehouse::proxy::ssh
