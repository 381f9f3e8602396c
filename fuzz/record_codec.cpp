// Fuzz harness: the JSON columns of stored requests (policy::codec decode_levels,
// decode_decisions, decode_comments). The store reads them back from SQLite or PostgreSQL, where
// anyone with write access to the database can put any text.
//
// Contract checked: never crashes; what decodes encodes to JSON that decodes to the same
// records (decode . encode is the identity on decoded values), for all three kinds.
#include "policy/record_codec.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_support.hpp"

using namespace gatehouse;
namespace codec = gatehouse::policy::codec;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view json(reinterpret_cast<const char*>(data), size);
  if (auto levels = codec::decode_levels(json)) {
    auto text = codec::encode_levels(*levels);
    auto again = codec::decode_levels(text);
    fuzz::require(again && *again == *levels, "levels round-trip", text);
  }
  if (auto decisions = codec::decode_decisions(json)) {
    auto text = codec::encode_decisions(*decisions);
    auto again = codec::decode_decisions(text);
    fuzz::require(again && *again == *decisions, "decisions round-trip", text);
  }
  if (auto comments = codec::decode_comments(json)) {
    auto text = codec::encode_comments(*comments);
    auto again = codec::decode_comments(text);
    fuzz::require(again && *again == *comments, "comments round-trip", text);
  }
  return 0;
}
