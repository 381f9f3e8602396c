#pragma once
// The running daemon: the one place that knows every part and wires them together.
// Owns the io_context, the listeners, the store and the current configuration snapshot.
#include <memory>
#include <string>

#include "config/config.hpp"

namespace gatehouse::daemon {

class daemon {
 public:
  daemon(std::shared_ptr<const config::config> initial, std::string config_path);
  ~daemon();
  daemon(const daemon&) = delete;
  daemon& operator=(const daemon&) = delete;

  // Binds everything, serves until SIGTERM/SIGINT, and returns the process exit code:
  // 0 after a clean stop, 1 on a fatal startup problem (already logged on one line).
  int run();

 private:
  class impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace gatehouse::daemon
