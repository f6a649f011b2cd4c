#!/usr/bin/env bash
# One library search story: the image's own libc, libm, libpthread and
# libstdc++ win over glibc's wherever a build names them (-lm before or after
# pkg-config, a full path from CMake), Debian's static libraries link from the
# host's directories (kraftld -lz -lfl, pkg-config --static, CMake's
# find_package(ZLIB), Meson's dependency('zlib')), C++ builds through
# pkg-config, and a shared-only library is refused naming its package.
# Every image is booted and its output and status compared with the same
# program built natively with gcc. Prints PASS/FAIL lines.
set -uo pipefail
BUILD=${BUILD:-build}
tree=$(cd "$BUILD" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/uk-libsearch.XXXXXX")
trap 'rm -rf "$work"' EXIT
kraftld=$tree/bin/kraftld
export PKG_CONFIG_PATH=$tree/lib/pkgconfig
multiarch=/usr/lib/x86_64-linux-gnu

# step NAME LOG COMMAND...
. tests/suite_lib.sh

# same NAME IMAGE NATIVE ARGS...: boots IMAGE with ARGS and runs NATIVE with
# the same ARGS; both must print the same and exit with the same status.
same() {
	local name=$1 image=$2 native=$3
	shift 3
	local got want st_got st_want
	got=$("$tree/bin/ukrun" --accel tcg --timeout 120 "$image" "$@" 2>&1 </dev/null)
	st_got=$?
	want=$("$native" "$@" 2>&1 </dev/null)
	st_want=$?
	if [ "$st_got" != "$st_want" ]; then
		echo "FAIL $name: status $st_got, the native program's $st_want"
		printf '%s\n' "$got" | head -15 | sed 's/^/    | /'
	elif [ "$got" != "$want" ]; then
		echo "FAIL $name: output differs from the native program's"
		diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | head -15 | sed 's/^/    | /'
	elif [ -z "$want" ]; then
		echo "FAIL $name: the native program printed nothing"
	else
		echo "PASS $name"
	fi
}

# refused NAME TEXT... -- COMMAND...: COMMAND must fail, printing every TEXT.
refused() {
	local name=$1
	shift
	local texts=()
	while [ "$1" != "--" ]; do
		texts+=("$1")
		shift
	done
	shift
	local out st t
	out=$("$@" 2>&1 </dev/null)
	st=$?
	if [ "$st" = 0 ]; then
		echo "FAIL $name: '$*' succeeded"
		return
	fi
	for t in "${texts[@]}"; do
		if ! grep -qF -- "$t" <<<"$out"; then
			echo "FAIL $name: no '$t' in the message"
			printf '%s\n' "$out" | head -10 | sed 's/^/    | /'
			return
		fi
	done
	echo "PASS $name"
}

# Math and threads: glibc's libm.a, had it been linked, needs glibc's errno
# and CPU feature tables, which an image does not have.
cat >"$work/mt.c" <<'C'
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
static void *root(void *arg) { return (void *)(long)(sqrt(*(double *)arg) * 1000000); }
int main(int argc, char **argv) {
	double x = argc > 1 ? atof(argv[1]) : 2.0;
	pthread_t t;
	void *r;
	pthread_create(&t, 0, root, &x);
	pthread_join(t, &r);
	printf("sqrt(%g) = %ld / 10^6, cbrt = %.4f, lgamma = %.4f\n", x, (long)r, cbrt(x), lgamma(x));
	return (int)x;
}
C
# zlib, threads and math together, as the CMake and Meson projects use them.
cat >"$work/zt.c" <<'C'
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>
static char text[8192];
static unsigned char packed[16384];
static void *pack(void *arg) {
	uLongf len = sizeof(packed);
	if (compress2(packed, &len, (const Bytef *)text, sizeof(text), *(int *)arg) != Z_OK)
		return 0;
	return (void *)(long)len;
}
int main(int argc, char **argv) {
	for (size_t i = 0; i < sizeof(text); i++)
		text[i] = (char)('a' + (i * i) % 7 + (i / 1000));
	int level = argc > 1 ? 1 : 9;
	pthread_t t;
	void *len;
	pthread_create(&t, 0, pack, &level);
	pthread_join(t, &len);
	char back[sizeof(text)];
	uLongf blen = sizeof(back);
	int rc = uncompress((Bytef *)back, &blen, packed, (uLong)(long)len);
	printf("zlib %s level %d: %zu -> %ld bytes, back %s, crc32 %08lx, sqrt(%d) = %.6f\n",
	       zlibVersion(), level, sizeof(text), (long)len,
	       rc == Z_OK && blen == sizeof(text) && !memcmp(back, text, blen) ? "intact" : "BROKEN",
	       crc32(0, (const Bytef *)text, sizeof(text)), argc + 1, sqrt((double)(argc + 1)));
	return 0;
}
C
# libfl's main() calls yylex() until it returns 0; its yywrap() says the
# input has ended. The program has no main of its own.
cat >"$work/fl.c" <<'C'
#include <stdio.h>
int yywrap(void);
int yylex(void) {
	static int calls;
	calls++;
	printf("yylex call %d, yywrap() = %d\n", calls, yywrap());
	return calls < 3 ? calls : 0;
}
C
cat >"$work/app.cc" <<'CC'
#include <algorithm>
#include <cmath>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>
int main(int argc, char **argv) {
	std::vector<std::string> words(argv + 1, argv + argc);
	std::sort(words.begin(), words.end());
	std::ostringstream joined;
	for (const std::string &w : words)
		joined << w << ';';
	double root = 0;
	std::thread worker([&] { root = std::sqrt(static_cast<double>(words.size() + 1)); });
	worker.join();
	try {
		throw std::runtime_error("thrown " + std::to_string(words.size()));
	} catch (const std::exception &e) {
		std::cout << "caught: " << e.what() << "\n";
	}
	std::cout << "sorted: " << joined.str() << " sqrt: " << root << std::endl;
	return static_cast<int>(words.size());
}
CC

gcc -O2 "$work/mt.c" -o "$work/mt.native" -lm -lpthread
gcc -O2 "$work/zt.c" -o "$work/zt.native" -lz -lm -lpthread
gcc -O2 "$work/fl.c" -o "$work/fl.native" -lfl
g++ -O2 "$work/app.cc" -o "$work/cxx.native" -pthread

# pkg-config, C: -lm and -lpthread before and after the module's flags; the
# .pc's -L to the image's library directory makes them the image's.
if step "pkg-config/c-libm-before" "$work/mt.log" gcc $(pkg-config --cflags unikraft) -O2 -c "$work/mt.c" -o "$work/mt.o"; then
	step "pkg-config/c-libm-before" "$work/pc1.log" gcc -o "$work/pc1" "$work/mt.o" -lm -lpthread $(pkg-config --libs unikraft) &&
		same "pkg-config/c-libm-before" "$work/pc1" "$work/mt.native" 9
	step "pkg-config/c-libm-after" "$work/pc2.log" gcc -o "$work/pc2" "$work/mt.o" $(pkg-config --libs unikraft) -lm -lpthread -lrt -ldl -lutil &&
		same "pkg-config/c-libm-after" "$work/pc2" "$work/mt.native" 2
	step "pkg-config/clang-libm-before" "$work/pc3.log" clang -o "$work/pc3" "$work/mt.o" -lpthread -lm $(pkg-config --libs unikraft) &&
		same "pkg-config/clang-libm-before" "$work/pc3" "$work/mt.native" 3
fi
# pkg-config of another package finds Debian's static archive.
if step "pkg-config/zlib" "$work/zt.log" gcc $(pkg-config --cflags unikraft) -O2 -c "$work/zt.c" -o "$work/zt.o" &&
	step "pkg-config/zlib" "$work/pcz.log" gcc -o "$work/pcz" "$work/zt.o" -lm -lpthread $(pkg-config --static --libs zlib) $(pkg-config --libs unikraft); then
	same "pkg-config/zlib" "$work/pcz" "$work/zt.native" one
fi

# pkg-config, C++: unikraft-c++ compiles with the host's libstdc++ headers and
# links the image's libstdc++.
for cxx in g++ clang++; do
	if step "pkg-config/c++-$cxx" "$work/cxx-$cxx.log" pkg-config --exists unikraft-c++ &&
		step "pkg-config/c++-$cxx" "$work/cxx-$cxx.log" "$cxx" $(pkg-config --cflags unikraft-c++) -O2 -c "$work/app.cc" -o "$work/cxx-$cxx.o" &&
		step "pkg-config/c++-$cxx" "$work/cxx-$cxx.log" "$cxx" -o "$work/cxx-$cxx" "$work/cxx-$cxx.o" $(pkg-config --libs unikraft-c++); then
		same "pkg-config/c++-$cxx" "$work/cxx-$cxx" "$work/cxx.native" pear apple fig
	fi
done

# kraftld -lNAME: Debian's static libraries from the host's directories.
gcc -O2 -c "$work/zt.c" -o "$work/zt-host.o"
gcc -O2 -c "$work/fl.c" -o "$work/fl.o"
gcc -O2 -c "$work/mt.c" -o "$work/mt-host.o"
step "kraftld/-lz" "$work/kz.log" "$kraftld" -o "$work/kz" "$work/zt-host.o" -lz -lm -lpthread &&
	same "kraftld/-lz" "$work/kz" "$work/zt.native"
step "kraftld/-lfl" "$work/kfl.log" "$kraftld" -o "$work/kfl" "$work/fl.o" -lfl &&
	same "kraftld/-lfl" "$work/kfl" "$work/fl.native"
step "kraftld/-lz-lfl" "$work/kzfl.log" "$kraftld" -o "$work/kzfl" "$work/fl.o" -lz -lfl &&
	same "kraftld/-lz-lfl" "$work/kzfl" "$work/fl.native"

# glibc's libraries by full path, as CMake hands them over: the image's own
# take their place.
glibc_libs=()
for f in $multiarch/libm.a $multiarch/libm.so $multiarch/libpthread.a /lib/x86_64-linux-gnu/libpthread.so.0 \
	$multiarch/libc.a $multiarch/librt.a $multiarch/libdl.a; do
	[ -e "$f" ] && glibc_libs+=("$f")
done
step "kraftld/glibc-by-path" "$work/kg.log" "$kraftld" -o "$work/kg" "$work/mt-host.o" "${glibc_libs[@]}" &&
	same "kraftld/glibc-by-path" "$work/kg" "$work/mt.native" 5
# A shared object named by path, and -lNAME that only has a shared object.
refused "kraftld/shared-by-path" "$multiarch/libz.so: a shared library (from the package zlib1g-dev)" \
	"link the static archive $multiarch/libz.a" -- "$kraftld" -o "$work/x" "$work/zt-host.o" "$multiarch/libz.so"
# libc6-dev (there with every gcc) ships libc_malloc_debug.so and no archive.
refused "kraftld/shared-only" "-lc_malloc_debug: only a shared library was found, /" "x86_64-linux-gnu/libc_malloc_debug.so (from the package libc6-dev)" \
	"libc_malloc_debug.a, which libc6-dev does not ship" -- "$kraftld" -o "$work/x" "$work/mt-host.o" -lc_malloc_debug

# CMake: find_package(ZLIB), find_package(Threads) and find_library(m)
# through the toolchain file.
mkdir -p "$work/cmake" "$work/meson"
cp "$work/zt.c" "$work/cmake/zt.c"
cat >"$work/cmake/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.13)
project(zt C)
find_package(ZLIB REQUIRED)
find_package(Threads REQUIRED)
find_library(M_LIBRARY m)
if(NOT M_LIBRARY)
  message(FATAL_ERROR "find_library(M_LIBRARY m) found nothing")
endif()
message(STATUS "libm: ${M_LIBRARY}")
add_executable(zt zt.c)
target_link_libraries(zt ZLIB::ZLIB Threads::Threads ${M_LIBRARY})
CMAKE
if step "cmake/zlib" "$work/cmake.log" cmake -DCMAKE_TOOLCHAIN_FILE="$tree/lib/cmake/unikraft/toolchain.cmake" -S "$work/cmake" -B "$work/cmake/b" &&
	step "cmake/zlib" "$work/cmake-build.log" cmake --build "$work/cmake/b"; then
	if grep -q "Found ZLIB: $multiarch/libz.a" "$work/cmake.log" && grep -q "libm: $tree/lib/unikraft/libm.a" "$work/cmake.log"; then
		same "cmake/zlib" "$work/cmake/b/zt" "$work/zt.native" x
	else
		echo "FAIL cmake/zlib: not the static libz.a and the image's libm.a"
		grep -E "ZLIB|libm" "$work/cmake.log" | sed 's/^/    | /'
	fi
fi

# Meson: dependency('zlib') through pkg-config, cc.find_library('m').
cp "$work/zt.c" "$work/meson/zt.c"
cat >"$work/meson/meson.build" <<'MESON'
project('zt', 'c')
cc = meson.get_compiler('c')
zlib = dependency('zlib', method: 'pkg-config')
m = cc.find_library('m')
threads = dependency('threads')
executable('zt', 'zt.c', dependencies: [zlib, m, threads])
MESON
if step "meson/zlib" "$work/meson.log" meson setup --cross-file "$tree/share/meson/cross/unikraft.ini" "$work/meson/b" "$work/meson" &&
	step "meson/zlib" "$work/meson-build.log" ninja -C "$work/meson/b"; then
	if grep -q "$multiarch/libz.a" "$work/meson/b/build.ninja"; then
		same "meson/zlib" "$work/meson/b/zt" "$work/zt.native" a b
	else
		echo "FAIL meson/zlib: the link does not use $multiarch/libz.a"
		grep -A1 '^build zt:' "$work/meson/b/build.ninja" | sed 's/^/    | /'
	fi
fi
exit 0
