#pragma once
// The web SFTP's transfer pacing. The caps people set (upload size, listing length, idle time,
// browsers per person) are configuration: config::web_sftp_settings.
#include <cstddef>
#include <cstdint>

namespace gatehouse::websftp {

inline constexpr std::uint32_t transfer_piece = 32 * 1024;  // one READ or WRITE
inline constexpr std::size_t pieces_in_flight = 16;         // per transfer: memory <= 512 KiB

}  // namespace gatehouse::websftp
