#!/usr/bin/env bash
# Installs what the browser tests need beyond npm ci: Debian's chromium (playwright-core drives it).
# Idempotent and quiet: does nothing when both are present. Run from CI (as root) or by hand.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  # Debian's build, not Playwright's downloaded browsers: the machines have no CDN access.
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

# playwright-core (no browser download of its own) is a devDependency: npm ci installs it.

echo "chromium: $(command -v chromium) ($(chromium --version 2>/dev/null || echo '?'))"
echo "playwright-core: $(node -p "require('playwright-core/package.json').version")"
