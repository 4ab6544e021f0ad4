#!/usr/bin/env bash
# Installs what the real-VS-Code e2e tests need (docs/platform.md "Real VS Code in end-to-end tests"): Debian chromium, ripgrep and
# libkrb5-dev, then code-server@4.100.3 (the last Node-20 release) into .e2e/code-server/ (git-ignored).
# Idempotent and quiet; run as root from .ci/run or by hand. Prints one summary line per part.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
CS_VERSION="4.100.3"
CS_DIR="$ROOT/.e2e/code-server"
CS_BIN="$CS_DIR/node_modules/.bin/code-server"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# 1. apt: chromium (driven by playwright-core), ripgrep (seeds @vscode/ripgrep's download cache),
#    libkrb5-dev (code-server's `kerberos` native build needs gssapi/gssapi.h).
missing=()
for p in libkrb5-dev ripgrep chromium; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "apt: libkrb5-dev ripgrep chromium present (installed now: ${missing[*]:-none})"

installed_version() {
  [ -f "$CS_DIR/node_modules/code-server/package.json" ] || return 1
  node -p "require('$CS_DIR/node_modules/code-server/package.json').version" 2>/dev/null
}

if [ "$(installed_version || true)" = "$CS_VERSION" ] && [ -x "$CS_BIN" ]; then
  echo "code-server: $CS_VERSION already in .e2e/code-server (skipped)"
  exit 0
fi

# Everything code-server's install writes outside its folder goes to a scratch dir that is removed at
# the end: npm cache, HOME (node-gyp headers), and the tarball we build for the ripgrep cache.
SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT

# 2. @vscode/ripgrep's postinstall downloads from GitHub (unreachable) unless this exact tarball is in
#    its cache under os.tmpdir(); a tarball holding Debian's rg is accepted ("Using cached download").
RG_CACHE="$(node -p 'require("os").tmpdir()')/vscode-ripgrep-cache-1.15.11"
RG_TGZ="$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -s "$RG_TGZ" ]; then
  mkdir -p "$RG_CACHE" "$SCRATCH/rg"
  cp "$(command -v rg)" "$SCRATCH/rg/rg"
  tar czf "$RG_TGZ" -C "$SCRATCH/rg" rg
fi

# 3. A package.json of its own, or npm walks up and installs into the extension's root.
mkdir -p "$CS_DIR"
echo '{ "private": true }' > "$CS_DIR/package.json"

# 4. As root, code-server's postinstall demands --unsafe-perm; node-pty's postinstall runs
#    `npx node-gyp`, which the machine's `yes = false` npm setting blocks without npm_config_yes.
# 5. argon2's prebuilt download fails (no GitHub), so it builds from source; node-gyp would download
#    Node's headers from nodejs.org (unreachable) unless pointed at the installed ones.
NODE_PREFIX="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
nodedir_env=()
if [ -f "$NODE_PREFIX/include/node/common.gypi" ]; then nodedir_env=("npm_config_nodedir=$NODE_PREFIX"); fi
start=$(date +%s)
log="$SCRATCH/npm-install.log"
if ! (cd "$CS_DIR" && env HOME="$SCRATCH/home" npm_config_cache="$SCRATCH/npm-cache" \
      npm_config_unsafe_perm=true npm_config_yes=true npm_config_fund=false npm_config_audit=false \
      npm_config_update_notifier=false "${nodedir_env[@]}" \
      npm install --no-save --loglevel=error "code-server@$CS_VERSION" >"$log" 2>&1); then
  echo "code-server: npm install failed; last lines of its log:" >&2
  tail -n 40 "$log" >&2
  exit 1
fi
if [ "$(installed_version || true)" != "$CS_VERSION" ] || [ ! -x "$CS_BIN" ]; then
  echo "code-server: install finished but $CS_BIN is missing" >&2
  tail -n 40 "$log" >&2
  exit 1
fi
echo "code-server: $CS_VERSION installed into .e2e/code-server in $(( $(date +%s) - start )) s"
