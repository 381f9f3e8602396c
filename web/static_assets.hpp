#pragma once
// Files the pages load besides the stylesheet: our replay starter (/static/replay.js), the
// app request's waiting script (/static/apps_wait.js), the terminal's (below) and the
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
// The browser terminal: our client (web/terminal_script.cpp) and xterm.js with its fit addon,
// installed next to the player (web/player/install.sh: the same node_modules, so served from
// listen.http.asciinema_player's parent folder).
constexpr std::string_view terminal_script = "/static/terminal.js";
constexpr std::string_view xterm_script = "/assets/xterm/xterm.js";
constexpr std::string_view xterm_stylesheet = "/assets/xterm/xterm.css";
constexpr std::string_view xterm_fit_script = "/assets/xterm/addon-fit.js";
std::string_view terminal_script_text();
// The web SFTP's file browser (web/sftp_script.cpp).
constexpr std::string_view sftp_script = "/static/sftp.js";
std::string_view sftp_script_text();

// nullopt when `path` is not one of these assets; 404 when the player is not installed.
std::optional<web_reply> static_asset(std::string_view path, const std::string& player_package);

// The package's bundle is there to serve.
bool player_installed(const std::string& player_package);

}  // namespace gatehouse::web
