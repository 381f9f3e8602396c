#pragma once
// The first packet of an RDP connection (MS-RDPBCGR 2.2.1.1): TPKT header, X.224 Connection
// Request TPDU, then either a routing token ("....\r\n", a .rdp file's loadbalanceinfo, also as
// "Cookie: msts=...\r\n") or a cookie ("Cookie: mstshash=NAME\r\n"), then an optional
// RDP_NEG_REQ and its optional rdpCorrelationInfo. Pure and bounded: the X.224 length
// indicator is one byte, so the whole request is at most 259 bytes.
//
// Also the two answers the gate writes itself: the request as it goes on to the server
// (routing token removed, negotiation kept) and a Connection Confirm with RDP_NEG_FAILURE.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gatehouse::proxy::rdp {

constexpr std::size_t tpkt_header_size = 4;
constexpr std::size_t min_request_size = 11;   // TPKT + 7-byte CR header
constexpr std::size_t max_request_size = 259;  // TPKT + LI (one byte, at most 254) + 1

struct negotiation_request {
  std::uint8_t flags = 0;
  std::uint32_t protocols = 0;  // PROTOCOL_RDP 0, SSL 1, HYBRID 2, RDSTLS 4, HYBRID_EX 8
};

struct connection_request {
  enum class identity { none, routing_token, cookie };
  rdp::connection_request::identity kind = identity::none;
  std::string token;   // the routing token, CR LF and a "Cookie: msts=" prefix removed
  std::string cookie;  // the mstshash value
  std::optional<negotiation_request> negotiation;
  std::string correlation;  // the 36-byte rdpCorrelationInfo, when the flags announce it
};

// Feed bytes as they arrive. `wanted()` is how many more bytes complete the request (so the
// reader never consumes the client's next packet); feeding more than that is an error.
class request_parser {
 public:
  enum class status { need_more, complete, error };

  status feed(std::string_view bytes);
  std::size_t wanted() const;
  status current() const { return status_; }
  const connection_request& request() const { return request_; }
  const std::string& error() const { return error_; }  // a short sentence

 private:
  status fail(std::string why);
  status parse_body();

  std::string buffer_;
  std::size_t total_ = 0;  // from the TPKT header, once known
  status status_ = status::need_more;
  connection_request request_;
  std::string error_;
};

// RDP_NEG_FAILURE codes (MS-RDPBCGR 2.2.1.2.2).
enum class failure_code : std::uint32_t {
  ssl_required_by_server = 1,
  ssl_not_allowed_by_server = 2,
  ssl_cert_not_on_server = 3,
  inconsistent_flags = 4,
  hybrid_required_by_server = 5,
  ssl_with_user_auth_required_by_server = 6,
};

// The request to send to the server: no routing token (a cookie is kept), the same
// negotiation request and correlation info.
std::string build_forwarded_request(const connection_request& r);
// X.224 Connection Confirm carrying RDP_NEG_FAILURE (19 bytes).
std::string build_negotiation_failure(failure_code code);

}  // namespace gatehouse::proxy::rdp
