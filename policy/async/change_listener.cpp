#include "policy/async/change_listener.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <system_error>

namespace gatehouse::policy {

namespace {
// How long one wait lasts: how soon stop() is noticed.
constexpr std::chrono::milliseconds wait_slice{250};
}  // namespace

void change_listener::start() {
  if (thread_.joinable() || !store_.notifies_changes()) return;
  stopping_ = false;
  try {
    thread_ = std::thread([this] { run(); });
  } catch (const std::system_error& e) {  // out of threads: the poll still covers it
    spdlog::error("change feed: cannot start the listener thread: {}", e.what());
  }
}

void change_listener::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void change_listener::run() {
  bool failing = false;
  while (!stopping_) {
    auto heard = store_.wait_for_change(wait_slice);
    if (!heard) {
      if (!failing)
        spdlog::warn("change feed: not listening for other daemons' changes ({}); retrying",
                     heard.message());
      failing = true;
      continue;
    }
    if (failing) spdlog::info("change feed: listening for other daemons' changes again");
    failing = false;
    if (*heard && !stopping_) heard_();
  }
}

}  // namespace gatehouse::policy
