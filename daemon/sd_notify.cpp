#include "daemon/sd_notify.hpp"

#include <systemd/sd-daemon.h>

#include <ctime>
#include <string>

namespace gatehouse::daemon {

namespace {
void send(const std::string& state) { sd_notify(0, state.c_str()); }

std::uint64_t monotonic_usec() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::uint64_t(ts.tv_sec) * 1000000u + std::uint64_t(ts.tv_nsec) / 1000u;
}
}  // namespace

void notify_ready() { send("READY=1\nSTATUS=Serving"); }
void notify_reloading() {
  send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(monotonic_usec()) +
       "\nSTATUS=Reloading configuration");
}
void notify_stopping() { send("STOPPING=1\nSTATUS=Stopping"); }
void notify_watchdog() { send("WATCHDOG=1"); }
void notify_status(std::string_view text) { send("STATUS=" + std::string(text)); }

std::optional<std::chrono::microseconds> watchdog_interval() {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::microseconds(usec / 2);
}

}  // namespace gatehouse::daemon
