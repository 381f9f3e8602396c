#include "mail/message_parts.hpp"

#include <algorithm>

#include "config/ssh_key_text.hpp"  // decode_base64

namespace gatehouse::mail {

namespace {

constexpr std::size_t max_depth = 4;   // multipart inside multipart
constexpr std::size_t max_parts = 50;  // parts looked at in one multipart

bool blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && lowercase(a) == lowercase(b);
}

// The next line of `rest` without its line end (LF or CRLF), taken off the front.
std::string_view next_line(std::string_view& rest) {
  auto at = rest.find('\n');
  std::string_view line = rest.substr(0, at);
  rest.remove_prefix(at == std::string_view::npos ? rest.size() : at + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

// "type/subtype" lowercased, and the parameter `param` of a Content-Type value.
struct content_type {
  std::string type = "text/plain";
  std::string boundary;
};

std::string parameter(std::string_view value, std::string_view name) {
  // Split at ';' outside quotes; each "name=value" or name="value".
  std::size_t i = 0;
  while (i < value.size()) {
    auto semi = value.find(';', i);
    if (semi == std::string_view::npos) return {};
    i = semi + 1;
    auto eq = value.find('=', i);
    if (eq == std::string_view::npos) return {};
    if (!iequals(trim(value.substr(i, eq - i)), name)) continue;
    std::size_t v = eq + 1;
    while (v < value.size() && blank(value[v])) ++v;
    std::string out;
    if (v < value.size() && value[v] == '"') {
      for (++v; v < value.size() && value[v] != '"'; ++v) {
        if (value[v] == '\\' && v + 1 < value.size()) ++v;
        out += value[v];
      }
      return out;
    }
    auto end = value.find(';', v);
    return std::string(trim(value.substr(v, end == std::string_view::npos ? end : end - v)));
  }
  return {};
}

content_type content_type_of(const std::vector<header_field>& h) {
  content_type c;
  auto value = first_header(h, "Content-Type");
  if (!value) return c;
  auto semi = value->find(';');
  c.type = lowercase(trim(std::string_view(*value).substr(0, semi)));
  c.boundary = parameter(*value, "boundary");
  return c;
}

std::string transfer_decoded(const incoming_message& m) {
  auto encoding =
      lowercase(trim(first_header(m.headers, "Content-Transfer-Encoding").value_or("")));
  if (encoding == "quoted-printable") return decode_quoted_printable(m.body);
  if (encoding == "base64") {
    std::string compact;
    for (char c : m.body)
      if (!blank(c)) compact += c;
    if (auto decoded = config::decode_base64(compact, true)) return *decoded;
    if (auto decoded = config::decode_base64(compact, false)) return *decoded;
    return {};
  }
  return m.body;
}

std::optional<std::string> plain_text(const incoming_message& m, std::size_t depth) {
  auto type = content_type_of(m.headers);
  if (type.type == "text/plain") return transfer_decoded(m);
  if (!type.type.starts_with("multipart/") || type.boundary.empty() || depth >= max_depth)
    return std::nullopt;
  const std::string delimiter = "--" + type.boundary;
  std::string_view rest = m.body;
  std::optional<std::size_t> part_start;
  std::size_t parts = 0;
  std::size_t offset = 0;
  while (!rest.empty() && parts < max_parts) {
    const std::size_t line_start = offset;
    auto before = rest.size();
    auto line = next_line(rest);
    offset += before - rest.size();
    auto trimmed = line;
    while (!trimmed.empty() && (trimmed.back() == ' ' || trimmed.back() == '\t'))
      trimmed.remove_suffix(1);
    if (!trimmed.starts_with(delimiter)) continue;
    auto tail = trimmed.substr(delimiter.size());
    if (!tail.empty() && tail != "--") continue;
    if (part_start) {
      ++parts;
      // The part ends before the line break that precedes the delimiter.
      std::size_t end = line_start;
      if (end > *part_start && m.body[end - 1] == '\n') --end;
      if (end > *part_start && m.body[end - 1] == '\r') --end;
      auto part = parse_incoming(std::string_view(m.body).substr(*part_start, end - *part_start));
      if (auto text = plain_text(part, depth + 1)) return text;
    }
    if (tail == "--") break;
    part_start = offset;
  }
  return std::nullopt;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// One encoded-word's text (between "=?" and "?="), decoded; nullopt when malformed.
std::optional<std::string> decode_word(std::string_view word) {
  auto q1 = word.find('?');
  if (q1 == std::string_view::npos || q1 == 0) return std::nullopt;
  if (q1 + 2 >= word.size() || word[q1 + 2] != '?') return std::nullopt;
  char encoding = static_cast<char>(word[q1 + 1] | 0x20);
  auto text = word.substr(q1 + 3);
  if (encoding == 'b') return config::decode_base64(text, true);
  if (encoding != 'q') return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '_') {
      out += ' ';
    } else if (text[i] == '=' && i + 2 < text.size() + 0 && hex_value(text[i + 1]) >= 0 &&
               hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

incoming_message parse_incoming(std::string_view raw) {
  incoming_message m;
  std::string_view rest = raw;
  while (!rest.empty()) {
    auto before = rest;
    auto line = next_line(rest);
    if (line.empty()) {  // the blank line: the body follows
      m.body = std::string(rest);
      return m;
    }
    if ((line.front() == ' ' || line.front() == '\t')) {
      if (!m.headers.empty()) {
        auto& value = m.headers.back().value;
        if (value.size() < 64 * 1024) value += " " + std::string(trim(line));
      }
      continue;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      // Not a header: a message without a header block; all of it is the body.
      if (m.headers.empty()) {
        m.body = std::string(before);
        return m;
      }
      continue;
    }
    if (m.headers.size() >= max_headers) continue;
    m.headers.push_back(
        {std::string(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1)))});
  }
  return m;
}

std::optional<std::string> first_header(const std::vector<header_field>& h, std::string_view name) {
  for (const auto& f : h)
    if (iequals(f.name, name)) return f.value;
  return std::nullopt;
}

std::vector<std::string> all_headers(const std::vector<header_field>& h, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& f : h)
    if (iequals(f.name, name)) out.push_back(f.value);
  return out;
}

std::optional<std::vector<std::string>> address_list(std::string_view value) {
  std::vector<std::string> out;
  std::string bare;    // text outside quotes, comments and angle brackets
  std::string angled;  // the text inside <...>
  bool has_angle = false;
  auto finish = [&]() -> bool {
    std::string address(trim(has_angle ? std::string_view(angled) : std::string_view(bare)));
    bare.clear();
    angled.clear();
    const bool had_angle = has_angle;
    has_angle = false;
    if (address.empty() && !had_angle) return true;  // an empty list element
    if (address.find('@') == std::string::npos || address.find_first_of(" \t") != std::string::npos)
      return false;
    out.push_back(std::move(address));
    return true;
  };
  int comment = 0;
  bool quoted = false;
  bool in_angle = false;
  for (std::size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (quoted) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        quoted = false;
      continue;
    }
    if (comment > 0) {
      comment_step(value, i, comment);
      continue;
    }
    if (in_angle) {
      if (c == '>')
        in_angle = false;
      else
        angled += c;
      continue;
    }
    switch (c) {
      case '"': quoted = true; break;
      case '(': comment = 1; break;
      case '<':
        if (has_angle) return std::nullopt;
        in_angle = has_angle = true;
        break;
      case ':':
      case ';': return std::nullopt;  // group syntax
      case ',':
        if (!finish()) return std::nullopt;
        break;
      default: bare += c;
    }
  }
  if (quoted || comment > 0 || in_angle || !finish()) return std::nullopt;
  return out;
}

std::string decode_header_words(std::string_view value) {
  std::string out;
  std::string pending_space;  // blanks after an encoded-word, dropped if another one follows
  bool after_word = false;
  std::size_t i = 0;
  while (i < value.size()) {
    if (value.compare(i, 2, "=?") == 0) {
      auto end = value.find("?=", i + 2);
      // "?=" may be the Q/B separator of this word: look past the second '?'.
      auto q1 = value.find('?', i + 2);
      auto q2 = q1 == std::string_view::npos ? q1 : value.find('?', q1 + 1);
      if (q2 != std::string_view::npos) end = value.find("?=", q2 + 1);
      if (end != std::string_view::npos) {
        if (auto word = decode_word(value.substr(i + 2, end - i - 2))) {
          if (!after_word) out += pending_space;
          pending_space.clear();
          out += *word;
          after_word = true;
          i = end + 2;
          continue;
        }
      }
    }
    if (value[i] == ' ' || value[i] == '\t') {
      pending_space += value[i];
    } else {
      out += pending_space;
      pending_space.clear();
      out += value[i];
      after_word = false;
    }
    ++i;
  }
  out += pending_space;
  return out;
}

std::optional<std::string> plain_text_body(const incoming_message& m) { return plain_text(m, 0); }

std::string decode_quoted_printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '=') {
      out += text[i];
      continue;
    }
    // A soft line break: '=' then optional blanks then (CR)LF.
    std::size_t j = i + 1;
    while (j < text.size() && (text[j] == ' ' || text[j] == '\t')) ++j;
    if (j < text.size() &&
        (text[j] == '\n' || (text[j] == '\r' && j + 1 < text.size() && text[j + 1] == '\n'))) {
      i = text[j] == '\r' ? j + 1 : j;
      continue;
    }
    if (j == text.size()) break;  // a soft break at the very end
    if (i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
      continue;
    }
    out += '=';
  }
  return out;
}

void comment_step(std::string_view value, std::size_t& i, int& depth) {
  const char c = value[i];
  if (c == '\\')
    ++i;
  else if (c == '(')
    ++depth;
  else if (c == ')')
    --depth;
}

}  // namespace gatehouse::mail
