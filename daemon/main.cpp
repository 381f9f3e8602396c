// gatehoused: parse options, load and validate the configuration, then run the daemon.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <variant>

#include "apps/identity/assertion_signer.hpp"
#include "config/key_file_modes.hpp"
#include "config/loader.hpp"
#include "core/logging.hpp"
#include "daemon/daemon.hpp"
#include "daemon/options.hpp"

int main(int argc, char** argv) {
  using namespace gatehouse;
  auto parsed = daemon::parse_options(argc, argv);
  if (!parsed.value) return parsed.exit_code;
  const auto& opts = *parsed.value;

  auto loaded = config::load_file(opts.config_path);
  if (opts.check_only) {
    for (const auto& p : loaded.problems) std::printf("%s\n", p.to_string().c_str());
    // What the config loader cannot judge: the assertion key's content (OpenSSL).
    bool key_ok = true;
    if (loaded.value && loaded.value->listen.http &&
        !loaded.value->listen.http->assertion_key.empty()) {
      auto key = apps::assertion_signer::load(loaded.value->listen.http->assertion_key);
      if (auto* why = std::get_if<std::string>(&key)) {
        std::printf("%s: %s\n", opts.config_path.c_str(), why->c_str());
        key_ok = false;
      }
    }
    if (loaded.value)
      for (const auto& w : config::exposed_key_files(*loaded.value))
        std::fprintf(stderr, "warning: %s: only the daemon's user should read it\n", w.c_str());
    const bool valid = loaded.problems.empty() && key_ok;
    if (valid) std::printf("%s: configuration is valid\n", opts.config_path.c_str());
    return valid ? 0 : 1;
  }

  setup_logging(opts.verbose);
  if (!loaded.problems.empty()) {
    for (const auto& p : loaded.problems) spdlog::error("{}", p.to_string());
    spdlog::critical("{}: {} configuration problem(s); not starting", opts.config_path,
                     loaded.problems.size());
    return 1;
  }
  for (const auto& w : config::exposed_key_files(*loaded.value))
    spdlog::warn("{}: only the daemon's user should read it", w);
  try {
    daemon::daemon d(loaded.value, opts.config_path);
    return d.run();
  } catch (const std::exception& e) {
    spdlog::critical("fatal: {}", e.what());
    return 1;
  }
}
