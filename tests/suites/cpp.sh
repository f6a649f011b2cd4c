#!/usr/bin/env bash
# C++ and the build systems users cross-compile with: examples-cpp/hello
# built with g++ and clang++ and linked by kraftld; the CMake and Meson
# examples built through the toolchain file and the cross files, from the
# build tree and from an installed prefix. Prints PASS/FAIL lines.
set -uo pipefail
BUILD=${BUILD:-build}
top=$(pwd)
tree=$(cd "$BUILD" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/uk-cpp.XXXXXX")
trap 'rm -rf "$work"' EXIT

# check NAME STATUS EXPECTED COMMAND...: COMMAND must exit with STATUS and
# print every line of EXPECTED (a newline-separated list of texts), in
# order, and no line containing "FAILED".
check() {
	local name=$1 want=$2 expected=$3
	shift 3
	local out st why="" line=0 e found
	out=$("$@" 2>&1 </dev/null)
	st=$?
	[ "$st" = "$want" ] || why="status $st, want $want"
	if [ -z "$why" ]; then
		while IFS= read -r e; do
			[ -n "$e" ] || continue
			found=$(awk -v s="$e" -v from="$line" 'NR > from && index($0, s) { print NR; exit }' <<<"$out")
			if [ -z "$found" ]; then
				why="no '$e' in the output (after line $line)"
				break
			fi
			line=$found
		done <<<"$expected"
	fi
	if [ -z "$why" ] && grep -q 'FAILED' <<<"$out"; then
		why="a check FAILED"
	fi
	if [ -z "$why" ]; then
		echo "PASS $name"
	else
		echo "FAIL $name: $why"
		printf '%s\n' "$out" | head -30 | sed 's/^/    | /'
	fi
}

# step NAME LOG COMMAND...
. tests/suite_lib.sh

boot() { # IMAGE ARGS...
	"$tree/bin/ukrun" --accel tcg --timeout 60 "$@"
}

hello_lines='Hello from C++ on libunikraft!
ok     sorted words: c++,exceptions,threads,unikernel
ok     caught ParseError across two functions: not a digit in "12x4" at position 2
ok     rethrown on the main thread: thrown on a worker thread
ok     atomic counter = 8000 (4 threads x 2000)
ok     consumer sum = 8004000 (want 8004000)
ok     sleep_for(50 ms) slept
ok     condition_variable::wait_for(30 ms) timed out
all checks passed'

# examples-cpp/hello with plain -O2 -c, then through its Makefile.
for cxx in g++ clang++; do
	if step "hello/$cxx" "$work/hello-$cxx.log" "$cxx" -O2 -c examples-cpp/hello/hello.cc -o "$work/hello-$cxx.o" &&
		step "hello/$cxx" "$work/hello-$cxx.log" "$tree/bin/kraftld" -o "$work/hello-$cxx" "$work/hello-$cxx.o"; then
		check "hello/$cxx" 0 "$hello_lines" boot "$work/hello-$cxx"
	fi
done
cp -r examples-cpp/hello "$work/hello-make"
if step "hello/make" "$work/hello-make.log" make -C "$work/hello-make" CXX=clang++ KRAFTLD="$tree/bin/kraftld"; then
	check "hello/make" 0 "$hello_lines" boot "$work/hello-make/hello"
fi

# cmake_example NAME PREFIX [ENV...]: configures and builds examples-cpp/cmake
# with PREFIX's toolchain file and boots both programs.
cmake_example() {
	local name=$1 prefix=$2 b=$work/$1
	shift 2
	mkdir -p "$(dirname "$b")"
	if step "$name" "$b.log" env "$@" cmake -DCMAKE_TOOLCHAIN_FILE="$prefix/lib/cmake/unikraft/toolchain.cmake" \
		-S examples-cpp/cmake -B "$b" &&
		step "$name" "$b.log" cmake --build "$b"; then
		check "$name/c" 0 "Hello, vm, from C (built by CMake)!" boot "$b/hello-c" vm
		check "$name/c++" 0 "Hello, vm, from C++ (built by CMake)!
2 threads answered" boot "$b/hello-cxx" vm
	fi
}

# meson_example NAME CROSS-FILE: the same for examples-cpp/meson.
meson_example() {
	local name=$1 cross=$2 b=$work/$1
	mkdir -p "$(dirname "$b")"
	if step "$name" "$b.log" meson setup --cross-file "$cross" examples-cpp/meson "$b" &&
		step "$name" "$b.log" ninja -C "$b"; then
		check "$name/c" 0 "Hello, vm, from C (built by Meson)!" boot "$b/hello-c" vm
		check "$name/c++" 0 "Hello, vm, from C++ (built by Meson)!
2 threads answered" boot "$b/hello-cxx" vm
	fi
}

cmake_example cmake "$tree"
cmake_example cmake-clang-ninja "$tree" CC=clang CXX=clang++ CMAKE_GENERATOR=Ninja
if [ -d "$work/cmake-clang-ninja" ]; then
	# CC and CXX must have chosen the compilers, and try_run, add_test and
	# ctest boot the images through the toolchain's emulator.
	check "cmake/CC-CXX" 0 'CMAKE_C_COMPILER_ID "Clang"
CMAKE_CXX_COMPILER_ID "Clang"' grep -h '_COMPILER_ID "' \
		"$work"/cmake-clang-ninja/CMakeFiles/*/CMakeCCompiler.cmake \
		"$work"/cmake-clang-ninja/CMakeFiles/*/CMakeCXXCompiler.cmake
	check "cmake/ctest" 0 "100% tests passed" ctest --test-dir "$work/cmake-clang-ninja"
fi
meson_example meson "$tree/share/meson/cross/unikraft.ini"
meson_example meson-clang "$tree/share/meson/cross/unikraft-clang.ini"
if [ -d "$work/meson" ]; then
	check "meson/test" 0 "Ok:" meson test -C "$work/meson"
fi

# The same from an installed prefix, whose toolchain files must not name
# the build or the source tree.
prefix=$work/prefix
if step "install" "$work/install.log" make --no-print-directory -s BUILD="$BUILD" install PREFIX="$prefix"; then
	named=$(grep -rlF -e "$tree" -e "$top" "$prefix/lib/cmake" "$prefix/share/meson" "$prefix/lib/unikraft/kraftcc")
	if [ -n "$named" ]; then
		echo "FAIL install/relocatable: these installed files name the build or source tree: ${named//$'\n'/ }"
	else
		echo "PASS install/relocatable"
	fi
	cmake_example install/cmake "$prefix"
	meson_example install/meson "$prefix/share/meson/cross/unikraft.ini"
fi
exit 0
