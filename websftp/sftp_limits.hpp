#pragma once
// The web SFTP's caps, in one place until they are configuration (the keys the lead would add:
// web_sftp.max_upload_bytes, web_sftp.max_listing_entries, web_sftp.idle_time).
#include <cstddef>
#include <cstdint>

namespace gatehouse::websftp {

inline constexpr std::uint64_t max_upload_bytes = 2ull * 1024 * 1024 * 1024;  // one upload
inline constexpr std::size_t max_listing_entries = 10000;   // one directory listing
inline constexpr std::uint32_t transfer_piece = 32 * 1024;  // one READ or WRITE
inline constexpr std::size_t pieces_in_flight = 16;         // per transfer: memory <= 512 KiB
inline constexpr std::size_t sessions_per_person = 8;       // open file browsers at once

}  // namespace gatehouse::websftp
