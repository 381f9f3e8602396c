#pragma once
// Where a gated web app is served (SPEC "HTTP"): https://NAME.<apps_domain>, on the port of the
// gate's public_url when that names one (https://gate.example:8443 gives
// https://grafana.apps.gate.example:8443). The `aud` of the app's assertions and the URL people
// are shown (`http-token`). A pure function of the configuration.
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace gatehouse::apps {

// "https://grafana.apps.gate.example"; "https://NAME.<apps_domain>" spelled out when no
// apps_domain is configured (then no app is served).
std::string app_origin(const config::http_listener& http, std::string_view app);

}  // namespace gatehouse::apps
