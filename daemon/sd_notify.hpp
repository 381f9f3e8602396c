#pragma once
// The daemon's side of systemd's notify protocol (Type=notify). Every call is a no-op when
// the daemon was not started by systemd (NOTIFY_SOCKET unset).
#include <chrono>
#include <optional>
#include <string_view>

namespace gatehouse::daemon {

void notify_ready();
void notify_reloading();  // also sends MONOTONIC_USEC, as systemd 253+ asks of Type=notify-reload
void notify_stopping();
void notify_watchdog();
void notify_status(std::string_view text);

// How often to feed the watchdog (half of WatchdogSec), if systemd asked for it.
std::optional<std::chrono::microseconds> watchdog_interval();

}  // namespace gatehouse::daemon
