// Fuzz harness: the SFTP observer (proxy::ssh::sftp_observer), which reads both directions of
// every sftp subsystem channel - bytes a client (or a compromised server) chooses freely.
//
// Input: records of one header byte and its payload: bit 0 of the header is the direction
// (0 client, 1 server), the other bits plus one the payload's length (1-128 bytes).
//
// Contract checked: the observer's tracked state stays within its caps; it reports only known
// sftp.* events, at most one sftp.unparsed, and after that only the sftp.close events of
// finish(); every path it reports is a string; and it reports the same events whether the
// same bytes arrive in the input's pieces or one byte at a time (reassembly does not depend on
// how TCP cut the stream).
#include <boost/json/serialize.hpp>

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_support.hpp"
#include "proxy/ssh/sftp_audit.hpp"

using namespace gatehouse;
using proxy::ssh::sftp_observer;

namespace {

struct piece {
  bool from_server;
  std::string_view bytes;
};

std::vector<piece> pieces(std::string_view input) {
  std::vector<piece> out;
  while (!input.empty()) {
    auto header = static_cast<unsigned char>(input[0]);
    input.remove_prefix(1);
    auto n = std::min<std::size_t>(input.size(), (header >> 1) + 1u);
    out.push_back({(header & 1) != 0, input.substr(0, n)});
    input.remove_prefix(n);
  }
  return out;
}

const std::set<std::string_view> known = {
    "sftp.open",    "sftp.close",  "sftp.remove",  "sftp.mkdir",    "sftp.rmdir",   "sftp.opendir",
    "sftp.setstat", "sftp.rename", "sftp.symlink", "sftp.hardlink", "sftp.unparsed"};

// Every event as one line of text, checked as it comes.
std::vector<std::string> observe(const std::vector<piece>& input, bool byte_by_byte) {
  std::vector<std::string> events;
  bool unparsed = false, finishing = false;
  sftp_observer o([&](std::string_view event, boost::json::object fields) {
    fuzz::require(known.count(event) == 1, "a known event", event);
    fuzz::require(!unparsed || (finishing && event == "sftp.close"),
                  "after sftp.unparsed only finish()'s sftp.close", event);
    unparsed |= event == "sftp.unparsed";
    for (const char* key : {"path", "to", "target"})
      if (const auto* v = fields.if_contains(key))
        fuzz::require(v->is_string(), "paths are strings", event);
    events.push_back(std::string(event) + " " + boost::json::serialize(fields));
  });
  for (const auto& p : input) {
    std::size_t step = byte_by_byte ? 1 : p.bytes.size();
    for (std::size_t at = 0; at < p.bytes.size(); at += step) {
      auto n = std::min(step, p.bytes.size() - at);
      if (p.from_server)
        o.from_server(p.bytes.data() + at, n);
      else
        o.from_client(p.bytes.data() + at, n);
    }
    fuzz::require(o.tracked() <= 30000, "tracked state stays within its caps");
  }
  finishing = true;
  o.finish();
  fuzz::require(o.tracked() <= 20000, "finish() forgets the open handles");
  return events;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto input = pieces(std::string_view(reinterpret_cast<const char*>(data), size));
  auto as_cut = observe(input, false);
  auto one_by_one = observe(input, true);
  fuzz::require(as_cut == one_by_one, "the same events however the stream is cut");
  return 0;
}
