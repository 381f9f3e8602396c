#pragma once
// RFC 5322 / MIME text for one mail: a multipart/alternative message with a text/plain and a
// text/html part, both UTF-8 and quoted-printable (so no line exceeds 76 characters), CRLF
// (a Reply-To header only when one is given),
// line endings, and a Subject that is an RFC 2047 encoded-word when it is not plain ASCII.
//
// Pure functions; nothing here reads the clock or the network.
#include <string>
#include <string_view>

#include "core/time.hpp"
#include "core/web_text.hpp"  // html_escape, for the HTML parts

namespace gatehouse::mail {

struct mime_message {
  std::string from_name;     // display name ("" for none)
  std::string from_address;  // addr-spec
  std::string to_address;    // addr-spec
  std::string reply_to;      // addr-spec, "" for no Reply-To header
  std::string subject;
  time_point date;
  std::string message_id;  // without angle brackets: "abc@example.com"
  std::string text;        // '\n' line breaks
  std::string html;        // '\n' line breaks
};

// The whole message, ready for SMTP DATA.
std::string render(const mime_message& m);

// The text unchanged when it is printable ASCII, else RFC 2047 "=?UTF-8?B?…?=" words of at
// most 75 characters separated by CRLF SP (folded), never splitting a UTF-8 sequence.
std::string encode_header_text(std::string_view text);

// Quoted-printable (RFC 2045) with CRLF line breaks for '\n'; soft breaks keep lines <= 76.
std::string quoted_printable(std::string_view text);

// "Sun, 22 Nov 2026 18:47:05 +0000"
std::string format_rfc5322_date(time_point t);

// The text with CR, LF and other control characters replaced by spaces (header injection).
std::string header_safe(std::string_view text);

// Body text a person wrote (a justification, a comment), made harmless for a mail client in a
// terminal: line breaks (LF, CRLF) and tabs stay, every other control character (C0 with a
// lone CR, DEL, and the C1 range U+0080-U+009F, e.g. ESC or CSI) and every byte that is not
// UTF-8 is written out as \xNN or \u00NN (visible_text, core/untrusted_text.hpp). The HTML part
// escapes the result for HTML as well.
std::string body_safe(std::string_view text);

}  // namespace gatehouse::mail
