#!/usr/bin/env bash
# The VFS core on the host (tests/unit/vfs.mk): path lookup, mounts and
# ramfs, as GoogleTest cases.
set -uo pipefail
BUILD=${BUILD:-build}
bin=$BUILD/tests/vfs_tests
log=$BUILD/tests/vfs_tests.log
if [ ! -x "$bin" ]; then
	echo "FAIL vfs-host: $bin was not built"
	exit 0
fi
"$bin" >"$log" 2>&1
rc=$?
sed -n 's/^\[       OK \] \([^ ]*\).*/PASS vfs-host\/\1/p' "$log"
sed -n 's/^\[  FAILED  \] \([^ ,]*\) (.*/FAIL vfs-host\/\1: see '"${log//\//\\/}"'/p' "$log"
if [ $rc != 0 ] && ! grep -q '^\[  FAILED  \]' "$log"; then
	echo "FAIL vfs-host: the test binary exited with $rc"
	tail -20 "$log"
fi
