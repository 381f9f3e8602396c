#pragma once
// The one way this program writes JSON text and reads it back. Inside the program a string is
// the bytes it was; in JSON text it is in the lossless form of core/untrusted_text.hpp. Writing
// turns every string and member name into that form, so a byte from outside can never make a
// record that a strict reader (jq, Python, our own tools) refuses; reading turns them back
// into bytes, and accepts records written before that rule (raw bytes that are not UTF-8 in
// strings), saying so.
#include <boost/json/fwd.hpp>

#include <string>
#include <string_view>
#include <system_error>

namespace gatehouse {

// JSON text of `value`, valid UTF-8 whatever bytes its strings hold.
std::string json_serialize(const boost::json::value& value);

// JSON text of one string value (with its quotes), valid UTF-8 whatever `bytes` holds.
std::string json_quote(std::string_view bytes);
// The same, appended to `out` (no string of its own for the usual printable ASCII).
void append_json_quoted(std::string& out, std::string_view bytes);

// Parses `text`, its strings and member names turned back into bytes. Parsing is strict; when
// that fails only because of bytes that are not UTF-8 (a record from before the lossless
// form), it parses again accepting them and sets `had_raw_bytes`. On failure `error` is set
// and the result is null.
boost::json::value json_parse_text(std::string_view text, bool& had_raw_bytes,
                                   std::error_code& error);
// The same, for callers that need not know about raw bytes.
boost::json::value json_parse_text(std::string_view text, std::error_code& error);

}  // namespace gatehouse
