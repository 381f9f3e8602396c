#pragma once
// The browser terminal's WebSocket frames (issue 18): one type byte, then the payload.
//   browser -> gate  'd' BYTES   what was typed or pasted, for the shell
//                    'r' C C R R the terminal's size: columns and rows, 16-bit big-endian each,
//                                clamped to 1..most_cells
//                    'a' N N N N bytes of output the browser has drawn since its last 'a'
//                                (32-bit big-endian): flow control
//   gate -> browser  'd' BYTES   the shell's output;  'w' TEXT  a warning (grant ending soon);
//                    'c' TEXT    why the session ends (the socket closes after it)
// parse_browser_frame never fails: a frame of another type or of a wrong size is `ignored`
// (browsers are outside input). Pure functions without state; any thread.
#include <cstdint>
#include <string>
#include <string_view>

namespace gatehouse::terminal {

inline constexpr int most_cells = 1000;  // the largest column or row count taken

struct browser_frame {
  enum class kind { ignored, data, resize, ack };
  kind type = kind::ignored;
  std::string_view data{};  // kind::data: the bytes (a view into the frame given)
  int cols = 0;             // kind::resize: 1..most_cells
  int rows = 0;             // kind::resize: 1..most_cells
  std::uint32_t drawn = 0;  // kind::ack
};

browser_frame parse_browser_frame(std::string_view frame);

// A frame for the browser: `type` ('d', 'w' or 'c') and the payload.
std::string gate_frame(char type, std::string_view payload);

}  // namespace gatehouse::terminal
