#!/usr/bin/env bash
# make check-apps: the longer test suites of the programs in apps/, run in
# the unikernel (TCG). Takes about a quarter of an hour, Redis about ten
# minutes more, Go's package tests a quarter of an hour (their host runs
# included); CPython needs make app-python3 first.
#
#   sqlite/fuzzcheck/*  SQLite's fuzzcheck (its `make fuzztest`), linked by
#                       kraftld, over each of SQLite's test/fuzzdata*.db
#                       corpora from an initrd: every case must run without
#                       an error ("0 errors out of N tests").
#   gnulib/*            findutils' gnulib tests (`make check` in
#                       gnulib-tests/), each test program linked by kraftld
#                       and booted by ukrun (tests/apps/ukrun-test.sh as
#                       automake's LOG_COMPILER). The tests that are shell
#                       scripts run their programs as host processes, which
#                       images are not: they count as skipped.
#   redis-tests/*       Redis's own test suite (tests/test_helper.tcl) in its
#                       external-server mode, one unit at a time against a
#                       redis-server VM booted for it (tests/apps-check-redis.sh,
#                       which names each unit and test left out and why).
#   python3/*           CPython: -c, a script, the REPL, a 9p share and
#                       http.server, then a curated list of its regression
#                       tests (python3 -m test), each module in a VM of its
#                       own, beside the host's python3.11 running the same
#                       modules (tests/apps-check-python3.sh).
#   go-tests/*          Go's own tests of a list of standard packages: each
#                       package's test binary linked by kraftld and run in
#                       the guest (go test -exec ukrun), beside the same
#                       tests on the host (tests/apps-check-go.sh).
#
# Lua's own test suite is not part of Debian's lua5.4 source package, so
# there is none to run here.
#
# Ends with "N passed, M failed, K skipped"; exits non-zero on a failure.
set -uo pipefail
BUILD=${BUILD:-build}
[[ $BUILD == /* ]] || BUILD=$(pwd)/$BUILD
export BUILD
top=$(pwd)
ukrun=$BUILD/bin/ukrun
work=$BUILD/tests/apps-check
results=$work/results.txt
rm -rf "$work"
mkdir -p "$work"
: >"$results"

record() {
	while IFS= read -r line; do
		printf '%s\n' "$line"
		case $line in PASS\ * | FAIL\ * | SKIP\ *) printf '%s\n' "$line" >>"$results" ;; esac
	done
}

# ---------------------------------------------------------------- SQLite

sqlite_fuzzcheck() {
	if ! bash apps/sqlite3/build.sh fuzzcheck >"$work/fuzzcheck-build.log" 2>&1; then
		echo "FAIL sqlite/fuzzcheck-build: see $work/fuzzcheck-build.log"
		return
	fi
	local db name out st
	for db in "$BUILD"/apps/src/sqlite3/test/fuzzdata*.db; do
		name=$(basename "$db" .db)
		rm -rf "$work/initrd"
		mkdir -p "$work/initrd/t"
		cp "$db" "$work/initrd/t/"
		out=$work/fuzzcheck-$name.log
		"$ukrun" --accel tcg --mem 1G --timeout 1800 --initrd "$work/initrd" \
			"$BUILD/apps/fuzzcheck" "/t/$name.db" </dev/null >"$out" 2>&1
		st=$?
		if [[ $st == 0 ]] && grep -q '^fuzzcheck: 0 errors out of [1-9][0-9]* tests' "$out"; then
			echo "PASS sqlite/fuzzcheck/$name: $(grep -o '0 errors out of [0-9]* tests' "$out")"
		else
			echo "FAIL sqlite/fuzzcheck/$name: status $st: $(tail -n 3 "$out" | tr -d '\r' | tr '\n' ' ' | cut -c1-300)"
		fi
	done
	rm -rf "$work/initrd"
}

# ---------------------------------------------------------------- gnulib

gnulib_tests() {
	local bld=$BUILD/apps/src/findutils/uk-build/gnulib-tests
	if [[ ! -f $bld/Makefile ]]; then
		echo "FAIL gnulib/setup: $bld/Makefile is missing (make apps)"
		return
	fi
	# Linked again (the kernel may have changed), run again.
	rm -f "$bld"/test-*.log "$bld"/test-*.trs "$bld"/test-suite.log
	find "$bld" -maxdepth 1 -name 'test-*' -type f -perm -u+x -newer "$bld/Makefile" \
		! -name '*.sh' -delete
	env -u MAKEFLAGS -u MAKEOVERRIDES -u MFLAGS make -C "$bld" -k -j"${JOBS:-2}" check \
		CCLD="$BUILD/bin/kraftld" LOG_COMPILER="$top/tests/apps/ukrun-test.sh" \
		UKRUN="$ukrun" >"$work/gnulib.log" 2>&1
	if [[ ! -f $bld/test-suite.log ]]; then
		echo "FAIL gnulib/build: no test-suite.log; see $work/gnulib.log: $(grep -m 3 'error' "$work/gnulib.log" | tr '\n' ' ')"
		return
	fi
	local trs result test why
	for trs in "$bld"/test-*.trs; do
		test=$(basename "$trs" .trs)
		result=$(sed -n 's/^:test-result: //p' "$trs" | head -n 1)
		case $result in
		PASS) echo "PASS gnulib/$test" ;;
		SKIP) echo "SKIP gnulib/$test: $(grep -m 1 -v '^$' "$bld/$test.log" | cut -c1-200)" ;;
		*)
			why=$(grep -v '^$' "$bld/$test.log" | grep -v "^$result $test" | head -n 2 | tr '\n' ' ' | cut -c1-300)
			echo "FAIL gnulib/$test: $result $(sed -n 's/.*(exit status: \([0-9]*\)).*/status \1/p' "$bld/$test.log" | head -n 1): $why"
			;;
		esac
	done
}

printf '\n== SQLite fuzzcheck\n'
sqlite_fuzzcheck 2>&1 | record
printf '\n== findutils gnulib tests\n'
gnulib_tests 2>&1 | record
printf '\n== Redis test suite (external server)\n'
bash tests/apps-check-redis.sh 2>&1 | record
printf '\n== CPython\n'
bash tests/apps-check-python3.sh 2>&1 | record
printf '\n== Go package tests\n'
bash tests/apps-check-go.sh 2>&1 | record

passed=$(grep -c '^PASS ' "$results")
failed=$(grep -c '^FAIL ' "$results")
skipped=$(grep -c '^SKIP ' "$results")
echo
echo "$passed passed, $failed failed, $skipped skipped"
[[ $failed == 0 && $passed != 0 ]]
