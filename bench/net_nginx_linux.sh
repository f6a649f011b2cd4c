#!/usr/bin/env bash
# The Linux guest's nginx for bench/net.sh: Debian's nginx source package
# (the one apps/nginx builds our image from) configured with the same
# options by its own configure and built by its Makefile natively, linked
# statically against glibc (the guest's initrd has no shared libraries).
#
#   bench/net_nginx_linux.sh OUT   ->  OUT (a static nginx)
#
# The source is unpacked once into $BUILD/bench/net/nginx-src; make rebuilds
# nothing that is built. Env: BUILD (default build), JOBS (default 2).
set -euo pipefail
BUILD=${BUILD:-build}
out=$1
src=$BUILD/bench/net/nginx-src
bash tools/apt-source.sh nginx "$src" >&2
# The options of apps/nginx/build.sh, and -static.
mapfile -t conf < <(sed -n '/^conf=(/,/^)/{/^conf=(/d;/^)/d;s/^\t//;p}' apps/nginx/build.sh)
conf+=(--with-ld-opt=-static)
log=$src/linux-build.log
if [[ ! -f $src/.linux-configured || $(cat "$src/.linux-configured") != "$(printf '%s\n' "${conf[@]}")" ]]; then
	if ! (cd "$src" && ./configure "${conf[@]}") >"$log" 2>&1; then
		echo "net_nginx_linux: configure failed; see $log: $(tail -n 3 "$log" | tr '\n' ' ')" >&2
		exit 1
	fi
	printf '%s\n' "${conf[@]}" >"$src/.linux-configured"
fi
if ! make -C "$src" -f objs/Makefile -j"${JOBS:-2}" objs/nginx >"$log" 2>&1; then
	echo "net_nginx_linux: make failed; see $log: $(tail -n 3 "$log" | tr '\n' ' ')" >&2
	exit 1
fi
if ! file -L "$src/objs/nginx" | grep -q 'statically linked'; then
	echo "net_nginx_linux: $src/objs/nginx is not statically linked" >&2
	exit 1
fi
cp "$src/objs/nginx" "$out"
