#!/usr/bin/env bash
# Installs what is missing for `npm start` (mode: start) or `npm test` (mode: test):
# Debian packages with --no-install-recommends, then `npm ci`. Safe to run again: it skips what is there.
set -euo pipefail
mode=${1:-test}
cd "$(dirname "$0")/.."

pkgs=(cmake g++ make emscripten)
if [ "$mode" = test ]; then
  pkgs+=(catch2 chromium clang libclang-rt-14-dev)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm ci when node_modules is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
fi
