#pragma once
// The gated web apps of one configuration (servers with protocol: http), found by the host
// name a browser asked for (SPEC "HTTP"): server NAME is served at NAME.<apps_domain>, plus the
// server's own `hosts:`. Each app's public origin carries the port of listen.http's public_url,
// so that links, the WebSocket Origin check and rewritten redirects name what the browser uses.
// Immutable once built; rebuilt for each configuration (a reload).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace gatehouse::apps {

struct app_entry {
  std::string name;                // the server's name
  std::vector<std::string> hosts;  // lower case; NAME.<apps_domain> first
  std::string origin;              // "https://NAME.<apps_domain>[:PORT]"
  std::string url, ca_file;        // the upstream
  config::pass_identity identity = config::pass_identity::jwt;
};

class app_directory {
 public:
  app_directory() = default;
  explicit app_directory(const config::config& c);

  // The app a Host header names ("Grafana.Apps.Example:8443" finds grafana); null if none.
  const app_entry* by_host(std::string_view host_header) const;
  const app_entry* by_name(std::string_view name) const;
  const std::vector<app_entry>& all() const { return apps_; }
  bool empty() const { return apps_.empty(); }

 private:
  std::vector<app_entry> apps_;
};

// The host part of a Host header, lower case, without the port ("[::1]:8443" -> "[::1]").
std::string host_of(std::string_view host_header);
// ":PORT" of a URL's authority when it names one other than https' own, else ""
// ("https://gate:8443/x" -> ":8443", "https://gate:443" -> "").
std::string port_suffix_of(std::string_view url);
// Where app NAME is served: https://NAME.<apps_domain> on the port of the gate's public_url
// (https://gate.example:8443 gives https://grafana.apps.gate.example:8443). The `aud` of the
// app's assertions and the URL people are shown; "<apps_domain>" spelled out when none is set.
std::string app_origin(const config::http_listener& http, std::string_view app);

}  // namespace gatehouse::apps
