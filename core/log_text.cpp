#include "core/log_text.hpp"

namespace gatehouse {

std::string clipped_for_log(std::string_view text, std::size_t max) {
  if (text.size() <= max) return std::string(text);
  std::size_t cut = max;
  // Back to the first byte of a UTF-8 sequence (continuation bytes are 10xxxxxx), at most 3.
  for (int i = 0; i < 3 && cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80; ++i)
    --cut;
  return std::string(text.substr(0, cut)) + "...[truncated, " + std::to_string(text.size()) +
         " bytes]";
}

}  // namespace gatehouse
