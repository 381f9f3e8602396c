#pragma once
// Text that came from outside (an SSH user name, a justification, an SFTP path, a form field)
// is kept as the bytes it was. Two forms are made of it, each at the one place that needs it:
//
// - The lossless form (`to_valid_utf8`), where JSON is written (audit lines, the admin and web
//   APIs, the store's JSON columns): always valid UTF-8, and `from_valid_utf8` gives the exact
//   bytes back. Valid UTF-8 is written as it is, with one exception below. Every byte B that is
//   not part of a well-formed UTF-8 sequence becomes the code point U+10FE00 + B (bytes
//   0x80..0xFF become U+10FE80..U+10FEFF, a block of Plane 16, private use). So that the form
//   stays reversible, a character of that block in the input is written as its four bytes,
//   each mapped the same way. audit/FORMAT.md documents this ("byte escapes").
//
// - The visible form (`visible_text`), where a person reads it (terminals, CSV, HTML): byte
//   escapes and bytes that are not UTF-8 are shown as `\xHH`; control characters (C0, DEL,
//   C1) as `\xHH` or `\u00HH`, and the bidirectional overrides and isolates as `\u202E` etc.
//   ("Trojan Source"), so nothing a person wrote can move another person's cursor, clear their
//   screen, retitle their window or reorder what they read. Newlines and tabs stay only when
//   asked for.
//
// Pure functions; may throw std::bad_alloc only.
#include <string>
#include <string_view>

namespace gatehouse {

// True when `bytes` is well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF).
bool is_valid_utf8(std::string_view bytes);

// The lossless form: valid UTF-8 that from_valid_utf8 turns back into `bytes`.
std::string to_valid_utf8(std::string_view bytes);

// True when to_valid_utf8(bytes) == bytes (the common case: nothing to escape).
bool needs_no_escapes(std::string_view bytes);

// The bytes that to_valid_utf8 was given; any other text is returned with its byte escapes
// decoded and the rest unchanged.
std::string from_valid_utf8(std::string_view text);

enum class line_breaks { escape, keep };

// The visible form of `text` (raw bytes or the lossless form alike).
std::string visible_text(std::string_view text, line_breaks breaks = line_breaks::escape);

}  // namespace gatehouse
