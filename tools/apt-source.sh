#!/usr/bin/env bash
# apt-source.sh PACKAGE DIR: unpacks Debian's source package PACKAGE (with
# Debian's patches applied, as `apt-get source` leaves it) into DIR, and
# marks it with DIR/.unpacked. Does nothing when DIR/.unpacked exists.
#
# `apt-get source` needs a deb-src entry: when the machine has none, one is
# derived from its own apt sources, so that no mirror is named here. Needs
# root only for that and for `apt-get update`.
set -euo pipefail

if [ $# != 2 ]; then
	echo "usage: apt-source.sh PACKAGE DIR" >&2
	exit 2
fi
pkg=$1
dest=$2
[ -f "$dest/.unpacked" ] && exit 0

# Whether some apt source already offers source packages.
have_deb_src() {
	grep -rqs '^[[:space:]]*Types:.*deb-src' /etc/apt/sources.list.d/*.sources ||
		grep -qs '^[[:space:]]*deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/*.list
}

# Writes deb-src twins of the machine's deb entries: a .sources file per
# deb822 file, else one .list from /etc/apt/sources.list.
add_deb_src() {
	local made=0 f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		sed -e 's/^Types:.*/Types: deb-src/' "$f" >"/etc/apt/sources.list.d/libunikraft-src-$(basename "$f")"
		made=1
	done
	if [ "$made" = 0 ] && [ -f /etc/apt/sources.list ]; then
		sed -n -e 's/^[[:space:]]*deb[[:space:]]/deb-src /p' /etc/apt/sources.list \
			>/etc/apt/sources.list.d/libunikraft-src.list
	fi
}

# apt-get source finds the package only once the source indexes are there.
if ! have_deb_src; then
	add_deb_src
	apt-get update -qq >/dev/null
elif ! apt-cache showsrc "$pkg" 2>/dev/null | grep -q '^Package:'; then
	apt-get update -qq >/dev/null
fi

mkdir -p "$(dirname "$dest")"
tmp=$(mktemp -d "$(dirname "$dest")/.src-$pkg.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# Quiet when it works; the whole output when it does not. A mirror may lack
# the newest version's files (a security update not mirrored yet): then the
# other versions apt knows are tried, newest first.
fetch_source() {
	local v
	(cd "$tmp" && apt-get source -qq "$pkg" >/dev/null 2>&1) && return 0
	for v in $(apt-cache showsrc "$pkg" 2>/dev/null | sed -n 's/^Version: //p' | sort -r -V -u); do
		rm -rf "${tmp:?}"/*
		(cd "$tmp" && apt-get source -qq "$pkg=$v" >/dev/null 2>&1) && return 0
	done
	(cd "$tmp" && apt-get source "$pkg")
}
fetch_source
src=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d | head -n 1)
[ -n "$src" ] || {
	echo "apt-source.sh: apt-get source $pkg gave no source tree" >&2
	exit 1
}
rm -rf "$dest"
mv "$src" "$dest"
touch "$dest/.unpacked"
