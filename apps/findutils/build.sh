#!/usr/bin/env bash
# GNU find from Debian's findutils source package: autoreconf (as Debian's
# dh_autoreconf does, since Debian's patch changes configure.ac), configure
# with the host's gcc (its checks run natively, against glibc), then
# `make CCLD=kraftld`, automake's way of naming the linker.
#
# Configure's checks describe glibc, whose GNU regex API (re_compile_pattern,
# re_match, re_set_syntax) musl lacks: --with-included-regex makes gnulib
# compile its own, as it does on every libc without that API.
#
#   apps/findutils/build.sh  ->  $BUILD/apps/find, $BUILD/apps/xargs
# shellcheck source=apps/lib.sh
. "$(dirname "$0")/../lib.sh"

src=$(app_source findutils)
bld=$src/uk-build
mkdir -p "$bld"

if [[ ! -f $src/.uk-autoreconf ]]; then
	app_log "findutils: autoreconf"
	(cd "$src" && app_run uk-autoreconf.log autoreconf -f -i)
	touch "$src/.uk-autoreconf"
fi

cd "$bld"
conf=(--without-selinux --enable-d_type-optimisation --disable-nls --with-included-regex
	CC=gcc "CFLAGS=-O2 -g")
if ! app_configured . "${conf[@]}"; then
	app_log "findutils: configure"
	app_run uk-configure.log ../configure "${conf[@]}"
	app_mark_configured . "${conf[@]}"
fi

rm -f find/find xargs/xargs
app_log "findutils: make (log: $bld/uk-build.log)"
app_run uk-build.log make -j"$jobs" CCLD="$kraftld"
app_install find/find find
app_install xargs/xargs xargs
