#!/bin/sh
# Installs asciinema-player and xterm.js with its fit addon (package.json, pinned by package-lock.json) from the npm registry
# into web/player/node_modules (gitignored). Point listen.http.asciinema_player at
# web/player/node_modules/asciinema-player, or copy that directory where the config says.
set -e
cd "$(dirname "$0")"
# Tests that run in parallel (ctest -j) both install: one npm ci at a time, or they remove each
# other's node_modules (ENOENT in a fresh clone).
exec 9>"${TMPDIR:-/tmp}/gatehouse-player-install.lock"
flock 9
if [ ! -f node_modules/asciinema-player/dist/bundle/asciinema-player.min.js ] ||
   [ ! -f node_modules/@xterm/xterm/lib/xterm.js ] || [ ! -f node_modules/@xterm/addon-fit/lib/addon-fit.js ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
