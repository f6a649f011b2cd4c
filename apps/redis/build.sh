#!/usr/bin/env bash
# The Redis server from Debian's redis source package (7.0), built with
# Redis's own Makefiles: the vendored dependencies Debian ships in the source
# (hiredis, Lua, hdr_histogram) and Redis's objects compiled by the host's
# gcc, and the link of redis-server done by kraftld (REDIS_LD). MALLOC=libc:
# musl's allocator in place of jemalloc. Debian's rules turn on TLS and
# systemd notification: both are off here (libsystemd has no static library
# for kraftld to link, and the server is reached in plain TCP, so OpenSSL
# would only add to the image). Only redis-server is built: redis-cli and
# redis-benchmark are the host's (redis-tools), talking to it over the
# network.
#
#   apps/redis/build.sh    ->  $BUILD/apps/redis-server
# shellcheck source=apps/lib.sh
. "$(dirname "$0")/../lib.sh"

src=$(app_source redis)
cd "$src"

# Redis's Makefile records these settings (.make-settings) and rebuilds
# itself and its dependencies from clean when they change.
opts=(MALLOC=libc USE_SYSTEMD=no BUILD_TLS=no USE_JEMALLOC=no CC=gcc "REDIS_LD=$kraftld")

rm -f src/redis-server
app_log "redis: make redis-server (log: $src/uk-build.log)"
# mkreleasehdr.sh asks git for the commit Redis is built from: the ceiling
# keeps git from answering with the commit of a repository the tree sits in.
GIT_CEILING_DIRECTORIES=$(dirname "$src") \
	app_run uk-build.log make -C src -j"$jobs" V=1 "${opts[@]}" redis-server
app_install src/redis-server redis-server
