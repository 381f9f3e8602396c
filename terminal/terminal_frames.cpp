// The browser terminal's frames: see terminal_frames.hpp.
#include "terminal/terminal_frames.hpp"

#include <algorithm>

namespace gatehouse::terminal {

namespace {
std::uint32_t big_endian(std::string_view p, std::size_t at, std::size_t bytes) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(p[at + i]);
  return v;
}

int cells(std::string_view p, std::size_t at) {
  return std::clamp<int>(static_cast<int>(big_endian(p, at, 2)), 1, most_cells);
}
}  // namespace

browser_frame parse_browser_frame(std::string_view frame) {
  browser_frame f;
  if (frame.empty()) return f;
  const auto payload = frame.substr(1);
  switch (frame[0]) {
    case 'd':
      f.type = browser_frame::kind::data;
      f.data = payload;
      break;
    case 'r':
      if (payload.size() != 4) break;
      f.type = browser_frame::kind::resize;
      f.cols = cells(payload, 0);
      f.rows = cells(payload, 2);
      break;
    case 'a':
      if (payload.size() != 4) break;
      f.type = browser_frame::kind::ack;
      f.drawn = big_endian(payload, 0, 4);
      break;
    default: break;
  }
  return f;
}

std::string gate_frame(char type, std::string_view payload) {
  std::string frame(1, type);
  frame.append(payload);
  return frame;
}

}  // namespace gatehouse::terminal
