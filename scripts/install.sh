#!/usr/bin/env bash
# The one install script shared by the README's first command, CI and the
# Dockerfile, so all three install Loupe the same way.
#
#   scripts/install.sh system runtime   Debian packages Loupe needs to run (needs root or sudo)
#   scripts/install.sh system test      ... plus what the tests need: chromium, postgresql
#   scripts/install.sh packages         npm packages from package-lock.json (Bun comes from npm)
#   scripts/install.sh packages --production   only what the server needs at run time
#   scripts/install.sh build            builds the web app into web/build (with the Lens service worker; checks the Lens's size budget)
set -euo pipefail
cd "$(dirname "$0")/.."

# coturn: LOUPE_TURN=bundled runs its turnserver (and the tests check credentials against it).
RUNTIME_APT=(ca-certificates janus janus-tools ffmpeg coturn)
TEST_APT=(chromium postgresql iproute2 fonts-dejavu-core firefox-esr)

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else echo "install.sh: installing Debian packages needs root (or sudo): $*" >&2; exit 1
  fi
}

apt_install() {
  local missing=()
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "install.sh: apt-get install ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Debian's janus package enables a janus.service with sample settings (sample
# secrets, WebSockets on every interface). Loupe runs its own Janus from
# janus/, so the packaged service is switched off wherever systemd runs.
disable_packaged_janus() {
  if [ -d /run/systemd/system ] && systemctl is-enabled janus >/dev/null 2>&1; then
    as_root systemctl disable --now janus
  fi
}

# coturn's package enables coturn.service too (the sample /etc/turnserver.conf
# on 3478, the port LOUPE_TURN=bundled takes; Loupe runs turnserver from its
# data directory). Switched off only when this script installed coturn: a
# coturn the operator already ran (an external TURN server) stays as it was.
coturn_was_installed=$(dpkg-query -W -f='${Status}' coturn 2>/dev/null | grep -c 'install ok installed' || true)
disable_packaged_coturn() {
  [ "$coturn_was_installed" = 0 ] || return 0
  if [ -d /run/systemd/system ] && systemctl is-enabled coturn >/dev/null 2>&1; then
    as_root systemctl disable --now coturn
  fi
}

case "${1:-}" in
  system)
    case "${2:-runtime}" in
      runtime) apt_install "${RUNTIME_APT[@]}"; disable_packaged_janus; disable_packaged_coturn ;;
      test) apt_install "${RUNTIME_APT[@]}" "${TEST_APT[@]}"; disable_packaged_janus; disable_packaged_coturn ;;
      *) echo "usage: $0 system runtime|test" >&2; exit 64 ;;
    esac ;;
  packages)
    # bun's install script links the Linux binary from @oven/bun-linux-x64 (an npm package);
    # argon2's finds its bundled prebuild. Nothing is fetched from outside the registry.
    if [ "${2:-}" = --production ]; then npm ci --omit=dev --no-audit --no-fund
    else npm ci --no-audit --no-fund
    fi
    node_modules/.bin/bun --version >/dev/null ;;
  build)
    # The message catalogues (Paraglide), the web app, then the Lens service worker's precache list (workbox
    # injectManifest), then the Lens's size budget, which fails the build over
    # 100 KB or when console code is on the Lens's path; last, .br and .gz copies for the server to send.
    node_modules/.bin/bun scripts/i18n-compile.ts
    npm run --silent build:web
    node_modules/.bin/bun scripts/pwa-build.ts
    node_modules/.bin/bun scripts/lens-budget.ts
    node_modules/.bin/bun scripts/precompress.ts ;;
  *) echo "usage: $0 system runtime|test | packages [--production] | build" >&2; exit 64 ;;
esac
