#include "audit/syslog_format.hpp"

namespace gatehouse::audit {

namespace {

constexpr int authpriv = 10;

int severity_of(std::string_view event) {
  if (event.ends_with(".failure") || event.ends_with(".denied") || event == "hostkey.mismatch" ||
      event == "grant.revoked" || event == "config.reload_refused")
    return 4;
  if (event == "access.emergency") return 5;
  return 6;
}

// PRINTUSASCII without spaces, at most `max` characters ("-" when empty).
std::string header_field(std::string_view text, std::size_t max) {
  std::string out;
  for (char c : text.substr(0, max)) out += (c > 32 && c < 127) ? c : '_';
  return out.empty() ? "-" : out;
}

std::string param_value(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\' || c == ']') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

std::string syslog_message(const syslog_origin& origin, std::string_view event, std::string_view ts,
                           std::uint64_t seq, std::string_view hash, std::string_view line) {
  std::string out = "<" + std::to_string(authpriv * 8 + severity_of(event)) + ">1 ";
  out += header_field(ts, 32) + " ";
  out += header_field(origin.hostname, 255) + " gatehouse ";
  out += std::to_string(origin.pid) + " ";
  out += header_field(event, 32) + " ";
  out +=
      "[gatehouse@32473 seq=\"" + std::to_string(seq) + "\" hash=\"" + param_value(hash) + "\"] ";
  out += line;
  return out;
}

std::string octet_counted(std::string_view message) {
  return std::to_string(message.size()) + " " + std::string(message);
}

}  // namespace gatehouse::audit
