#pragma once
// A move-only handle that runs its cancel action once: when destroyed, reset or overwritten.
// Registrations (a watch on a request, a subscription to a grant) hand one out, so that an
// owner that goes away — a client leaving a hold — cancels its registration without fail.
#include <functional>
#include <utility>

namespace gatehouse {

class cancel_handle {
 public:
  cancel_handle() = default;
  explicit cancel_handle(std::function<void()> cancel) : cancel_(std::move(cancel)) {}
  cancel_handle(cancel_handle&& o) noexcept : cancel_(std::exchange(o.cancel_, nullptr)) {}
  cancel_handle& operator=(cancel_handle&& o) noexcept {
    if (this != &o) {
      reset();
      cancel_ = std::exchange(o.cancel_, nullptr);
    }
    return *this;
  }
  cancel_handle(const cancel_handle&) = delete;
  cancel_handle& operator=(const cancel_handle&) = delete;
  ~cancel_handle() { reset(); }

  void reset() {
    if (cancel_) std::exchange(cancel_, nullptr)();
  }

 private:
  std::function<void()> cancel_;
};

}  // namespace gatehouse
