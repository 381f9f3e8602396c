#include "core/untrusted_text.hpp"

#include <cstdint>
#include <cstdio>

namespace gatehouse {

namespace {

constexpr char32_t escape_base = 0x10FE00;  // byte B (0x80..0xFF) is U+10FE00 + B
constexpr char32_t escape_first = escape_base + 0x80;
constexpr char32_t escape_last = escape_base + 0xFF;

bool is_escape(char32_t c) { return c >= escape_first && c <= escape_last; }

// One character of `s` at `i`: its code point and length, or length 0 when the byte at `i`
// does not start a well-formed UTF-8 sequence.
struct decoded {
  char32_t code = 0;
  std::size_t length = 0;
};

decoded decode_at(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b0 = byte(i);
  if (b0 < 0x80) return {b0, 1};
  std::size_t n = 0;
  char32_t code = 0, min = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2, code = b0 & 0x1F, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3, code = b0 & 0x0F, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4, code = b0 & 0x07, min = 0x10000;
  } else {
    return {};
  }
  if (i + n > s.size()) return {};
  for (std::size_t k = 1; k < n; ++k) {
    unsigned char b = byte(i + k);
    if ((b & 0xC0) != 0x80) return {};
    code = (code << 6) | (b & 0x3F);
  }
  if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return {};
  return {code, n};
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

void append_escaped_bytes(std::string& out, std::string_view bytes) {
  for (char b : bytes) append_utf8(out, escape_base + static_cast<unsigned char>(b));
}

void append_hex(std::string& out, const char* format, unsigned value) {
  char buffer[12];
  std::snprintf(buffer, sizeof buffer, format, value);
  out += buffer;
}

bool is_bidi_control(char32_t c) {
  return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E ||
         c == 0x200F || c == 0x061C;
}

}  // namespace

bool is_valid_utf8(std::string_view bytes) {
  for (std::size_t i = 0; i < bytes.size();) {
    auto d = decode_at(bytes, i);
    if (d.length == 0) return false;
    i += d.length;
  }
  return true;
}

bool needs_no_escapes(std::string_view bytes) {
  for (std::size_t i = 0; i < bytes.size();) {
    auto d = decode_at(bytes, i);
    if (d.length == 0 || is_escape(d.code)) return false;
    i += d.length;
  }
  return true;
}

std::string to_valid_utf8(std::string_view bytes) {
  if (needs_no_escapes(bytes)) return std::string(bytes);
  std::string out;
  out.reserve(bytes.size() + 8);
  for (std::size_t i = 0; i < bytes.size();) {
    auto d = decode_at(bytes, i);
    if (d.length == 0) {
      append_escaped_bytes(out, bytes.substr(i, 1));
      i += 1;
    } else if (is_escape(d.code)) {
      append_escaped_bytes(out, bytes.substr(i, d.length));
      i += d.length;
    } else {
      out.append(bytes.substr(i, d.length));
      i += d.length;
    }
  }
  return out;
}

std::string from_valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    auto d = decode_at(text, i);
    if (d.length == 0) {
      out += text[i];
      i += 1;
      continue;
    }
    if (is_escape(d.code))
      out += static_cast<char>(d.code - escape_base);
    else
      out.append(text.substr(i, d.length));
    i += d.length;
  }
  return out;
}

std::string visible_text(std::string_view text, line_breaks breaks) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    auto d = decode_at(text, i);
    if (d.length == 0) {
      append_hex(out, "\\x%02X", static_cast<unsigned char>(text[i]));
      i += 1;
      continue;
    }
    char32_t c = d.code;
    if (is_escape(c)) {
      append_hex(out, "\\x%02X", static_cast<unsigned>(c - escape_base));
    } else if ((c == '\n' || c == '\t') && breaks == line_breaks::keep) {
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7F) {
      append_hex(out, "\\x%02X", static_cast<unsigned>(c));
    } else if ((c >= 0x80 && c <= 0x9F) || is_bidi_control(c)) {
      append_hex(out, "\\u%04X", static_cast<unsigned>(c));
    } else {
      out.append(text.substr(i, d.length));
    }
    i += d.length;
  }
  return out;
}

}  // namespace gatehouse
