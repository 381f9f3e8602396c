#include "apps/identity/app_origin.hpp"

namespace gatehouse::apps {

namespace {
// ":8443" when `url` (scheme://host[:port][/path]) names a port other than https' own.
std::string explicit_port(std::string_view url) {
  auto start = url.find("://");
  if (start == std::string_view::npos) return {};
  auto authority = url.substr(start + 3);
  authority = authority.substr(0, authority.find('/'));
  auto bracket = authority.rfind(']');
  auto colon = authority.rfind(':');
  if (colon == std::string_view::npos || (bracket != std::string_view::npos && colon < bracket))
    return {};
  auto port = authority.substr(colon);
  return port == ":443" || port == ":" ? std::string() : std::string(port);
}
}  // namespace

std::string app_origin(const config::http_listener& http, std::string_view app) {
  const std::string domain = http.apps_domain.empty() ? "<apps_domain>" : http.apps_domain;
  return "https://" + std::string(app) + "." + domain + explicit_port(http.public_url);
}

}  // namespace gatehouse::apps
