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
  while (!stopping_) {
    auto heard = store_.wait_for_change(wait_slice);
    switch (state_.observe(static_cast<bool>(heard))) {
      case store_reachability::change::lost:
        spdlog::warn(
            "store: the access store cannot be reached ({}); held connections wait, new logins "
            "that need it are refused; reconnecting with backoff",
            heard.message());
        if (reachability_) reachability_(false);
        break;
      case store_reachability::change::back:
        spdlog::info("store: reachable again (outage {}); reading the change feed again",
                     state_.outages());
        if (reachability_) reachability_(true);
        break;
      case store_reachability::change::none: break;
    }
    if (heard && *heard && !stopping_) heard_();
  }
}

}  // namespace gatehouse::policy
