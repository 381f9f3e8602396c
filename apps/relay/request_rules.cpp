// The relay's header rules (apps/relay/request_rules.hpp). Pure functions.
#include "apps/relay/request_rules.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

namespace gatehouse::apps {

namespace beast = boost::beast;
namespace http = beast::http;

namespace {
std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::size_t count_of(const http::fields& f, http::field name) {
  auto [first, last] = f.equal_range(name);
  return static_cast<std::size_t>(std::distance(first, last));
}

// Hop-by-hop: never forwarded either way (RFC 9110 7.6.1), framing included (set anew).
constexpr std::array<std::string_view, 9> hop_by_hop = {
    "connection",       "keep-alive", "te",     "trailer",       "transfer-encoding",
    "proxy-connection", "upgrade",    "expect", "content-length"};

// Identity a client could forge: only the gate says who the person is.
constexpr std::array<std::string_view, 4> identity_prefixes = {"x-gatehouse-", "gatehouse-",
                                                               "x-forwarded-", "x-auth-request-"};
constexpr std::array<std::string_view, 12> identity_names = {
    "forwarded",       "x-real-ip",     "x-remote-user", "remote-user",          "x-webauth-user",
    "x-webauth-email", "x-user",        "x-email",       "x-authenticated-user", "x-remote-email",
    "x-client-ip",     "true-client-ip"};

bool listed(const std::vector<std::string>& names, std::string_view name) {
  return std::any_of(names.begin(), names.end(),
                     [&](const std::string& n) { return beast::iequals(n, name); });
}

// The names the Connection fields list (dropped with them).
std::vector<std::string> connection_tokens(const http::fields& f) {
  std::vector<std::string> out;
  auto [first, last] = f.equal_range(http::field::connection);
  for (auto it = first; it != last; ++it)
    for (auto token : http::token_list(it->value())) out.push_back(lower(token));
  return out;
}

bool hop_or_listed(std::string_view lname, const std::vector<std::string>& tokens) {
  return std::find(hop_by_hop.begin(), hop_by_hop.end(), lname) != hop_by_hop.end() ||
         lname.starts_with("proxy-") ||
         std::find(tokens.begin(), tokens.end(), lname) != tokens.end();
}

// The Cookie header without the named cookies; "" when none is left.
std::string without_cookies(std::string_view cookie, const std::vector<std::string>& names) {
  std::string out;
  while (!cookie.empty()) {
    auto semi = cookie.find(';');
    auto pair = trim(cookie.substr(0, semi));
    cookie = semi == std::string_view::npos ? std::string_view() : cookie.substr(semi + 1);
    auto name = trim(pair.substr(0, pair.find('=')));
    if (pair.empty() || listed(names, name)) continue;
    if (!out.empty()) out += "; ";
    out += pair;
  }
  return out;
}

std::string_view strip_base(std::string_view path, const std::string& base) {
  if (base.empty() || !path.starts_with(base)) return path;
  auto rest = path.substr(base.size());
  if (rest.empty()) return "/";
  return rest.front() == '/' || rest.front() == '?' || rest.front() == '#' ? rest : path;
}

std::string rewritten_location(std::string_view loc, const upstream_target& t,
                               const std::string& origin) {
  if (loc.starts_with("/") && !loc.starts_with("//"))
    return std::string(strip_base(loc, t.base_path));
  std::string scheme = t.tls ? "https://" : "http://";
  if (loc.size() < scheme.size() || !beast::iequals(loc.substr(0, scheme.size()), scheme))
    return std::string(loc);
  auto rest = loc.substr(scheme.size());
  auto end = rest.find_first_of("/?#");
  auto authority = rest.substr(0, end);
  auto shown_host = t.host.find(':') != std::string::npos ? "[" + t.host + "]" : t.host;
  if (!beast::iequals(authority, t.authority()) &&
      !beast::iequals(authority, shown_host + ":" + t.port))
    return std::string(loc);
  auto path = end == std::string_view::npos ? std::string_view("/") : rest.substr(end);
  if (!path.starts_with("/")) return origin + "/" + std::string(path);
  return origin + std::string(strip_base(path, t.base_path));
}

std::string without_domain(std::string_view set_cookie) {
  std::string out;
  bool first = true;
  while (!set_cookie.empty() || first) {
    auto semi = set_cookie.find(';');
    auto part = set_cookie.substr(0, semi);
    set_cookie = semi == std::string_view::npos ? std::string_view() : set_cookie.substr(semi + 1);
    auto name = trim(trim(part).substr(0, trim(part).find('=')));
    if (first || !beast::iequals(name, "domain")) {
      if (!first) out += ";";
      out += part;
    }
    first = false;
  }
  return out;
}
}  // namespace

std::string framing_problem(const request_head& request) {
  auto lengths = count_of(request, http::field::content_length);
  auto codings = count_of(request, http::field::transfer_encoding);
  if (lengths > 1) return "Content-Length given more than once";
  if (lengths == 1 && request[http::field::content_length].find(',') != beast::string_view::npos)
    return "Content-Length given as a list";
  if (codings > 1) return "Transfer-Encoding given more than once";
  if (codings == 1 && lengths == 1) return "both Content-Length and Transfer-Encoding";
  if (codings == 1 && !beast::iequals(trim(request[http::field::transfer_encoding]), "chunked"))
    return "Transfer-Encoding other than chunked";
  if (!request.target().starts_with("/")) return "request target is not a path";
  if (count_of(request, http::field::host) != 1) return "no single Host header";
  return {};
}

bool is_websocket_request(const request_head& request) {
  return beast::websocket::is_upgrade(request);
}

std::string address_of(const std::string& peer) {
  if (peer.starts_with("[")) return peer.substr(1, peer.find(']') - 1);
  auto colon = peer.rfind(':');
  return colon == std::string::npos ? peer : peer.substr(0, colon);
}

http::fields upstream_fields(const request_head& request, const admission& a,
                             const std::string& peer) {
  http::fields out;
  auto tokens = connection_tokens(request);
  for (const auto& f : request) {
    auto lname = lower(f.name_string());
    if (hop_or_listed(lname, tokens) || lname == "host") continue;
    if (std::any_of(identity_prefixes.begin(), identity_prefixes.end(),
                    [&](std::string_view p) { return lname.starts_with(p); }) ||
        std::find(identity_names.begin(), identity_names.end(), lname) != identity_names.end())
      continue;
    if (lname == "authorization" && a.drop_authorization) continue;
    if (lname == "cookie" && !a.drop_cookies.empty()) {
      auto kept = without_cookies(f.value(), a.drop_cookies);
      if (!kept.empty()) out.insert(http::field::cookie, kept);
      continue;
    }
    out.insert(f.name_string(), f.value());
  }
  out.set("X-Forwarded-For", address_of(peer));
  out.set("X-Forwarded-Proto", "https");
  out.set("X-Forwarded-Host", request[http::field::host]);
  for (const auto& [name, value] : a.add_headers) out.set(name, value);
  return out;
}

std::string upstream_request_target(const upstream_target& t, std::string_view target) {
  return t.base_path + std::string(target);
}

http::fields client_fields(const http::fields& upstream, const upstream_target& t,
                           const std::string& origin) {
  http::fields out;
  auto tokens = connection_tokens(upstream);
  for (const auto& f : upstream) {
    auto lname = lower(f.name_string());
    if (hop_or_listed(lname, tokens)) continue;
    if (f.name() == http::field::location)
      out.insert(http::field::location, rewritten_location(f.value(), t, origin));
    else if (f.name() == http::field::set_cookie)
      out.insert(http::field::set_cookie, without_domain(f.value()));
    else
      out.insert(f.name_string(), f.value());
  }
  return out;
}

std::string recorded_path(std::string_view target) {
  auto q = target.find('?');
  std::string out(target.substr(0, q));
  if (q == std::string_view::npos) return out;
  auto query = target.substr(q + 1);
  out += '?';
  bool first = true;
  while (!query.empty() || first) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (!first) out += '&';
    out += std::string(pair.substr(0, pair.find('='))) + "=";
    first = false;
  }
  return out;
}

}  // namespace gatehouse::apps
