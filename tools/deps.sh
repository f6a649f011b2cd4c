#!/usr/bin/env bash
# Installs what the build and the tests need, and unpacks Debian's musl
# source package into build/deps/. Idempotent: does nothing when all is there.
set -euo pipefail

deps_dir=${1:-build/deps}
mkdir -p "$deps_dir"

# Commands and the Debian package that provides each.
declare -A need=(
	[qemu-system-x86_64]=qemu-system-x86
	[ld.lld]=lld
	[clang]=clang
	[clang++]=clang
	[pkg-config]=pkg-config
	[dpkg-source]=dpkg-dev
	[ar]=binutils
	[g++]=g++
	[automake]=automake
	[autoconf]=autoconf
	[cmake]=cmake
	[meson]=meson
	[ninja]=ninja-build
	[python3]=python3
	[cpio]=cpio
)
missing=()
for cmd in "${!need[@]}"; do
	command -v "$cmd" >/dev/null 2>&1 || missing+=("${need[$cmd]}")
done
[ -f /usr/include/gtest/gtest.h ] || missing+=(libgtest-dev)
compgen -G '/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a' >/dev/null ||
	missing+=(libclang-rt-14-dev)

apt_updated=0
apt_update() {
	if [ "$apt_updated" = 0 ]; then
		apt-get update -qq >/dev/null
		apt_updated=1
	fi
}

if [ ${#missing[@]} -gt 0 ]; then
	mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
	echo "deps: installing ${missing[*]}"
	if [ "$(id -u)" != 0 ]; then
		echo "deps: need root to install ${missing[*]}" >&2
		exit 1
	fi
	apt_update
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# A deb-src entry derived from the machine's own apt sources, so that
# `apt-get source` works without naming any mirror here.
ensure_deb_src() {
	if grep -rqs '^[[:space:]]*Types:.*deb-src' /etc/apt/sources.list.d/*.sources ||
	   grep -qs '^[[:space:]]*deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/*.list; then
		return
	fi
	local made=0
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		sed -e 's/^Types:.*/Types: deb-src/' "$f" >"/etc/apt/sources.list.d/libunikraft-src-$(basename "$f")"
		made=1
	done
	if [ "$made" = 0 ] && [ -f /etc/apt/sources.list ]; then
		sed -n -e 's/^[[:space:]]*deb[[:space:]]/deb-src /p' /etc/apt/sources.list \
			>/etc/apt/sources.list.d/libunikraft-src.list
	fi
	apt_updated=0
}

if [ ! -f "$deps_dir/musl/.unpacked" ]; then
	ensure_deb_src
	apt_update
	tmp=$(mktemp -d "$deps_dir/musl-src.XXXXXX")
	(cd "$tmp" && apt-get source -qq musl >/dev/null 2>&1 || apt-get source musl)
	src=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d -name 'musl-*' | head -n 1)
	[ -n "$src" ] || { echo "deps: apt-get source musl gave no source tree" >&2; exit 1; }
	rm -rf "$deps_dir/musl"
	mv "$src" "$deps_dir/musl"
	rm -rf "$tmp"
	touch "$deps_dir/musl/.unpacked"
fi
