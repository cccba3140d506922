#!/bin/sh
# Entry point of the janus-a and janus-b services (docker-compose.scale.yml):
# Debian's janus from the Loupe image, configured from ./janus with this
# container's API secret, RTP port range and public address, in the foreground
# so Docker supervises it.
set -eu
. /etc/loupe-scale/render.sh
# Debian installs the modules under the multiarch folder (x86_64 or aarch64).
for dir in /usr/lib/*/janus; do
  [ -f "$dir/plugins/libjanus_videoroom.so" ] && JANUS_LIB_DIR=$dir && break
done
[ -n "${JANUS_LIB_DIR:-}" ] || { echo "start-janus: Debian's janus modules were not found" >&2; exit 1; }
export JANUS_LIB_DIR
render_dir /etc/loupe-scale/janus /tmp/janus
exec janus -F /tmp/janus -C /tmp/janus/janus.jcfg
