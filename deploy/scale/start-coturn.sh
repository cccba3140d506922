#!/bin/sh
# Entry point of the coturn service (docker-compose.scale.yml): Debian's
# coturn with ./coturn/turnserver.conf rendered from the environment (the
# shared secret, the public address), in the foreground so Docker supervises it.
set -eu
. /etc/loupe-scale/render.sh
render_dir /etc/loupe-scale/coturn /tmp/coturn
exec turnserver -c /tmp/coturn/turnserver.conf
