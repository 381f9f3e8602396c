#!/bin/sh
# Installs asciinema-player (package.json, pinned by package-lock.json) from the npm registry
# into web/player/node_modules (gitignored). Point listen.http.asciinema_player at
# web/player/node_modules/asciinema-player, or copy that directory where the config says.
set -e
cd "$(dirname "$0")"
if [ ! -f node_modules/asciinema-player/dist/bundle/asciinema-player.min.js ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
