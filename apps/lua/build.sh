#!/usr/bin/env bash
# Lua 5.4's interpreter from Debian's lua5.4 source package, built the way
# debian/rules builds it: its libtool (generated from debian/configure.ac,
# static only here), the multiarch header, then `make linux` with CC going
# through kraftcc, so that the link of `lua5.4` is kraftld's. Readline is
# left out (`linux` rather than Debian's `linux-readline`), as is the C++
# flavour of the library (LUA_A names the C one only).
#
#   apps/lua/build.sh    ->  $BUILD/apps/lua, $BUILD/apps/luac
# shellcheck source=apps/lib.sh
. "$(dirname "$0")/../lib.sh"

src=$(app_source lua5.4)
cd "$src"

conf=(--disable-shared CC=gcc CXX=g++)
if ! app_configured debian/libtool "${conf[@]}"; then
	app_log "lua: generating Debian's libtool"
	rm -rf debian/libtool
	mkdir debian/libtool
	cp debian/configure.ac debian/libtool/
	(cd debian/libtool && LIBTOOLIZE='libtoolize -i' app_run ../libtool-autoreconf.log autoreconf -f -i)
	(cd debian/libtool && app_run ../libtool-configure.log ./configure "${conf[@]}")
	app_mark_configured debian/libtool "${conf[@]}"
fi

multiarch=src/lua5.4-deb-multiarch.h
if [[ ! -f $multiarch ]]; then
	printf '#ifndef _LUA_DEB_MULTIARCH_\n#define _LUA_DEB_MULTIARCH_\n#define DEB_HOST_MULTIARCH "%s"\n#endif\n' \
		"$(dpkg-architecture -qDEB_HOST_MULTIARCH)" >"$multiarch.tmp"
	mv "$multiarch.tmp" "$multiarch"
fi

rm -f src/lua5.4 src/luac5.4
app_log "lua: make linux (log: $src/uk-build.log)"
app_run uk-build.log make -j"$jobs" linux LIBTOOL="$src/debian/libtool/libtool" \
	CC="$kraftcc gcc -std=gnu99" CXX="$kraftcc g++" LUA_A=liblua5.4.la
app_install src/lua5.4 lua
app_install src/luac5.4 luac
