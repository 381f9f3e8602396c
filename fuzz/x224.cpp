// Fuzz harness: the first packet of an RDP connection (proxy::rdp::request_parser), the bytes
// any client sends before anything else. The first input byte sets how many bytes the
// simulated socket delivers at a time (1-16); the rest is what the client sends.
//
// Contract checked: the reader never takes more than wanted() (so never the client's next
// packet) nor more than 259 bytes; reading in pieces gives what reading the same bytes at once
// gives; a complete request has a printable token or cookie; the request forwarded to the
// server is itself a valid request, without the routing token, with the same cookie and
// negotiation, and no longer than the limit.
#include "proxy/rdp/x224.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_support.hpp"

using namespace gatehouse;
using proxy::rdp::connection_request;
using proxy::rdp::request_parser;

namespace {

bool printable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

bool same_request(const connection_request& a, const connection_request& b) {
  bool same_negotiation =
      a.negotiation.has_value() == b.negotiation.has_value() &&
      (!a.negotiation || (a.negotiation->flags == b.negotiation->flags &&
                          a.negotiation->protocols == b.negotiation->protocols));
  return a.kind == b.kind && a.token == b.token && a.cookie == b.cookie && same_negotiation &&
         a.correlation == b.correlation;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::size_t piece = 1 + (data[0] & 0x0f);
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);

  // As the connection reads: at most wanted() bytes, `piece` at a time.
  request_parser reader;
  std::size_t taken = 0;
  while (reader.current() == request_parser::status::need_more && taken < bytes.size()) {
    std::size_t n = std::min({piece, reader.wanted(), bytes.size() - taken});
    fuzz::require(n > 0, "a reader that needs more wants at least one byte");
    reader.feed(bytes.substr(taken, n));
    taken += n;
  }
  fuzz::require(taken <= proxy::rdp::max_request_size, "never more than 259 bytes are read");
  if (reader.current() == request_parser::status::error)
    fuzz::require(!reader.error().empty(), "an error says why");

  // The same bytes at once.
  request_parser whole;
  auto at_once = whole.feed(bytes.substr(0, taken));
  fuzz::require(at_once == reader.current(), "pieces or at once: the same outcome");
  if (at_once != request_parser::status::complete) return 0;
  fuzz::require(same_request(reader.request(), whole.request()),
                "pieces or at once: the same request");
  fuzz::require(reader.wanted() == 0, "a complete request wants nothing more");
  fuzz::require(whole.feed("x") == request_parser::status::error,
                "bytes after the request are refused");

  const auto& r = reader.request();
  fuzz::require(printable(r.token) && printable(r.cookie), "token and cookie are printable");
  fuzz::require(r.kind != connection_request::identity::routing_token || !r.token.empty(),
                "a routing token is not empty");

  auto forwarded = proxy::rdp::build_forwarded_request(r);
  fuzz::require(forwarded.size() <= proxy::rdp::max_request_size,
                "the forwarded request fits the limit");
  request_parser again;
  fuzz::require(again.feed(forwarded) == request_parser::status::complete,
                "the forwarded request is valid", again.error());
  connection_request expected = r;
  if (expected.kind == connection_request::identity::routing_token) {
    expected.kind = connection_request::identity::none;
    expected.token.clear();
  }
  fuzz::require(same_request(again.request(), expected),
                "the forwarded request is the same request without the routing token");
  return 0;
}
