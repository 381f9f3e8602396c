// Fuzz harness: the bytes an SFTP server sends the web SFTP (websftp::packet_splitter, then
// websftp::parse_reply on each packet), the input being the channel's bytes.
//
// Contract checked: fed at once or in pieces of any size the splitter gives the same packets;
// no packet is longer than max_packet or empty; after a failure it gives nothing more; a reply
// read from a packet never holds more bytes than the packet (handle, data, message, names);
// parsing never throws or reads past the packet (the sanitizers watch that).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_support.hpp"
#include "websftp/sftp_wire.hpp"

using namespace gatehouse::websftp;
using gatehouse::fuzz::require;

namespace {
std::vector<std::string> split(std::string_view in, std::size_t piece, bool& failed) {
  packet_splitter s;
  std::vector<std::string> out;
  for (std::size_t at = 0; at < in.size(); at += piece) {
    s.feed(in.substr(at, piece));
    while (auto p = s.next()) out.push_back(std::move(*p));
  }
  failed = s.failed();
  if (failed) require(!s.next(), "a failed splitter gave a packet");
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  bool failed_whole = false, failed_pieces = false;
  const auto whole = split(in, in.size() + 1, failed_whole);
  const auto pieces = split(in, 1 + size % 7, failed_pieces);
  require(whole == pieces && failed_whole == failed_pieces, "pieces and whole differ");
  for (const auto& p : whole) {
    require(!p.empty() && p.size() <= max_packet, "a packet of a bad length");
    const auto r = parse_reply(p);
    std::size_t held = r.handle.size() + r.data.size() + r.message.size();
    for (const auto& n : r.names) held += n.name.size();
    require(held <= p.size(), "a reply holds more than its packet");
  }
  // The packet itself too, without the length field (what parse_reply sees).
  const auto r = parse_reply(in);
  require(r.type == reply::kind::malformed || !in.empty(), "a reply from nothing");
  return 0;
}
