#pragma once
// The inbox thread of approval by reply (SPEC "Mail", mail.inbox): every mail.inbox_poll it
// asks the IMAP server for the unseen messages (mail/imap_client), fetches each, marks it
// \Seen - before it is handled, so a reply is handled at most once even across a crash - and
// hands its raw bytes to `on_message`, on this thread (the daemon posts it to the io thread).
// An IMAP failure is logged (once until it works again) and tried at the next poll.
//
// Ownership: owns its thread. stop() returns within the IMAP call in progress (bounded by
// its timeouts); the destructor stops.
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "config/config.hpp"

namespace gatehouse::mail {

class inbox_reader {
 public:
  // Read before each poll, so a reload's new inbox settings apply.
  using settings_source = std::function<config::mail_settings()>;
  using message_handler = std::function<void(std::string raw)>;

  inbox_reader(settings_source settings, message_handler on_message);
  ~inbox_reader();
  inbox_reader(const inbox_reader&) = delete;
  inbox_reader& operator=(const inbox_reader&) = delete;

  void start();
  void stop();

  // One poll, on the calling thread: how many messages were handed on.
  std::size_t poll_once();

 private:
  void run();

  settings_source settings_;
  message_handler on_message_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::atomic<bool> stopping_{false};
  bool failing_ = false;  // the reader thread only: the last poll failed (logged once)
};

}  // namespace gatehouse::mail
