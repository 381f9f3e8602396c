#!/bin/sh
# Installs playwright-core (package.json) into tests/web/node_modules (gitignored) for the
# browser test; Chromium itself is Debian's /usr/bin/chromium, never a downloaded one.
set -e
cd "$(dirname "$0")"
if [ ! -f node_modules/playwright-core/package.json ]; then
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error
fi
