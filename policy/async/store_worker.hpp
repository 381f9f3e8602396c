#pragma once
// store_worker: the thread gate_service hands its store work to, so that a slow store never
// stalls the io thread (relays, held connections and timers all run there). Jobs run one at a
// time in the order they were posted (a feed read never overtakes the one before it); a job
// posts its result back to the io_context itself.
//
// Ownership: owns its thread, started by start() or the first post(). Thread-safety: start(),
// post() and stop() may be called from any thread; jobs run on the worker's thread and must
// only touch what is safe there (the store and access_service are; gate_service's watchers
// and timers are not).
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace gatehouse::policy {

class store_worker {
 public:
  store_worker() = default;
  ~store_worker();
  store_worker(const store_worker&) = delete;
  store_worker& operator=(const store_worker&) = delete;

  // Starts the thread now (the daemon does at start: later, when its descriptors or threads
  // run out, starting one may fail). post() starts it too if it is not running yet.
  void start();
  // Queues `job`. After stop() the job is dropped, never run.
  void post(std::function<void()> job);
  // Lets the job in progress finish (it may be waiting for the store), drops the queued ones
  // and joins the thread. Idempotent; the worker takes no more jobs afterwards.
  void stop();

 private:
  void run();
  void start_locked();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace gatehouse::policy
