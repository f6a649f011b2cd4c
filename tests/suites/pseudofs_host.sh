#!/usr/bin/env bash
# The file systems behind /proc and /sys on the host
# (tests/unit/vfs_pseudofs.mk), as GoogleTest cases.
set -uo pipefail
BUILD=${BUILD:-build}
bin=$BUILD/tests/pseudofs_tests
log=$BUILD/tests/pseudofs_tests.log
if [ ! -x "$bin" ]; then
	echo "FAIL pseudofs-host: $bin was not built"
	exit 0
fi
"$bin" >"$log" 2>&1
rc=$?
sed -n 's/^\[       OK \] \([^ ]*\).*/PASS pseudofs-host\/\1/p' "$log"
sed -n 's/^\[  FAILED  \] \([^ ,]*\) (.*/FAIL pseudofs-host\/\1: see '"${log//\//\\/}"'/p' "$log"
if [ $rc != 0 ] && ! grep -q '^\[  FAILED  \]' "$log"; then
	echo "FAIL pseudofs-host: the test binary exited with $rc"
	tail -20 "$log"
fi
