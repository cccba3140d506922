#!/usr/bin/env bash
# README's first command: from a fresh Debian machine with Node.js and npm to
# a running Loupe with the embedded defaults (PGlite under ./data).
set -euo pipefail
cd "$(dirname "$0")/.."

# Node runs npm (and the install scripts of the npm packages) and the type
# checker; everything else runs on Bun. npm 11 needs Node >= 20.17, and Vite 8
# and its Svelte plugin, which svelte-kit sync / svelte-check load under Node,
# need >= 20.19. Packages that ask for Node 22 (SvelteKit 3, Lighthouse,
# werift) run only under Bun here. Checked first, so an old Node fails with
# this message instead of deep inside npm or the build.
NODE_MIN=20.19
node_version=$(node --version 2>/dev/null || true)
if [[ ! $node_version =~ ^v([0-9]+)\.([0-9]+)\. ]]; then
  echo "up.sh: Loupe needs Node.js $NODE_MIN or later (with npm), and no node was found on PATH." >&2
  echo "up.sh: install Node.js $NODE_MIN+ (e.g. from https://nodejs.org or NodeSource), then run npm run up again." >&2
  exit 1
fi
major=${BASH_REMATCH[1]} minor=${BASH_REMATCH[2]}
if ((major < ${NODE_MIN%.*} || (major == ${NODE_MIN%.*} && minor < ${NODE_MIN#*.}))); then
  echo "up.sh: Loupe needs Node.js $NODE_MIN or later; this node is $node_version ($(command -v node))." >&2
  echo "up.sh: install Node.js $NODE_MIN+ (e.g. from https://nodejs.org or NodeSource), then run npm run up again." >&2
  exit 1
fi

scripts/install.sh system runtime
scripts/install.sh packages
scripts/install.sh build
exec node_modules/.bin/bun src/main.ts
