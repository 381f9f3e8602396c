// Fuzz harness: mail. Gatehouse parses no incoming mail; what it does with outside bytes is put
// them into outgoing mail (a request's reason and names in the Subject and the body), so this
// harness checks the encoders: mail::header_safe, encode_header_text, quoted_printable and the
// whole message from mail::render.
//
// Input: subject, display name, To address, text body and HTML body, separated by NUL bytes.
//
// Contract checked: header_safe leaves no control character; a header value has line breaks
// only as CRLF + space (folding) and lines of at most 998 bytes; folded ASCII unfolds to the
// text; encoded-words are at most 75 characters; quoted-printable has only CRLF line breaks,
// lines of at most 76 characters, printable ASCII, and decodes to the text (CR LF read as LF,
// a CR at the very end dropped);
// the rendered message has exactly its eight headers, whatever the fields hold.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_support.hpp"
#include "mail/mime.hpp"

using namespace gatehouse;

namespace {

std::vector<std::string> fields(std::string_view s, std::size_t n) {
  std::vector<std::string> out;
  while (out.size() + 1 < n) {
    auto at = s.find('\0');
    if (at == std::string_view::npos) break;
    out.emplace_back(s.substr(0, at));
    s.remove_prefix(at + 1);
  }
  out.emplace_back(s);
  out.resize(n);
  return out;
}

std::vector<std::string_view> lines(std::string_view s) {
  std::vector<std::string_view> out;
  for (;;) {
    auto at = s.find("\r\n");
    out.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return out;
    s.remove_prefix(at + 2);
  }
}

void check_header_value(const std::string& text) {
  auto safe = mail::header_safe(text);
  fuzz::require(safe.size() == text.size(), "header_safe keeps the length");
  for (unsigned char c : safe)
    fuzz::require(c >= 0x20 && c != 0x7f, "header_safe leaves no control character");

  auto value = mail::encode_header_text(text);
  auto parts = lines(value);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    auto line = parts[i];
    fuzz::require(line.find_first_of("\r\n") == std::string_view::npos,
                  "a header value breaks lines only with CRLF", value);
    fuzz::require(line.size() <= 998, "header lines of at most 998 bytes", value);
    if (i > 0) fuzz::require(line.starts_with(' '), "a continuation line starts with a space");
  }
  if (value.starts_with("=?UTF-8?B?")) {
    for (auto line : parts) {
      auto word = line.starts_with(' ') ? line.substr(1) : line;
      fuzz::require(word.size() <= 75, "encoded-words of at most 75 characters", value);
    }
  } else {
    std::string unfolded;
    for (auto line : parts) unfolded += line;
    fuzz::require(unfolded == safe, "folded ASCII unfolds to the text", value);
  }
}

int hex(char c) { return c >= 'A' ? c - 'A' + 10 : c - '0'; }

void check_quoted_printable(const std::string& text) {
  auto qp = mail::quoted_printable(text);
  for (auto line : lines(qp)) {
    fuzz::require(line.size() <= 76, "quoted-printable lines of at most 76 characters", qp);
    for (unsigned char c : line)
      fuzz::require((c >= 0x20 && c <= 0x7e) || c == '\t', "quoted-printable is printable", qp);
  }
  std::string decoded;
  for (std::size_t i = 0; i < qp.size(); ++i) {
    if (qp.compare(i, 3, "=\r\n") == 0) {
      i += 2;
    } else if (qp[i] == '=') {
      fuzz::require(i + 2 < qp.size(), "an escape is whole", qp);
      decoded += char(hex(qp[i + 1]) * 16 + hex(qp[i + 2]));
      i += 2;
    } else if (qp.compare(i, 2, "\r\n") == 0) {
      decoded += '\n';
      i += 1;
    } else {
      decoded += qp[i];
    }
  }
  std::string expected;
  for (std::size_t i = 0; i < text.size(); ++i)
    if (text[i] != '\r' || (i + 1 < text.size() && text[i + 1] != '\n')) expected += text[i];
  fuzz::require(decoded == expected, "quoted-printable decodes to the text", qp);
}

void check_message(const std::vector<std::string>& f) {
  mail::mime_message m;
  m.subject = f[0];
  m.from_name = f[1];
  m.from_address = "gatehouse@example.com";
  m.to_address = f[2];
  m.date = time_point(std::chrono::milliseconds(1'800'000'000'000));
  m.message_id = "fuzz.1@example.com";
  m.text = f[3];
  m.html = f[4];
  auto message = mail::render(m);
  auto head = std::string_view(message).substr(0, message.find("\r\n\r\n"));
  std::size_t headers = 0;
  for (auto line : lines(head)) {
    fuzz::require(line.find_first_of("\r\n") == std::string_view::npos,
                  "no bare CR or LF in the header block", std::string(head));
    if (!line.starts_with(' ') && !line.starts_with('\t')) ++headers;
  }
  fuzz::require(headers == 8, "exactly the message's eight headers", std::string(head));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto f = fields(std::string_view(reinterpret_cast<const char*>(data), size), 5);
  check_header_value(f[0]);
  check_header_value(f[1]);
  check_quoted_printable(f[3]);
  check_message(f);
  return 0;
}
