#!/usr/bin/env bash
# Installs what the build and tests need on a Debian bookworm machine, and nothing that is
# already there: apt packages, then the npm dev dependencies (npm ci).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake ninja-build g++ libgtest-dev libeigen3-dev nlohmann-json3-dev emscripten chromium
          clang-14 libclang-rt-14-dev
          libcpp-httplib-dev libsqlite3-dev libpq-dev zlib1g-dev pkg-config postgresql postgresql-client)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "setup: Node.js >= 20 is required (found: $(node --version 2>/dev/null || echo none))." >&2
  echo "       Install Node 20 (e.g. from nodesource) before Debian's emscripten, then re-run." >&2
  exit 1
fi

# npm ci only when node_modules is missing or older than the lock file.
# If the registry omits metadata for other platforms' optional packages (rollup's native builds), npm ci
# refuses the lock file as "out of sync"; then install exactly the locked versions without rewriting it.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  if ! npm ci --no-audit --no-fund --loglevel=error 2>/tmp/circlewise-npm-ci.log; then
    echo "setup: npm ci refused the lock file ($(grep -m1 -o 'Missing: [^ ]*' /tmp/circlewise-npm-ci.log || echo see /tmp/circlewise-npm-ci.log)); installing the locked versions with npm install --no-save"
    npm install --no-save --no-audit --no-fund --loglevel=error
  fi
fi
