#!/usr/bin/env bash
# The Linux guest's redis-server for bench/net.sh: Debian's redis source
# package (the one apps/redis builds our image from) built natively by
# Redis's own Makefiles, linked statically against glibc (the guest's initrd
# has no shared libraries), with the same MALLOC=libc, no TLS and no systemd.
#
#   bench/net_redis_linux.sh OUT   ->  OUT (a static redis-server)
#
# The source is unpacked once into $BUILD/bench/net/redis-src; make rebuilds
# nothing that is built. Env: BUILD (default build), JOBS (default 2).
set -euo pipefail
BUILD=${BUILD:-build}
out=$1
src=$BUILD/bench/net/redis-src
bash tools/apt-source.sh redis "$src" >&2
log=$src/linux-build.log
if ! make -C "$src/src" -j"${JOBS:-2}" MALLOC=libc USE_JEMALLOC=no USE_SYSTEMD=no BUILD_TLS=no \
	CC=gcc LDFLAGS=-static redis-server >"$log" 2>&1; then
	echo "net_redis_linux: make redis-server failed; see $log: $(tail -n 3 "$log" | tr '\n' ' ')" >&2
	exit 1
fi
if ! file -L "$src/src/redis-server" | grep -q 'statically linked'; then
	echo "net_redis_linux: $src/src/redis-server is not statically linked" >&2
	exit 1
fi
cp "$src/src/redis-server" "$out"
