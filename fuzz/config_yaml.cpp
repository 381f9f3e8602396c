// Fuzz harness: the YAML configuration loader (config::load_string), which reads a file an
// administrator wrote - or one a configuration tool generated from outside data.
//
// Contract checked: never crashes or hangs; a configuration is returned exactly when there is
// no problem; every problem names a place inside the text (line and column within its size)
// and says something. Relative key paths resolve in the fixture directory, so seeds can be
// valid configurations.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/loader.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace gatehouse;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto r = config::load_string(text, "fuzz.yaml", fuzz::fixture_dir());
  fuzz::require((r.value == nullptr) != r.problems.empty(),
                "a configuration is returned exactly when there is no problem");
  for (const auto& p : r.problems) {
    fuzz::require(!p.message.empty(), "a problem says something", p.to_string());
    if (p.file != "fuzz.yaml") continue;  // e.g. a line of an ssh_keys_file
    fuzz::require(p.line >= 0 && p.column >= 0 && std::size_t(p.line) <= size + 1 &&
                      std::size_t(p.column) <= size + 1,
                  "a problem's place is inside the text", p.to_string());
  }
  return 0;
}
