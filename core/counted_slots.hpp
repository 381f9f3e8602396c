#pragma once
// Caps on connections per key:
//   * counted_slots - the slots taken per key (a person, or a source address as
//                     core/peer_address.hpp keys it) against one limit; a `slot` gives its
//                     place back when it goes. The SSH listener caps connections still logging
//                     in per source with it;
//   * hold_caps     - connections waiting for approval, per person and per source address
//                     (listen.ssh / listen.rdp: max_held_per_person, max_held_per_source),
//                     with the words a refused person is given. The SSH and RDP listeners each
//                     keep one.
// Time-based limits are core/window_limiter.hpp. Pure bookkeeping. Thread-safe (one mutex per
// counted_slots): the listeners of every io thread (`workers`) share one set of caps.
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>

namespace gatehouse {

class counted_slots {
 public:
  explicit counted_slots(std::size_t limit) : limit_(limit) {}
  bool try_acquire(const std::string& key);
  void release(const std::string& key);
  std::size_t count(const std::string& key) const;
  std::size_t total() const;
  std::size_t limit() const;
  // A lower limit keeps the slots already taken; they count against it as they are released.
  void set_limit(std::size_t limit);

 private:
  mutable std::mutex mutex_;
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

// The two places a held connection takes; released when they go (or by reset()).
struct held_slots {
  slot person;
  slot source;
  void reset() {
    person.reset();
    source.reset();
  }
};

class hold_caps {
 public:
  hold_caps(std::size_t per_person, std::size_t per_source)
      : per_person_(per_person), per_source_(per_source) {}
  // A configuration reload; slots already taken stay (counted_slots::set_limit).
  void set_limits(std::size_t per_person, std::size_t per_source);
  // Both places for a connection of `person` from `source`, or, when either cap is reached,
  // the reason to give the person ("Too many connections of alice are waiting for approval
  // (limit 10)"); nothing is taken then.
  std::variant<held_slots, std::string> take(const std::string& person, const std::string& source);
  std::size_t held_by(const std::string& person) const { return per_person_.count(person); }
  std::size_t held_from(const std::string& source) const { return per_source_.count(source); }

 private:
  counted_slots per_person_;
  counted_slots per_source_;
};

}  // namespace gatehouse
