// parse_upstream and upstream_target::authority (apps/relay/upstream_target.hpp).
#include "apps/relay/upstream_target.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace gatehouse::apps {

std::string upstream_target::authority() const {
  std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return default_port() ? shown : shown + ":" + port;
}

namespace {
bool valid_port(std::string_view p) {
  if (p.empty() || p.size() > 5 ||
      !std::all_of(p.begin(), p.end(), [](unsigned char c) { return std::isdigit(c) != 0; }))
    return false;
  auto n = std::stoul(std::string(p));
  return n >= 1 && n <= 65535;
}

bool valid_host_char(unsigned char c) {
  return std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_';
}
}  // namespace

std::variant<upstream_target, std::string> parse_upstream(const std::string& url,
                                                          const std::string& ca_file) {
  upstream_target t;
  std::string_view rest(url);
  if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else if (rest.starts_with("https://")) {
    t.tls = true;
    rest.remove_prefix(8);
  } else {
    return "url must start with http:// or https://";
  }
  if (rest.find_first_of("?#") != std::string_view::npos)
    return "url must not have a query or fragment";
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  auto path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) return "url must not carry user info";
  std::string_view port;
  if (authority.starts_with("[")) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return "url has an unterminated [IPv6] host";
    t.host = std::string(authority.substr(1, close - 1));
    auto after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(":")) return "url has text after its [IPv6] host";
    if (!after.empty() && !valid_port(port = after.substr(1))) return "url has a bad port";
    if (t.host.empty() || t.host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string::npos)
      return "url has a bad IPv6 host";
  } else {
    auto colon = authority.find(':');
    t.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos && !valid_port(port = authority.substr(colon + 1)))
      return "url has a bad port";
    if (t.host.empty() || !std::all_of(t.host.begin(), t.host.end(),
                                       [](unsigned char c) { return valid_host_char(c); }))
      return "url has no valid host";
  }
  t.port = port.empty() ? (t.tls ? "443" : "80") : std::string(port);
  while (path.ends_with("/")) path.remove_suffix(1);
  t.base_path = std::string(path);
  if (t.tls) {
    if (ca_file.empty()) return "an https:// url needs ca_file (the upstream is always verified)";
    t.ca_file = ca_file;
  }
  return t;
}

}  // namespace gatehouse::apps
