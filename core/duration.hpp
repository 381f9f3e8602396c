#pragma once
// Durations as written in the configuration and on the command line: "30s", "15m", "8h",
// "7d", or a sum of such parts ("1h30m").
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace gatehouse {

using seconds = std::chrono::seconds;

// nullopt for anything that is not a positive, well-formed duration below 10 years.
std::optional<seconds> parse_duration(std::string_view text);

// Compact human form: "2m10s", "1h", "0s".
std::string format_duration(seconds value);

}  // namespace gatehouse
