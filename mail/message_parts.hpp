#pragma once
// An incoming RFC 5322 message taken apart, for mail/reply_reader: the header fields (folded
// lines unfolded, in order), the addr-specs of an address header, RFC 2047 encoded-words
// decoded, and the text/plain body (its transfer encoding undone; the first text/plain part of
// a multipart message, at most a few levels deep).
//
// Pure functions over bytes that come from anyone: nothing is assumed to be UTF-8, CRLF or
// LF line ends are both read, every size is capped and nothing here throws on bad input (a
// malformed part is read as well as it can be, or not at all).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::mail {

struct header_field {
  std::string name;   // as written
  std::string value;  // unfolded (CRLF/LF + WSP → WSP), leading and trailing blanks trimmed
};

struct incoming_message {
  std::vector<header_field> headers;  // in the message's order (the topmost first)
  std::string body;                   // raw, after the blank line
};

// Headers beyond `max_headers` are dropped (so a message cannot make us keep a million).
constexpr std::size_t max_headers = 500;

incoming_message parse_incoming(std::string_view raw);

// The value of the first header `name` (case-insensitive), if any.
std::optional<std::string> first_header(const std::vector<header_field>& h, std::string_view name);
// Every value of header `name`, in order.
std::vector<std::string> all_headers(const std::vector<header_field>& h, std::string_view name);

// The addr-specs of an address-list header value ("A <a@x>, b@y (c)"): display names,
// comments and quoted strings skipped; nullopt when a mailbox has no '@' or the list uses
// the group syntax (which no reply needs).
std::optional<std::vector<std::string>> address_list(std::string_view value);

// Inside an RFC 5322 comment (`depth` > 0): takes the character at `i` (a quoted pair, both
// of its characters) and follows the nesting; depth 0 once the comment has closed.
void comment_step(std::string_view value, std::size_t& i, int& depth);

// RFC 2047: every "=?charset?B|Q?…?=" word decoded to its bytes (the charset is not
// converted); whitespace between two adjacent encoded-words dropped. Other text unchanged.
std::string decode_header_words(std::string_view value);

// The text/plain body of `m`, transfer-decoded (quoted-printable, base64, 7bit/8bit); nullopt
// when there is none (an HTML-only message, a multipart without a text/plain part).
std::optional<std::string> plain_text_body(const incoming_message& m);

// Quoted-printable (RFC 2045 §6.7) decoded leniently: a malformed escape stays as written.
std::string decode_quoted_printable(std::string_view text);

// ASCII lowercase.
std::string lowercase(std::string_view text);

}  // namespace gatehouse::mail
