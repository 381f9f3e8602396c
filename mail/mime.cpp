#include "mail/mime.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>

#include "core/untrusted_text.hpp"

namespace gatehouse::mail {

namespace {

constexpr std::string_view crlf = "\r\n";
constexpr std::size_t qp_line_limit = 76;
constexpr std::size_t word_payload_bytes = 45;  // 60 base64 chars: a 72-char encoded-word

bool printable_ascii(std::string_view text) {
  for (unsigned char c : text)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

std::string base64(std::string_view bytes) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t n = std::uint32_t(static_cast<unsigned char>(bytes[i])) << 16;
    if (i + 1 < bytes.size()) n |= std::uint32_t(static_cast<unsigned char>(bytes[i + 1])) << 8;
    if (i + 2 < bytes.size()) n |= std::uint32_t(static_cast<unsigned char>(bytes[i + 2]));
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? alphabet[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? alphabet[n & 63] : '=';
  }
  return out;
}

// Where a chunk of at most `limit` bytes starting at `from` may end without cutting a UTF-8
// sequence (continuation bytes are 10xxxxxx).
std::size_t utf8_chunk_end(std::string_view text, std::size_t from, std::size_t limit) {
  std::size_t end = std::min(text.size(), from + limit);
  if (end == text.size()) return end;
  std::size_t cut = end;
  while (cut > from && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return cut > from ? cut : end;  // invalid UTF-8: cut anyway
}

std::string encoded_words(std::string_view text) {
  std::string out;
  for (std::size_t at = 0; at < text.size();) {
    std::size_t end = utf8_chunk_end(text, at, word_payload_bytes);
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(text.substr(at, end - at)) + "?=";
    at = end;
  }
  return out;
}

// Folds printable ASCII at spaces so that lines stay near 78 characters.
std::string fold_ascii(std::string_view text) {
  std::string out;
  std::size_t line = 0;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t space = text.find(' ', at + 1);
    std::string_view word =
        text.substr(at, space == std::string_view::npos ? text.npos : space - at);
    if (line > 0 && line + word.size() > 68 && word.starts_with(' ')) {
      out += crlf;
      line = 0;
    }
    out += word;
    line += word.size();
    at += word.size();
  }
  return out;
}

std::string hex_escape(unsigned char c) {
  static constexpr char digits[] = "0123456789ABCDEF";
  return {'=', digits[c >> 4], digits[c & 15]};
}

void quoted_printable_line(std::string_view line, std::string& out) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    bool last = i + 1 == line.size();
    std::string token;
    if ((c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last))
      token.assign(1, char(c));
    else
      token = hex_escape(c);
    // Leave room for the '=' of a soft break unless this token ends the line.
    std::size_t room = last ? qp_line_limit : qp_line_limit - 1;
    if (width + token.size() > room) {
      out += "=\r\n";
      width = 0;
    }
    out += token;
    width += token.size();
  }
}

}  // namespace

std::string header_safe(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return out;
}

std::string body_safe(std::string_view text) {
  std::string lines;  // a CRLF line break is a line break
  lines.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i)
    if (!(text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) lines += text[i];
  return visible_text(lines, line_breaks::keep);
}

std::string encode_header_text(std::string_view text) {
  std::string safe = header_safe(text);
  if (printable_ascii(safe) && safe.find("=?") == std::string::npos) {
    std::string folded = fold_ascii(safe);
    bool short_lines = true;
    for (std::size_t at = 0; at <= folded.size();) {
      std::size_t end = folded.find(crlf, at);
      if (end == std::string::npos) end = folded.size();
      short_lines = short_lines && end - at <= 900;
      at = end + crlf.size();
    }
    if (short_lines) return folded;
  }
  return encoded_words(safe);
}

std::string quoted_printable(std::string_view text) {
  std::string out;
  std::size_t at = 0;
  for (;;) {
    std::size_t end = text.find('\n', at);
    std::string_view line = text.substr(at, end == text.npos ? text.npos : end - at);
    if (line.ends_with('\r')) line.remove_suffix(1);
    quoted_printable_line(line, out);
    if (end == text.npos) break;
    out += crlf;
    at = end + 1;
  }
  return out;
}

std::string format_rfc5322_date(time_point t) {
  using namespace std::chrono;
  static constexpr std::array<const char*, 7> days = {"Sun", "Mon", "Tue", "Wed",
                                                      "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto day = floor<std::chrono::days>(t);
  year_month_day ymd{day};
  weekday wd{day};
  hh_mm_ss hms{floor<seconds>(t - day)};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02d:%02d:%02d +0000", days[wd.c_encoding()],
                unsigned(ymd.day()), months[unsigned(ymd.month()) - 1], int(ymd.year()),
                int(hms.hours().count()), int(hms.minutes().count()), int(hms.seconds().count()));
  return buf;
}

std::string render(const mime_message& m) {
  std::string boundary = "=_gatehouse_";
  for (char c : m.message_id)
    if (std::isalnum(static_cast<unsigned char>(c)) && boundary.size() < 30) boundary += c;

  std::string from;
  std::string name = header_safe(m.from_name);
  if (name.empty()) {
    from = header_safe(m.from_address);
  } else if (printable_ascii(name)) {
    std::string quoted;
    for (char c : name) {
      if (c == '"' || c == '\\') quoted += '\\';
      quoted += c;
    }
    from = "\"" + quoted + "\" <" + header_safe(m.from_address) + ">";
  } else {
    from = encoded_words(name) + " <" + header_safe(m.from_address) + ">";
  }

  std::string out;
  auto header = [&](std::string_view key, std::string_view value) {
    out.append(key).append(": ").append(value).append(crlf);
  };
  header("Date", format_rfc5322_date(m.date));
  header("From", from);
  header("To", header_safe(m.to_address));
  if (!m.reply_to.empty()) header("Reply-To", header_safe(m.reply_to));
  header("Subject", encode_header_text(m.subject));
  header("Message-ID", "<" + header_safe(m.message_id) + ">");
  header("MIME-Version", "1.0");
  header("Auto-Submitted", "auto-generated");
  header("Content-Type", "multipart/alternative; boundary=\"" + boundary + "\"");
  out += crlf;
  out += "This is a multi-part message in MIME format.\r\n";
  auto part = [&](std::string_view type, std::string_view body) {
    out += "\r\n--" + boundary + "\r\n";
    header("Content-Type", std::string(type) + "; charset=UTF-8");
    header("Content-Transfer-Encoding", "quoted-printable");
    out += crlf;
    out += quoted_printable(body);
  };
  part("text/plain", m.text);
  part("text/html", m.html);
  out += "\r\n--" + boundary + "--\r\n";
  return out;
}

}  // namespace gatehouse::mail
