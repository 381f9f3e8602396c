#pragma once
// Files the pages load besides the stylesheet: our replay starter (/static/replay.js), the
// app request's waiting script (/static/apps_wait.js) and the
// asciinema-player bundle, read from the installed npm package (listen.http.asciinema_player)
// under /assets/asciinema-player/. Only these fixed names are served: no path from the URL
// ever reaches the file system.
#include <optional>
#include <string>
#include <string_view>

#include "web/http_message.hpp"

namespace gatehouse::web {

constexpr std::string_view player_script = "/assets/asciinema-player/asciinema-player.min.js";
constexpr std::string_view player_stylesheet = "/assets/asciinema-player/asciinema-player.css";
constexpr std::string_view replay_script = "/static/replay.js";
constexpr std::string_view apps_wait_script = "/static/apps_wait.js";

// nullopt when `path` is not one of these assets; 404 when the player is not installed.
std::optional<web_reply> static_asset(std::string_view path, const std::string& player_package);

// The package's bundle is there to serve.
bool player_installed(const std::string& player_package);

}  // namespace gatehouse::web
