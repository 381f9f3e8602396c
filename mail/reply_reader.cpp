#include "mail/reply_reader.hpp"

#include <optional>
#include <vector>

#include "mail/message_parts.hpp"

namespace gatehouse::mail {

namespace {

constexpr std::size_t max_token_chars = 64;
constexpr std::size_t max_message_id = 250;
constexpr std::string_view marker_start = "[GH-";

bool blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

bool token_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

bool is_token(std::string_view t) {
  if (t.empty() || t.size() > max_token_chars) return false;
  for (char c : t)
    if (!token_char(c)) return false;
  return true;
}

// "local" and "domain" of LOCAL@DOMAIN (the last '@').
struct address_parts {
  std::string local;
  std::string domain;
};

std::optional<address_parts> split_address(std::string_view address) {
  auto at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == address.size()) return std::nullopt;
  return address_parts{std::string(address.substr(0, at)), lowercase(address.substr(at + 1))};
}

// Tokens found in one or more "set": every distinct one.
void add_token(std::vector<std::string>& found, std::string token) {
  for (const auto& t : found)
    if (t == token) return;
  found.push_back(std::move(token));
}

std::vector<std::string> address_tokens(const incoming_message& m, const address_parts& ours) {
  std::vector<std::string> found;
  const std::string prefix = lowercase(ours.local) + "+";
  for (std::string_view name : {"Delivered-To", "X-Original-To", "To", "Cc"}) {
    for (const auto& value : all_headers(m.headers, name)) {
      auto list = address_list(value);
      if (!list) continue;
      for (const auto& address : *list) {
        auto parts = split_address(address);
        if (!parts || parts->domain != ours.domain) continue;
        if (!lowercase(parts->local).starts_with(prefix)) continue;
        auto token = parts->local.substr(prefix.size());
        if (is_token(token)) add_token(found, std::move(token));
      }
    }
  }
  return found;
}

std::vector<std::string> subject_tokens(std::string_view subject) {
  std::vector<std::string> found;
  std::size_t i = 0;
  while ((i = subject.find(marker_start, i)) != std::string_view::npos) {
    i += marker_start.size();
    auto end = subject.find(']', i);
    if (end == std::string_view::npos) break;
    auto token = subject.substr(i, end - i);
    if (is_token(token)) add_token(found, std::string(token));
  }
  return found;
}

// --- Authentication-Results (RFC 8601) ---

struct auth_result {
  std::string method;  // lowercased: "dmarc", "dkim", "spf", ...
  std::string result;  // lowercased: "pass", "fail", ...
  std::vector<std::pair<std::string, std::string>> properties;  // "header.d" → value

  std::optional<std::string> property(std::string_view name) const {
    for (const auto& [k, v] : properties)
      if (k == name) return v;
    return std::nullopt;
  }
};

struct auth_header {
  std::string authserv_id;
  std::vector<auth_result> results;
};

// The value without comments, split at ';' outside quoted strings.
std::vector<std::string> auth_pieces(std::string_view value) {
  std::vector<std::string> pieces(1);
  int comment = 0;
  bool quoted = false;
  for (std::size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (comment > 0) {
      comment_step(value, i, comment);
      continue;
    }
    if (quoted) {
      if (c == '"')
        quoted = false;
      else if (c == '\\' && i + 1 < value.size())
        pieces.back() += value[++i];
      else
        pieces.back() += c;
      continue;
    }
    if (c == '"')
      quoted = true;
    else if (c == '(')
      comment = 1, pieces.back() += ' ';
    else if (c == ';')
      pieces.emplace_back();
    else
      pieces.back() += c;
  }
  return pieces;
}

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && blank(s[i])) ++i;
    std::size_t start = i;
    while (i < s.size() && !blank(s[i])) ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

auth_header parse_authentication_results(std::string_view value) {
  auth_header h;
  auto pieces = auth_pieces(value);
  auto id = words(pieces.front());
  if (!id.empty()) h.authserv_id = lowercase(id.front());
  for (std::size_t p = 1; p < pieces.size(); ++p) {
    auto ws = words(pieces[p]);
    if (ws.empty()) continue;
    auth_result r;
    for (std::size_t w = 0; w < ws.size(); ++w) {
      auto eq = ws[w].find('=');
      if (eq == std::string_view::npos) continue;
      auto key = lowercase(ws[w].substr(0, eq));
      auto val = std::string(ws[w].substr(eq + 1));
      if (w == 0) {
        r.method = key.substr(0, key.find('/'));  // "dkim/1" → "dkim"
        r.result = lowercase(val);
      } else {
        r.properties.emplace_back(std::move(key), std::move(val));
      }
    }
    if (!r.method.empty()) h.results.push_back(std::move(r));
  }
  return h;
}

// `domain` is `from_domain` or a parent of it (relaxed alignment, never a bare TLD).
bool aligned(std::string_view domain, const std::string& from_domain) {
  auto d = lowercase(trim(domain));
  if (d.find('.') == std::string::npos) return false;
  return from_domain == d || from_domain.ends_with("." + d);
}

bool vouches(const auth_header& h, const std::string& from_domain) {
  bool dmarc_seen = false;
  bool dmarc_pass = false;
  bool dkim_pass = false;
  for (const auto& r : h.results) {
    if (r.method == "dmarc") {
      dmarc_seen = true;
      auto header_from = r.property("header.from");
      if (r.result == "pass" && (!header_from || lowercase(*header_from) == from_domain))
        dmarc_pass = true;
    } else if (r.method == "dkim" && r.result == "pass") {
      auto d = r.property("header.d");
      auto i = r.property("header.i");
      if (!d || !aligned(*d, from_domain)) continue;
      if (i) {
        auto at = i->rfind('@');
        if (!aligned(at == std::string::npos ? *i : i->substr(at + 1), from_domain)) continue;
      }
      dkim_pass = true;
    }
  }
  if (dmarc_seen) return dmarc_pass;  // a DMARC failure is not outweighed by DKIM
  return dkim_pass;
}

std::string results_text(const auth_header& h) {
  std::string out;
  for (const auto& r : h.results) {
    if (!out.empty()) out += "; ";
    out += r.method + "=" + r.result;
    for (const auto& [k, v] : r.properties)
      if (k == "header.d" || k == "header.from" || k == "header.i") out += " " + k + "=" + v;
  }
  return out.substr(0, 500);
}

// --- the body's first line ---

bool attribution(std::string_view line) {
  auto lower = lowercase(line);
  return (lower.starts_with("on ") && lower.ends_with("wrote:"));
}

bool original_message_divider(std::string_view line) {
  auto lower = lowercase(line);
  return lower.starts_with("-----original message-----") || lower == "-- ";
}

void read_decision(std::string_view text, mail_reply& r) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  while (!text.empty()) {
    auto at = text.find('\n');
    std::string_view raw_line = text.substr(0, at);
    text.remove_prefix(at == std::string_view::npos ? text.size() : at + 1);
    if (!raw_line.empty() && raw_line.back() == '\r') raw_line.remove_suffix(1);
    if (original_message_divider(raw_line)) return;
    auto line = trim(raw_line);
    if (line.empty() || line.front() == '>' || attribution(line)) continue;
    std::size_t n = 0;
    while (n < line.size() &&
           ((line[n] >= 'A' && line[n] <= 'Z') || (line[n] >= 'a' && line[n] <= 'z')))
      ++n;
    if (n < line.size()) {
      unsigned char next = static_cast<unsigned char>(line[n]);
      if ((next >= '0' && next <= '9') || next == '_' || next >= 0x80) return;  // "APPROVED2"
    }
    auto word = lowercase(line.substr(0, n));
    if (word == "approve")
      r.verdict = reply_verdict::approve;
    else if (word == "deny" || word == "disapprove")
      r.verdict = reply_verdict::deny;
    else
      return;
    auto rest = line.substr(n);
    while (!rest.empty() && (blank(rest.front()) || rest.front() == ':' || rest.front() == '-' ||
                             rest.front() == ',' || rest.front() == '.' || rest.front() == '!'))
      rest.remove_prefix(1);
    rest = rest.substr(0, rest.find('\r'));  // a lone CR ends the line too
    r.comment = std::string(trim(rest.substr(0, max_reply_comment)));
    return;
  }
}

std::string message_id_of(const incoming_message& m) {
  auto id = std::string(trim(first_header(m.headers, "Message-ID").value_or("")));
  if (id.size() >= 2 && id.front() == '<') {
    auto close = id.find('>');
    id = id.substr(1, close == std::string::npos ? std::string::npos : close - 1);
  }
  return id.substr(0, max_message_id);
}

}  // namespace

std::string tokened_address(std::string_view reply_address, std::string_view token) {
  auto at = reply_address.rfind('@');
  if (at == std::string_view::npos) return {};
  return std::string(reply_address.substr(0, at)) + "+" + std::string(token) +
         std::string(reply_address.substr(at));
}

std::string subject_marker(std::string_view token) {
  return std::string(marker_start) + std::string(token) + "]";
}

mail_reply read_reply(std::string_view raw, const reply_settings& settings) {
  mail_reply r;
  if (raw.size() > max_reply_bytes) {
    r.problem = "the message is larger than " + std::to_string(max_reply_bytes / 1024) + " KiB";
    return r;
  }
  const incoming_message m = parse_incoming(raw);
  r.message_id = message_id_of(m);
  auto fail = [&](std::string why) {
    if (r.problem.empty()) r.problem = std::move(why);
  };

  // From: exactly one mailbox.
  auto from_values = all_headers(m.headers, "From");
  std::string from_domain;
  if (from_values.size() == 1) {
    auto list = address_list(from_values.front());
    if (list && list->size() == 1) {
      if (auto parts = split_address(list->front())) {
        r.from = parts->local + "@" + parts->domain;
        from_domain = parts->domain;
      }
    }
  }

  // The token: the address's and the subject's, one and the same.
  auto ours = split_address(settings.reply_address);
  auto subject = decode_header_words(first_header(m.headers, "Subject").value_or(""));
  auto in_address = ours ? address_tokens(m, *ours) : std::vector<std::string>{};
  auto in_subject = subject_tokens(subject);
  if (in_address.empty() || in_subject.empty())
    fail(
        "it carries no approval token (reply to the approval mail itself, keeping its subject "
        "and its reply address)");
  else if (in_address.size() > 1 || in_subject.size() > 1 ||
           in_address.front() != in_subject.front())
    fail("the token in its recipient address and the one in its subject differ");
  else
    r.token = in_address.front();

  if (r.from.empty()) fail("its From: header must name exactly one address");

  // The topmost Authentication-Results, from our own server only.
  const auto trusted = lowercase(trim(settings.trusted_authserv_id));
  auto topmost = first_header(m.headers, "Authentication-Results");
  if (!topmost) {
    fail("it has no Authentication-Results header from " + trusted);
  } else {
    auto h = parse_authentication_results(*topmost);
    if (trusted.empty() || h.authserv_id != trusted) {
      fail("its topmost Authentication-Results header is not from " + trusted);
    } else {
      r.authentication = results_text(h);
      r.authenticated = !from_domain.empty() && vouches(h, from_domain);
      if (!r.authenticated)
        fail("the receiving server (" + trusted +
             ") did not vouch for its sender: no DMARC pass and no DKIM pass aligned with the "
             "From: domain");
    }
  }

  auto text = plain_text_body(m);
  if (!text)
    fail("it has no plain-text part to read the decision from");
  else
    read_decision(*text, r);
  if (text && r.verdict == reply_verdict::none)
    fail("its first line (above the quoted mail) is not APPROVE, DENY or DISAPPROVE");
  return r;
}

}  // namespace gatehouse::mail
