#pragma once
// The one mail worker thread: sends the outbox's due mail over SMTP, one at a time, marks each
// sent, or records the failure and retries it later with exponential backoff (5 s doubling up
// to 10 min; forever: an outage delays mail, never loses it). The daemon's io thread only
// enqueues (a short SQLite insert) and wakes it; nothing waits for SMTP but this thread.
//
// stop() returns within about a second (5 s when a server is slow to accept a message already
// uploaded): it aborts a transfer in progress, which stays unsent, to be retried at the next
// start. Delivery is at least once: a mail aborted after the server took it comes again.
//
// The same thread prunes the outbox: at start and then hourly it deletes the rows of mail sent
// longer than `mail.keep_sent` ago (a large delete never runs on the io thread).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "config/config.hpp"
#include "core/time.hpp"
#include "mail/mail_counters.hpp"
#include "mail/outbox.hpp"

namespace gatehouse::mail {

// The wait after `failed_attempts` failures (>= 1): 5 s, 10 s, 20 s, ... at most 10 min.
std::chrono::milliseconds retry_delay(int failed_attempts);

class mail_sender {
 public:
  // The settings are read before each mail, so a reload's new SMTP settings apply.
  using settings_source = std::function<config::mail_settings()>;

  mail_sender(outbox& box, settings_source settings, const clock& clock, mail_counters& counters);
  ~mail_sender();
  mail_sender(const mail_sender&) = delete;
  mail_sender& operator=(const mail_sender&) = delete;

  void start();
  // Something was queued: look at once.
  void wake();
  void stop();

  // Deletes the outbox rows of mail sent more than `keep_sent` (from the settings) before the
  // clock's now. The sender thread calls it; public so that tests can call it with their clock.
  void prune_old_mail();

 private:
  void run();
  void send_one(const queued_mail& q);
  void wait(std::chrono::milliseconds at_most);

  outbox& box_;
  settings_source settings_;
  const clock& clock_;
  mail_counters& counters_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool woken_ = false;
  time_point next_prune_{};  // sender thread only
  std::atomic<bool> stopping_{false};
};

}  // namespace gatehouse::mail
