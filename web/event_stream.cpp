#include "web/event_stream.hpp"

namespace gatehouse::web {

std::string sse_event(std::string_view name, std::string_view data) {
  std::string out = "event: " + std::string(name) + "\n";
  std::size_t start = 0;
  while (true) {
    auto nl = data.find_first_of("\r\n", start);
    out += "data: " + std::string(data.substr(start, nl - start)) + "\n";
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return out + "\n";
}

}  // namespace gatehouse::web
