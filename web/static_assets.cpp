#include "web/static_assets.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace gatehouse::web {

namespace {
// Starts the player on the replay page's #player element, whose data-cast names the recording.
// A file of ours rather than an inline script, so the page keeps script-src 'self'.
constexpr std::string_view replay_js = R"js(// Gatehouse: start asciinema-player on the replay page.
(function () {
  var el = document.getElementById('player');
  if (!el || typeof AsciinemaPlayer === 'undefined') return;
  AsciinemaPlayer.create(el.getAttribute('data-cast'), el, { fit: 'width', idleTimeLimit: 2 });
})();
)js";

// Follows a held app request on its waiting page (web/app_portal_pages.cpp): the server's
// events say when it was decided; the page then reloads, which goes on to the app or shows the
// denial. Without JavaScript the page's Refresh header does the same, more slowly.
constexpr std::string_view apps_wait_js = R"js(// Gatehouse: wait for an app request's decision.
(function () {
  var el = document.getElementById('waiting');
  if (!el || typeof EventSource === 'undefined') return;
  var events = new EventSource(el.getAttribute('data-events'));
  events.addEventListener('decided', function () { events.close(); window.location.reload(); });
  events.addEventListener('waiting', function (e) { el.firstChild.nodeValue = e.data; });
})();
)js";

std::string bundle_file(const std::string& package, std::string_view name) {
  return package + "/dist/bundle/" + std::string(name);
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return std::move(text).str();
}

web_reply cached(std::string content_type, std::string body) {
  web_reply r{200, std::move(content_type), std::move(body), {}};
  r.headers.emplace_back("Cache-Control", "public, max-age=3600");
  return r;
}
}  // namespace

bool player_installed(const std::string& player_package) {
  std::error_code ec;
  return !player_package.empty() && std::filesystem::is_regular_file(
                                        bundle_file(player_package, "asciinema-player.min.js"), ec);
}

std::optional<web_reply> static_asset(std::string_view path, const std::string& player_package) {
  if (path == replay_script)
    return cached("text/javascript; charset=utf-8", std::string(replay_js));
  if (path == apps_wait_script)
    return cached("text/javascript; charset=utf-8", std::string(apps_wait_js));
  if (path == sftp_script)
    return cached("text/javascript; charset=utf-8", std::string(sftp_script_text()));
  if (path == terminal_script)
    return cached("text/javascript; charset=utf-8", std::string(terminal_script_text()));
  if (path == xterm_script || path == xterm_stylesheet || path == xterm_fit_script) {
    // node_modules/@xterm/... next to node_modules/asciinema-player.
    auto package = std::string_view(player_package);
    while (package.size() > 1 && package.ends_with('/')) package.remove_suffix(1);
    auto modules = std::filesystem::path(package).parent_path().string();
    auto file = path == xterm_script       ? modules + "/@xterm/xterm/lib/xterm.js"
                : path == xterm_stylesheet ? modules + "/@xterm/xterm/css/xterm.css"
                                           : modules + "/@xterm/addon-fit/lib/addon-fit.js";
    auto body = player_package.empty() ? std::nullopt : read_file(file);
    if (!body)
      return web_reply{404,
                       "text/plain; charset=utf-8",
                       "xterm.js is not installed (web/player/install.sh)\n",
                       {}};
    return cached(
        path == xterm_stylesheet ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8",
        std::move(*body));
  }
  const bool script = path == player_script;
  if (!script && path != player_stylesheet) return std::nullopt;
  auto name = path.substr(path.rfind('/') + 1);
  auto body = player_package.empty() ? std::nullopt : read_file(bundle_file(player_package, name));
  if (!body)
    return web_reply{404,
                     "text/plain; charset=utf-8",
                     "asciinema-player is not installed (listen.http.asciinema_player)\n",
                     {}};
  return cached(script ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8",
                std::move(*body));
}

}  // namespace gatehouse::web
