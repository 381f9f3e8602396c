#pragma once
// How long to wait before the next attempt to reach PostgreSQL again (the LISTEN connection,
// listener.hpp): 0.2 s after the first failure, doubling to at most 5 s, back to 0.2 s once a
// connection is made. The pool's connections need none of their own: they are re-made on the
// next loan, and the store worker asks again only when there is work.
//
// Pure; one owner (the listener's thread).
#include <algorithm>
#include <chrono>

namespace gatehouse::storage::postgresql {

class reconnect_backoff {
 public:
  static constexpr std::chrono::milliseconds first{200};
  static constexpr std::chrono::milliseconds most{5000};

  // The wait after one more failed attempt.
  std::chrono::milliseconds failed() {
    auto wait = next_;
    next_ = std::min(next_ * 2, most);
    return wait;
  }
  // A connection was made: the next outage starts from `first` again.
  void succeeded() { next_ = first; }

 private:
  std::chrono::milliseconds next_ = first;
};

}  // namespace gatehouse::storage::postgresql
