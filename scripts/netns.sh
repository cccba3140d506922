#!/usr/bin/env bash
# Runs a command in a new, private network namespace with loopback and a veth
# pair (loupe0 198.18.0.1, loupe1 198.18.0.2; 198.18.0.0/15 is reserved for
# benchmarking). Janus gathers no ICE candidates on loopback, so media tests
# run here: Janus, Loupe and Chromium see only these interfaces, and no test
# packet can reach the machine's real network. The namespace disappears when
# the command exits. Needs root (CI runs as root) or unprivileged user namespaces.
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: scripts/netns.sh <command> [args…]" >&2; exit 2; }
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(--map-root-user)
exec unshare "${as_root[@]}" --net -- bash -euo pipefail -c '
  ip link set lo up
  ip link add loupe0 type veth peer name loupe1
  ip addr add 198.18.0.1/24 dev loupe0
  ip addr add 198.18.0.2/24 dev loupe1
  ip link set loupe0 up
  ip link set loupe1 up
  # Firefox gathers no ICE candidates at all without a default route. This one
  # points at the namespace itself (loupe1): nothing answers, nothing leaves.
  ip route add default via 198.18.0.2 dev loupe0
  export LOUPE_TEST_NETNS=loupe0
  exec "$@"
' netns "$@"
