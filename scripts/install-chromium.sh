#!/usr/bin/env bash
# Installs what the report screenshot test needs: Debian's chromium and playwright-core@1 (no-save).
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

if [ ! -f node_modules/playwright-core/package.json ]; then
  # --no-save: a test-only tool, kept out of package.json and the lock file.
  npm install --no-save --no-audit --no-fund --loglevel=error playwright-core@1 >/dev/null
fi

echo "chromium: $(command -v chromium) ($(chromium --version 2>/dev/null || echo '?'))"
echo "playwright-core: $(node -p "require('playwright-core/package.json').version")"
