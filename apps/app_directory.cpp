#include "apps/app_directory.hpp"

#include <cctype>

namespace gatehouse::apps {

std::string host_of(std::string_view host_header) {
  std::string_view h = host_header;
  if (h.starts_with('[')) {
    h = h.substr(0, h.find(']') == std::string_view::npos ? h.size() : h.find(']') + 1);
  } else if (auto colon = h.rfind(':'); colon != std::string_view::npos) {
    h = h.substr(0, colon);
  }
  while (h.ends_with('.')) h.remove_suffix(1);  // "example.com." is the same name
  std::string out(h);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string port_suffix_of(std::string_view url) {
  auto sep = url.find("://");
  if (sep == std::string_view::npos) return {};
  auto authority = url.substr(sep + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  auto bracket = authority.rfind(']');
  auto colon = authority.rfind(':');
  if (colon == std::string_view::npos || (bracket != std::string_view::npos && colon < bracket))
    return {};
  auto port = authority.substr(colon);
  return port == ":443" || port == ":" ? std::string() : std::string(port);
}

std::string app_origin(const config::http_listener& http, std::string_view app) {
  const std::string domain = http.apps_domain.empty() ? "<apps_domain>" : http.apps_domain;
  return "https://" + std::string(app) + "." + domain + port_suffix_of(http.public_url);
}

app_directory::app_directory(const config::config& c) {
  if (!c.listen.http || c.listen.http->apps_domain.empty()) return;
  for (const auto& s : c.servers) {
    if (s.protocol != config::protocol::http) continue;
    app_entry a;
    a.name = s.name;
    a.hosts.push_back(host_of(s.name + "." + c.listen.http->apps_domain));
    for (const auto& h : s.hosts) a.hosts.push_back(host_of(h));
    a.origin = app_origin(*c.listen.http, s.name);
    a.url = s.url;
    a.ca_file = s.ca_file;
    a.identity = s.pass_identity;
    apps_.push_back(std::move(a));
  }
}

const app_entry* app_directory::by_host(std::string_view host_header) const {
  const std::string host = host_of(host_header);
  for (const auto& a : apps_)
    for (const auto& h : a.hosts)
      if (h == host) return &a;
  return nullptr;
}

const app_entry* app_directory::by_name(std::string_view name) const {
  for (const auto& a : apps_)
    if (a.name == name) return &a;
  return nullptr;
}

}  // namespace gatehouse::apps
