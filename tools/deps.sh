#!/usr/bin/env bash
# Installs what the build and the tests need, and unpacks Debian's musl
# and lwIP source packages into build/deps/. Idempotent: does nothing when all is there.
set -euo pipefail

deps_dir=${1:-build/deps}
mkdir -p "$deps_dir"

# Commands and the Debian package that provides each.
declare -A need=(
	[qemu-system-x86_64]=qemu-system-x86
	[ld.lld]=lld
	[clang]=clang
	[clang++]=clang
	# clang's archiver, for archives of -flto bitcode (tests/suites/toolchains.sh).
	[llvm-ar]=llvm
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
	# Load and clients for the network examples (tests/suites/net_examples.sh).
	[wrk]=wrk
	[curl]=curl
)
# What apps/*/build.sh need to build the programs there, and the host's
# sqlite3 shell, which reads the databases they write.
need+=([go]=golang-go [tclsh]=tcl [libtoolize]=libtool [autopoint]=autopoint [sqlite3]=sqlite3)
# The Redis tests' client, load generator and file checker (redis-server
# itself is built from source, apps/redis/build.sh).
need+=([redis-cli]=redis-tools [redis-benchmark]=redis-tools [redis-check-rdb]=redis-tools)
missing=()
for cmd in "${!need[@]}"; do
	command -v "$cmd" >/dev/null 2>&1 || missing+=("${need[$cmd]}")
done
[ -f /usr/include/gtest/gtest.h ] || missing+=(libgtest-dev)
# Debian static libraries the library-search tests link into images
# (kraftld -lz -lfl, CMake's find_package(ZLIB), Meson's dependency('zlib')).
[ -f /usr/lib/x86_64-linux-gnu/libz.a ] || missing+=(zlib1g-dev)
[ -f /usr/lib/x86_64-linux-gnu/libfl.a ] || missing+=(libfl-dev)
[ -d /usr/share/zoneinfo/America ] || missing+=(tzdata)
# nginx's rewrite module links Debian's libpcre2-8.a (apps/nginx/build.sh).
[ -f /usr/lib/x86_64-linux-gnu/libpcre2-8.a ] || missing+=(libpcre2-dev)
# CPython's modules (apps/python3/build.sh): the static libraries it links
# and the headers its configure looks for.
for dev in libsqlite3-dev:libsqlite3.a libbz2-dev:libbz2.a liblzma-dev:liblzma.a \
	uuid-dev:libuuid.a libssl-dev:libssl.a; do
	[ -f "/usr/lib/x86_64-linux-gnu/${dev#*:}" ] || missing+=("${dev%%:*}")
done
[ -x /usr/bin/python3.11 ] || missing+=(python3.11)
# What its root directory copies from the host: /etc/services and
# /etc/protocols, and the time zone files.
[ -f /etc/services ] || missing+=(netbase)
[ -d /usr/share/zoneinfo ] || missing+=(tzdata)
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

# Debian's musl source, unpacked by apt-source.sh (which derives a deb-src
# entry from the machine's own apt sources when there is none).
bash "$(dirname "$0")/apt-source.sh" musl "$deps_dir/musl"
# lwIP, built into the kernel by the Makefile.
bash "$(dirname "$0")/apt-source.sh" lwip "$deps_dir/lwip"
