#pragma once
// A small, strict reader of the messages mail/mime renders, for asserting what a mail client
// would show: headers (unfolded), the multipart/alternative parts, quoted-printable and
// RFC 2047 B-encoded words decoded. Test-only.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::mail {

inline std::vector<std::string> lines_of(std::string_view raw) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < raw.size()) {
    auto end = raw.find("\r\n", at);
    if (end == raw.npos) end = raw.size();
    out.emplace_back(raw.substr(at, end - at));
    at = end + 2;
  }
  return out;
}

inline std::string base64_decode(std::string_view in) {
  static const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned bits = 0;
  int count = 0;
  for (char c : in) {
    if (c == '=') break;
    auto v = alphabet.find(c);
    if (v == std::string::npos) continue;
    bits = (bits << 6) | unsigned(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += char((bits >> count) & 0xff);
    }
  }
  return out;
}

// "=?UTF-8?B?...?=" words separated by folding whitespace, decoded and joined.
inline std::string decode_encoded_words(std::string_view header) {
  std::string out;
  std::size_t at = 0;
  while (at < header.size()) {
    auto start = header.find("=?UTF-8?B?", at);
    if (start == header.npos) {
      out += header.substr(at);
      break;
    }
    auto end = header.find("?=", start + 10);
    out += base64_decode(header.substr(start + 10, end - start - 10));
    at = end + 2;
    while (at < header.size() && (header[at] == ' ' || header[at] == '\r' || header[at] == '\n'))
      ++at;
  }
  return out;
}

inline std::string qp_decode(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '=') {
      out += in[i];
    } else if (in.substr(i + 1, 2) == "\r\n") {
      i += 2;
    } else {
      out += char(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    }
  }
  return out;
}

struct parsed_part {
  std::string content_type;
  std::string body;  // decoded
};

struct parsed_message {
  std::vector<std::pair<std::string, std::string>> headers;  // unfolded, in order
  std::vector<parsed_part> parts;

  std::string header(std::string_view name) const {
    for (const auto& [k, v] : headers)
      if (k == name) return v;
    ADD_FAILURE() << "no header " << name;
    return {};
  }
};

inline std::vector<std::pair<std::string, std::string>> read_headers(std::string_view block) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& line : lines_of(block)) {
    if (line.empty()) continue;
    if ((line[0] == ' ' || line[0] == '\t') && !out.empty()) {
      out.back().second += line;  // unfold, keeping the whitespace
      continue;
    }
    auto colon = line.find(": ");
    out.emplace_back(line.substr(0, colon), line.substr(colon + 2));
  }
  return out;
}

inline parsed_message parse_message(std::string_view raw) {
  parsed_message m;
  auto split = raw.find("\r\n\r\n");
  m.headers = read_headers(raw.substr(0, split + 2));
  std::string type = m.header("Content-Type");
  auto b = type.find("boundary=\"");
  std::string boundary = "--" + type.substr(b + 10, type.size() - b - 11);
  std::string_view rest = raw.substr(split + 4);
  std::size_t at = rest.find(boundary);
  while (at != rest.npos) {
    std::size_t start = at + boundary.size();
    if (rest.substr(start, 2) == "--") break;
    std::size_t next = rest.find("\r\n" + boundary, start);
    std::string_view part = rest.substr(start + 2, next - start - 2);
    auto body_at = part.find("\r\n\r\n");
    auto headers = read_headers(part.substr(0, body_at + 2));
    parsed_part p;
    for (const auto& [k, v] : headers)
      if (k == "Content-Type") p.content_type = v;
    p.body = qp_decode(part.substr(body_at + 4));
    m.parts.push_back(std::move(p));
    at = next == rest.npos ? next : next + 2;
  }
  return m;
}

}  // namespace gatehouse::mail
