// Fuzz harness: the PROXY protocol header a load balancer sends first
// (proxy::proxy_protocol::parse), as the listener's header read sees it: the first input byte
// sets how many bytes arrive at a time (1-16); the rest is what the connection sends.
//
// Contract checked: while the answer is need_more every byte seen belongs to the header (so
// the reader may consume them): it never answers need_more past the header's size cap, and a
// header found in pieces is the one found at once, at the same length, never longer than the
// bytes given, 107 bytes at most for v1; once an answer is an error, no longer input turns it
// into a header; addresses are inet_pton-valid text of the family they claim.
#include "proxy/proxy_protocol.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "fuzz/fuzz_support.hpp"

using namespace gatehouse::proxy::proxy_protocol;

namespace {

void check_address(const std::optional<client_address>& a) {
  if (!a) return;
  unsigned char raw[16];
  gatehouse::fuzz::require(inet_pton(a->v6 ? AF_INET6 : AF_INET, a->ip.c_str(), raw) == 1,
                           "an address that is not of its family");
}

bool same(const header& a, const header& b) {
  auto same_address = [](const std::optional<client_address>& x,
                         const std::optional<client_address>& y) {
    return x.has_value() == y.has_value() &&
           (!x || (x->ip == y->ip && x->port == y->port && x->v6 == y->v6));
  };
  return a.version == b.version && a.length == b.length && same_address(a.source, b.source) &&
         same_address(a.destination, b.destination);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t piece = 1 + (data[0] & 0x0f);
  std::span<const unsigned char> bytes(data + 1, size - 1);

  const result at_once = parse(bytes);
  const header* whole = std::get_if<header>(&at_once);
  if (whole) {
    gatehouse::fuzz::require(whole->version == 1 || whole->version == 2, "a header of no version");
    gatehouse::fuzz::require(whole->length > 0 && whole->length <= bytes.size(),
                             "a header longer than its bytes");
    gatehouse::fuzz::require(whole->length <= most_header_bytes, "a header over the cap");
    gatehouse::fuzz::require(whole->version == 2 || whole->length <= most_v1_bytes,
                             "a v1 header over 107 bytes");
    gatehouse::fuzz::require(whole->source.has_value() == whole->destination.has_value(),
                             "half an address pair");
    check_address(whole->source);
    check_address(whole->destination);
  }
  if (std::holds_alternative<need_more>(at_once))
    gatehouse::fuzz::require(bytes.size() < most_header_bytes, "need_more past the cap");

  // As the listener reads: `piece` bytes more each turn, asking again with all seen so far.
  bool failed = false;
  for (std::size_t seen = std::min(piece, bytes.size());;
       seen = std::min(seen + piece, bytes.size())) {
    const result r = parse(bytes.first(seen));
    if (std::holds_alternative<need_more>(r)) {
      gatehouse::fuzz::require(!failed, "an error turned back into need_more");
      gatehouse::fuzz::require(!whole || seen < whole->length, "need_more over a complete header");
    } else if (const header* h = std::get_if<header>(&r)) {
      gatehouse::fuzz::require(!failed, "an error turned into a header");
      gatehouse::fuzz::require(whole && same(*h, *whole),
                               "in pieces a header differs from at once");
      break;  // the reader stops here, having consumed exactly h->length bytes
    } else {
      gatehouse::fuzz::require(!whole, "in pieces an error where at once a header");
      failed = true;
    }
    if (seen == bytes.size()) break;
  }
  return 0;
}
