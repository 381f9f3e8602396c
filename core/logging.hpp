#pragma once
// Process-wide logging: spdlog to stderr. Under systemd (JOURNAL_STREAM set) each line starts
// with a sd-daemon priority prefix ("<3>") and carries no timestamp, since journald adds one.
namespace gatehouse {

void setup_logging(bool verbose);

}  // namespace gatehouse
