#pragma once
// Mail figures for /metrics: mails queued, sent, and failed delivery attempts since start.
// Lock-free; read from any thread.
#include <atomic>
#include <cstdint>

namespace gatehouse::mail {

struct mail_counters {
  std::atomic<std::uint64_t> queued{0};
  std::atomic<std::uint64_t> sent{0};
  std::atomic<std::uint64_t> failed_attempts{0};
};

}  // namespace gatehouse::mail
