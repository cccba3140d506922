#!/usr/bin/env bash
# README's first command: from a fresh Debian machine with Node.js and npm to
# a running Loupe with the embedded defaults (PGlite under ./data).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh system runtime
scripts/install.sh packages
scripts/install.sh build
exec node_modules/.bin/bun src/main.ts
