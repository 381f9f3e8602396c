#include "proxy/rdp/x224.hpp"

namespace gatehouse::proxy::rdp {

namespace {

constexpr std::uint8_t tpdu_connection_request = 0xE0;
constexpr std::uint8_t tpdu_connection_confirm = 0xD0;
constexpr std::uint8_t type_neg_req = 0x01;
constexpr std::uint8_t type_neg_failure = 0x03;
constexpr std::uint8_t correlation_info_present = 0x08;
constexpr std::size_t neg_size = 8;
constexpr std::size_t correlation_size = 36;
constexpr std::size_t max_cookie = 255;
constexpr std::string_view cookie_prefix = "Cookie: mstshash=";
constexpr std::string_view msts_prefix = "Cookie: msts=";
constexpr std::string_view crlf = "\r\n";

std::uint8_t byte_at(std::string_view s, std::size_t i) { return static_cast<std::uint8_t>(s[i]); }

std::uint32_t le32(std::string_view s, std::size_t i) {
  return std::uint32_t(byte_at(s, i)) | std::uint32_t(byte_at(s, i + 1)) << 8 |
         std::uint32_t(byte_at(s, i + 2)) << 16 | std::uint32_t(byte_at(s, i + 3)) << 24;
}

void put_le32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

bool printable(std::string_view s) {
  for (char c : s)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

bool is_negotiation(std::string_view rest) {
  return rest.size() >= neg_size && byte_at(rest, 0) == type_neg_req && byte_at(rest, 2) == 8 &&
         byte_at(rest, 3) == 0 &&
         (rest.size() == neg_size || rest.size() == neg_size + correlation_size);
}

// TPKT + X.224 header around `body` (the variable part).
std::string framed(std::uint8_t code, std::uint16_t dst, std::uint16_t src, std::string_view body) {
  std::size_t total = tpkt_header_size + 7 + body.size();
  std::string out;
  out += '\x03';
  out += '\x00';
  out += static_cast<char>(total >> 8);
  out += static_cast<char>(total & 0xff);
  out += static_cast<char>(total - tpkt_header_size - 1);  // LI
  out += static_cast<char>(code);
  out += static_cast<char>(dst >> 8);
  out += static_cast<char>(dst & 0xff);
  out += static_cast<char>(src >> 8);
  out += static_cast<char>(src & 0xff);
  out += '\x00';  // class 0
  out += body;
  return out;
}

}  // namespace

request_parser::status request_parser::fail(std::string why) {
  error_ = std::move(why);
  return status_ = status::error;
}

std::size_t request_parser::wanted() const {
  if (status_ != status::need_more) return 0;
  if (total_ == 0) return tpkt_header_size - buffer_.size();
  return total_ - buffer_.size();
}

request_parser::status request_parser::feed(std::string_view bytes) {
  if (status_ != status::need_more) return bytes.empty() ? status_ : fail("data after the request");
  while (!bytes.empty()) {
    std::size_t take = std::min(bytes.size(), wanted());
    if (take == 0) return fail("data after the request");
    buffer_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    if (total_ == 0 && buffer_.size() == tpkt_header_size) {
      if (byte_at(buffer_, 0) != 3 || byte_at(buffer_, 1) != 0)
        return fail("not an RDP connection (no TPKT header)");
      total_ = std::size_t(byte_at(buffer_, 2)) << 8 | byte_at(buffer_, 3);
      if (total_ < min_request_size) return fail("TPKT length too small");
      if (total_ > max_request_size) return fail("connection request too long");
    }
    if (total_ != 0 && buffer_.size() == total_) {
      if (parse_body() == status::error) return status_;
      if (!bytes.empty()) return fail("data after the request");
      return status_ = status::complete;
    }
  }
  return status_;
}

request_parser::status request_parser::parse_body() {
  std::string_view all(buffer_);
  if (byte_at(all, 4) != total_ - tpkt_header_size - 1)
    return fail("X.224 length does not match the TPKT length");
  if ((byte_at(all, 5) & 0xF0) != tpdu_connection_request)
    return fail("not an X.224 Connection Request");
  if (byte_at(all, 10) != 0) return fail("X.224 class other than 0");
  std::string_view rest = all.substr(11);

  if (rest.starts_with(cookie_prefix)) {
    auto end = rest.find(crlf);
    if (end == std::string_view::npos) return fail("cookie without CR LF");
    auto value = rest.substr(cookie_prefix.size(), end - cookie_prefix.size());
    if (value.empty() || value.size() > max_cookie || !printable(value))
      return fail("bad mstshash cookie");
    request_.kind = connection_request::identity::cookie;
    request_.cookie = std::string(value);
    rest.remove_prefix(end + crlf.size());
  } else if (!rest.empty() && !is_negotiation(rest)) {
    auto end = rest.find(crlf);
    if (end == std::string_view::npos) return fail("routing token without CR LF");
    auto value = rest.substr(0, end);
    if (value.starts_with(msts_prefix)) value.remove_prefix(msts_prefix.size());
    if (value.empty() || !printable(value)) return fail("bad routing token");
    request_.kind = connection_request::identity::routing_token;
    request_.token = std::string(value);
    rest.remove_prefix(end + crlf.size());
  }

  if (rest.empty()) return status_;
  if (!is_negotiation(rest)) return fail("malformed RDP_NEG_REQ");
  negotiation_request neg;
  neg.flags = byte_at(rest, 1);
  neg.protocols = le32(rest, 4);
  request_.negotiation = neg;
  rest.remove_prefix(neg_size);
  bool announced = (neg.flags & correlation_info_present) != 0;
  if (announced != !rest.empty()) return fail("correlation info does not match the flags");
  if (!rest.empty()) {
    if (byte_at(rest, 0) != 0x06 || byte_at(rest, 1) != 0 || byte_at(rest, 2) != 0x24 ||
        byte_at(rest, 3) != 0)
      return fail("malformed correlation info");
    request_.correlation = std::string(rest);
  }
  return status_;
}

std::string build_forwarded_request(const connection_request& r) {
  std::string body;
  if (r.kind == connection_request::identity::cookie)
    body += std::string(cookie_prefix) + r.cookie + std::string(crlf);
  if (r.negotiation) {
    body += static_cast<char>(type_neg_req);
    body += static_cast<char>(r.negotiation->flags);
    body += '\x08';
    body += '\x00';
    put_le32(body, r.negotiation->protocols);
    body += r.correlation;
  }
  return framed(tpdu_connection_request, 0, 0, body);
}

std::string build_negotiation_failure(failure_code code) {
  std::string body;
  body += static_cast<char>(type_neg_failure);
  body += '\x00';
  body += '\x08';
  body += '\x00';
  put_le32(body, static_cast<std::uint32_t>(code));
  return framed(tpdu_connection_confirm, 0, 0x1234, body);
}

}  // namespace gatehouse::proxy::rdp
