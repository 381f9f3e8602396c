// Fuzz harness: a WebSocket frame from the browser terminal (terminal::parse_browser_frame),
// the input being the frame as the browser sent it.
//
// Contract checked: a data frame is exactly the bytes after the type byte (a view inside the
// input, nothing lost or added); a resize has both sizes in 1..most_cells and only comes from a
// 5-byte 'r' frame; an ack only from a 5-byte 'a' frame, its count the big-endian payload;
// every other frame is ignored; the gate's own frames are the type byte and the payload.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_support.hpp"
#include "terminal/terminal_frames.hpp"

using namespace gatehouse::terminal;
using gatehouse::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto f = parse_browser_frame(in);
  const char type = in.empty() ? '\0' : in[0];
  switch (f.type) {
    case browser_frame::kind::data:
      require(type == 'd', "data from a frame that is not 'd'");
      require(f.data.data() == in.data() + 1 && f.data.size() == in.size() - 1,
              "data is not the bytes after the type");
      break;
    case browser_frame::kind::resize:
      require(type == 'r' && in.size() == 5, "a resize from a frame that is not 'r' + 4 bytes");
      require(f.cols >= 1 && f.cols <= most_cells && f.rows >= 1 && f.rows <= most_cells,
              "a size out of range");
      break;
    case browser_frame::kind::ack: {
      require(type == 'a' && in.size() == 5, "an ack from a frame that is not 'a' + 4 bytes");
      std::uint32_t n = 0;
      for (std::size_t i = 1; i < 5; ++i) n = (n << 8) | static_cast<unsigned char>(in[i]);
      require(f.drawn == n, "an ack's count is not its payload");
      break;
    }
    case browser_frame::kind::ignored:
      require(!(type == 'd') && !((type == 'r' || type == 'a') && in.size() == 5),
              "a well-formed frame was ignored");
      break;
  }
  const auto out = gate_frame(type, in.empty() ? in : in.substr(1));
  require(out.size() == (in.empty() ? 1 : in.size()) && out[0] == type,
          "a gate frame is not its type and payload");
  return 0;
}
