#include "mail/inbox_reader.hpp"

#include <spdlog/spdlog.h>

#include "mail/imap_client.hpp"

namespace gatehouse::mail {

namespace {
constexpr std::size_t max_per_poll = 100;  // the rest waits for the next poll
}

inbox_reader::inbox_reader(settings_source settings, message_handler on_message)
    : settings_(std::move(settings)), on_message_(std::move(on_message)) {}

inbox_reader::~inbox_reader() { stop(); }

void inbox_reader::start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void inbox_reader::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::size_t inbox_reader::poll_once() {
  const auto s = settings_();
  if (s.inbox.empty()) return 0;
  auto unseen = imap_unseen(s);
  if (!unseen.error.empty()) {
    if (!failing_) spdlog::warn("mail: cannot read the inbox: {}", unseen.error);
    failing_ = true;
    return 0;
  }
  if (failing_) spdlog::info("mail: the inbox is readable again");
  failing_ = false;
  std::size_t handed = 0;
  for (auto uid : unseen.uids) {
    if (stopping_ || handed >= max_per_poll) break;
    auto message = imap_fetch(s, uid);
    if (!message.error.empty()) {
      spdlog::warn("mail: cannot fetch message {} of the inbox: {}", uid, message.error);
      continue;
    }
    if (auto seen = imap_mark_seen(s, uid); !seen.error.empty()) {
      // Not handled now, so never twice: it is tried again at the next poll.
      spdlog::warn("mail: cannot mark message {} of the inbox seen: {}", uid, seen.error);
      continue;
    }
    on_message_(std::move(message.raw));
    ++handed;
  }
  return handed;
}

void inbox_reader::run() {
  while (!stopping_) {
    try {
      poll_once();
    } catch (const std::exception& e) {
      spdlog::error("mail: inbox poll failed: {}", e.what());
    }
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, settings_().inbox_poll, [this] { return stopping_.load(); });
  }
}

}  // namespace gatehouse::mail
