#include <cctype>
#include "config/value_checks.hpp"

#include <arpa/inet.h>
#include <grp.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "config/diagnostics.hpp"
#include "config/store_url.hpp"

namespace gatehouse::config {

namespace {
bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

bool is_host_char(char c) { return is_name_char(c); }

std::string check_port(std::string_view text, bool allow_zero, std::uint16_t& out) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value > 65535 ||
      (value == 0 && !allow_zero))
    return allow_zero ? "port must be 0-65535" : "port must be 1-65535";
  out = static_cast<std::uint16_t>(value);
  return "";
}

bool is_ipv6(std::string_view text) {
  in6_addr addr{};
  return inet_pton(AF_INET6, std::string(text).c_str(), &addr) == 1;
}
}  // namespace

std::string check_name(std::string_view name) {
  if (name.empty()) return "a name must not be empty";
  if (name.size() > 64) return "name " + quote(name) + " is longer than 64 characters";
  bool ok = name[0] != '.' && name[0] != '-';
  for (char c : name) ok = ok && is_name_char(c);
  if (!ok)
    return "bad name " + quote(name) +
           ": use letters, digits, '.', '_' and '-', not starting with '.' or '-'";
  return "";
}

std::string parse_endpoint(std::string_view text, bool allow_port_zero, endpoint& out) {
  std::string_view host;
  std::string_view port;
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return "expected [IPV6]:PORT";
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    if (!is_ipv6(host)) return "expected [IPV6]:PORT";
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return "expected HOST:PORT";
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return "write IPv6 addresses as [ADDRESS]:PORT";
    if (host.empty()) return "expected HOST:PORT";
    for (char c : host) {
      if (!is_host_char(c)) return "expected HOST:PORT";
    }
  }
  std::uint16_t number = 0;
  if (auto problem = check_port(port, allow_port_zero, number); !problem.empty()) return problem;
  out.host = std::string(host);
  out.port = number;
  return "";
}

std::string check_label(std::string_view key, std::string_view text) {
  bool ok = !text.empty();
  for (char c : text) ok = ok && c >= 0x20 && c < 0x7f;
  if (!ok) return quote(key) + " must be non-empty ASCII without control characters";
  return "";
}

std::string check_env_pattern(std::string_view text) {
  bool ok = !text.empty() && text.size() <= 256;
  for (char c : text)
    ok = ok && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '*' || c == '?');
  if (!ok)
    return "bad environment variable name " + quote(text) +
           ": letters, digits and '_', with '*' and '?' as wildcards (e.g. LC_*)";
  return "";
}

std::string check_store(std::string_view text) {
  if (!parse_store_url(text))
    return "bad store " + quote(text) + ": expected sqlite:PATH or postgresql://...";
  return "";
}

std::string check_email(std::string_view text) {
  auto at = text.find('@');
  bool ok = at != std::string_view::npos && at > 0 && at + 1 < text.size() &&
            text.find('@', at + 1) == std::string_view::npos;
  for (char c : text) ok = ok && c > 0x20 && c != 0x7f && c != '<' && c != '>' && c != ',';
  if (!ok) return "bad email address " + quote(text);
  return "";
}

std::string check_host_name(std::string_view text) {
  auto bad = [&](std::string_view why) { return "bad host name " + quote(text) + ": " + std::string(why); };
  if (text.empty() || text.size() > 253) return bad("expected 1 to 253 characters");
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('.', start);
    if (end == std::string_view::npos) end = text.size();
    auto label = text.substr(start, end - start);
    if (label.empty() || label.size() > 63) return bad("each dot-separated part has 1 to 63 characters");
    if (label.front() == '-' || label.back() == '-') return bad("a part may not begin or end with '-'");
    for (char c : label)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-')
        return bad("only letters, digits, '-' and '.'");
    start = end + 1;
  }
  return {};
}

std::string check_url(std::string_view text, std::initializer_list<std::string_view> schemes,
                      bool port_required) {
  auto expected = [&] {
    std::vector<std::string_view> forms(schemes);
    std::string list;
    for (std::size_t i = 0; i < forms.size(); ++i) {
      list += (i == 0 ? "" : i + 1 == forms.size() ? " or " : ", ");
      list += std::string(forms[i]) + "://HOST" + (port_required ? ":PORT" : "");
    }
    return "bad URL " + quote(text) + ": expected " + list;
  };
  auto sep = text.find("://");
  if (sep == std::string_view::npos) return expected();
  auto scheme = text.substr(0, sep);
  bool known = false;
  for (auto s : schemes) known = known || s == scheme;
  if (!known) return expected();
  auto rest = text.substr(sep + 3);
  auto authority = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = authority.rfind('@'); at != std::string_view::npos)
    authority = authority.substr(at + 1);
  if (authority.empty()) return expected();
  endpoint ignored;
  bool has_port = authority.back() != ']' && authority.find(':') != std::string_view::npos;
  if (has_port || port_required) {
    if (auto problem = parse_endpoint(authority, false, ignored); !problem.empty())
      return "bad URL " + quote(text) + ": " + problem;
  } else if (authority.starts_with('[')) {
    if (!is_ipv6(authority.substr(1, authority.size() - 2))) return expected();
  } else {
    for (char c : authority) {
      if (!is_host_char(c)) return expected();
    }
  }
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return expected();
  }
  return "";
}

std::string check_network(std::string_view text) {
  auto slash = text.find('/');
  std::string address(text.substr(0, slash));
  in6_addr v6{};
  in_addr v4{};
  int max_prefix = 0;
  if (inet_pton(AF_INET, address.c_str(), &v4) == 1) {
    max_prefix = 32;
  } else if (inet_pton(AF_INET6, address.c_str(), &v6) == 1) {
    max_prefix = 128;
  } else {
    return "bad network " + quote(text) + ": expected ADDRESS/PREFIX";
  }
  if (slash != std::string_view::npos) {
    auto prefix_text = text.substr(slash + 1);
    int prefix = -1;
    auto [end, ec] =
        std::from_chars(prefix_text.data(), prefix_text.data() + prefix_text.size(), prefix);
    if (prefix_text.empty() || ec != std::errc{} ||
        end != prefix_text.data() + prefix_text.size() || prefix < 0 || prefix > max_prefix)
      return "bad network " + quote(text) + ": prefix must be 0-" + std::to_string(max_prefix);
  }
  return "";
}

std::string resolve_path(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path.front() == '/' || base_dir.empty()) return path;
  return (std::filesystem::path(base_dir) / path).lexically_normal().string();
}

std::string check_local_group(std::string_view name) {
  if (name.empty()) return "'group' must not be empty";
  std::string owned(name);
  ::group entry{};
  ::group* found = nullptr;
  std::vector<char> buffer(16384);
  if (::getgrnam_r(owned.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 || !found)
    return "no group " + quote(name) + " on this host (create it, e.g. with sysusers.d)";
  return "";
}

std::optional<std::string> readable_problem(const std::string& path) {
  if (path.empty()) return "empty path";
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (std::filesystem::is_directory(status)) return std::strerror(EISDIR);
  // Opening a named pipe would wait for a writer.
  if (std::filesystem::is_fifo(status) || std::filesystem::is_socket(status))
    return "not a regular file";
  errno = 0;
  std::ifstream file(path, std::ios::binary);
  if (!file.is_open()) return std::strerror(errno != 0 ? errno : EACCES);
  return std::nullopt;
}

std::optional<std::string> secret_file_problem(const std::string& path, std::size_t min_bytes) {
  namespace fs = std::filesystem;
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec) return ec.message();
  if (size < min_bytes)
    return "holds " + std::to_string(size) + " bytes, needs at least " + std::to_string(min_bytes) +
           " random bytes (head -c 32 /dev/urandom > FILE)";
  auto perms = fs::status(path, ec).permissions();
  if (ec) return ec.message();
  constexpr auto open_to_others = fs::perms::group_write | fs::perms::others_all;
  if ((perms & open_to_others) != fs::perms::none) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(perms) & 07777);
    return std::string("is open to others (mode ") + mode +
           "): chmod 0600 (or 0640 for the daemon's group)";
  }
  return std::nullopt;
}

}  // namespace gatehouse::config
