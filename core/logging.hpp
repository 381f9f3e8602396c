#pragma once
// Process-wide logging: spdlog to stderr. Under systemd (JOURNAL_STREAM set) each line starts
// with a sd-daemon priority prefix ("<3>") and carries no timestamp, since journald adds one.
// The lines are written by a logging thread of their own (see logging.cpp).
namespace gatehouse {

void setup_logging(bool verbose);
// Writes out the queued lines and stops the logging thread (before the process exits).
void stop_logging();

}  // namespace gatehouse
