#include "policy/async/store_worker.hpp"

#include <spdlog/spdlog.h>

#include <exception>
#include <system_error>

namespace gatehouse::policy {

store_worker::~store_worker() { stop(); }

void store_worker::start() {
  std::lock_guard lock(mutex_);
  start_locked();
}

void store_worker::start_locked() {
  if (stopping_ || thread_.joinable()) return;
  try {
    thread_ = std::thread([this] { run(); });
  } catch (const std::system_error& e) {  // out of threads: the jobs wait for the next post
    spdlog::error("store worker: cannot start its thread: {}", e.what());
  }
}

void store_worker::post(std::function<void()> job) {
  std::lock_guard lock(mutex_);
  if (stopping_) return;
  jobs_.push_back(std::move(job));
  start_locked();
  wake_.notify_one();
}

void store_worker::stop() {
  std::deque<std::function<void()>> dropped;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    dropped.swap(jobs_);
    wake_.notify_one();
  }
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void store_worker::run() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    try {
      job();
    } catch (const std::exception& e) {  // only bad_alloc can arise: the store reports errors
      spdlog::error("store worker: {}", e.what());
    }
  }
}

}  // namespace gatehouse::policy
