#!/usr/bin/env bash
# Pipes, epoll and eventfd on the host (tests/unit/vfs_readiness.mk), as
# GoogleTest cases.
set -uo pipefail
BUILD=${BUILD:-build}
bin=$BUILD/tests/readiness_tests
log=$BUILD/tests/readiness_tests.log
if [ ! -x "$bin" ]; then
	echo "FAIL readiness-host: $bin was not built"
	exit 0
fi
"$bin" >"$log" 2>&1
rc=$?
sed -n 's/^\[       OK \] \([^ ]*\).*/PASS readiness-host\/\1/p' "$log"
sed -n 's/^\[  FAILED  \] \([^ ,]*\) (.*/FAIL readiness-host\/\1: see '"${log//\//\\/}"'/p' "$log"
if [ $rc != 0 ] && ! grep -q '^\[  FAILED  \]' "$log"; then
	echo "FAIL readiness-host: the test binary exited with $rc"
	tail -20 "$log"
fi
