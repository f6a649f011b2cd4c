#!/usr/bin/env bash
# make test: host unit tests, end-to-end suites, guest tests with the GCC-built
# kernel and again with the Clang-built one, and a short run of every fuzz
# target. Ends with "N passed, M failed"; exits non-zero on any failure.
set -uo pipefail
BUILD=${BUILD:-build}
export BUILD
results=$BUILD/tests/results.txt
mkdir -p "$BUILD/tests"
: >"$results"

record() { # reads PASS/FAIL/SKIP lines, echoes them, keeps them for the tally
	while IFS= read -r line; do
		printf '%s\n' "$line"
		case $line in PASS\ * | FAIL\ * | SKIP\ *) printf '%s\n' "$line" >>"$results" ;; esac
	done
}

section() { printf '\n== %s\n' "$*"; }

section "unit tests (GoogleTest)"
unit_log=$BUILD/tests/unit.log
"$BUILD/tests/unit_tests" --gtest_brief=0 >"$unit_log" 2>&1
unit_rc=$?
{
	sed -n 's/^\[       OK \] \([^ ]*\).*/PASS unit\/\1/p' "$unit_log"
	sed -n 's/^\[  FAILED  \] \([^ ,]*\) (.*/FAIL unit\/\1: see '"${unit_log//\//\\/}"'/p' "$unit_log"
	if [ $unit_rc != 0 ] && ! grep -q '^\[  FAILED  \]' "$unit_log"; then
		echo "FAIL unit: the test binary exited with $unit_rc"
		tail -20 "$unit_log"
	fi
} | record | grep -v '^PASS' || true
echo "unit: $(grep -c '^PASS unit/' "$results") passed"

for suite in tests/suites/*.sh; do
	section "suite $(basename "$suite" .sh)"
	bash "$suite" 2>&1 | record
done

section "guest tests, kernel built with clang"
if make --no-print-directory BUILD="$BUILD/clang" CC=clang CXX=clang++ all >"$BUILD/tests/clang-build.log" 2>&1; then
	echo "PASS build/clang-kernel" | record
	BUILD="$BUILD/clang" GUEST_COMPILERS=gcc bash tests/suites/guest.sh 2>&1 |
		sed -e 's/^PASS guest/PASS clang-kernel\/guest/' -e 's/^FAIL guest/FAIL clang-kernel\/guest/' | record
else
	echo "FAIL build/clang-kernel: see $BUILD/tests/clang-build.log" | record
	tail -20 "$BUILD/tests/clang-build.log"
fi

section "fuzz targets (short run)"
for f in "$BUILD"/fuzz/*; do
	[ -x "$f" ] || continue
	name=$(basename "$f")
	corpus=$BUILD/tests/fuzz-corpus/$name
	mkdir -p "$corpus"
	if "$f" -max_total_time="${FUZZ_SECONDS:-10}" -print_final_stats=0 "$corpus" >"$BUILD/tests/fuzz-$name.log" 2>&1; then
		echo "PASS fuzz/$name" | record
	else
		echo "FAIL fuzz/$name: see $BUILD/tests/fuzz-$name.log" | record
		tail -30 "$BUILD/tests/fuzz-$name.log"
	fi
done

passed=$(grep -c '^PASS ' "$results")
failed=$(grep -c '^FAIL ' "$results")
skipped=$(grep -c '^SKIP ' "$results")
echo
grep '^FAIL ' "$results" | sed 's/^/  /'
if [ "$skipped" != 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" = 0 ] && [ "$passed" != 0 ]
