#pragma once
// Names a client sends before it is known (an SSH login name, an RDP cookie's user) shortened
// before they reach a log or the audit trail: a client may send a 64 KiB user name, and every
// failed attempt would otherwise write it whole. A name longer than `max` bytes keeps its first
// `max` bytes (cut back to the start of a UTF-8 sequence, so a character is never split) and
// ends in the marker "...[truncated, N bytes]" with its full length. Pure.
#include <cstddef>
#include <string>
#include <string_view>

namespace gatehouse {

inline constexpr std::size_t max_logged_name = 256;

std::string clipped_for_log(std::string_view text, std::size_t max = max_logged_name);

}  // namespace gatehouse
