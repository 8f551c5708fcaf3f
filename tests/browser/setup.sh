#!/usr/bin/env bash
# What the browser tests need, installed when missing (idempotent): Debian's chromium (apt) and
# playwright-core (npm ci from package-lock.json; it never downloads a browser). Exit 0 when ready;
# exit 3 with a message when it cannot be installed here (no apt-get as root, no node/npm): the
# test then skips with that message. Any other failure is an error.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
chromium="${SPI_CHROMIUM:-/usr/bin/chromium}"

if [ ! -x "$chromium" ]; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "browser tests: installing Debian's chromium (apt-get)" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "browser tests skipped: $chromium is missing and apt-get is not available as root (install Debian's 'chromium' package, or set SPI_CHROMIUM)" >&2
    exit 3
  fi
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "browser tests skipped: node and npm (>= 18) are needed to run playwright-core" >&2
  exit 3
fi
if [ ! -f "$here/node_modules/playwright-core/package.json" ]; then
  echo "browser tests: npm ci in tests/browser (playwright-core)" >&2
  (cd "$here" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund >/dev/null)
fi
