#!/usr/bin/env bash
# An automake LOG_COMPILER that boots a test program linked by kraftld:
# `make check CCLD=kraftld LOG_COMPILER=.../ukrun-test.sh` runs each test
# under ukrun, its exit status being the test's (77 skip, 99 hard error, as
# automake reads them). A test that is a shell script runs the programs it
# names as host processes, which images are not: it is reported as skipped
# (77), never as passed.
# Env: UKRUN (default: ukrun beside this script's build, from $BUILD),
# UKRUN_TEST_TIMEOUT (seconds, default 120).
set -uo pipefail
test=$1
shift
ukrun=${UKRUN:-${BUILD:-build}/bin/ukrun}
if ! head -c 4 "$test" | grep -q 'ELF'; then
	echo "ukrun-test: $test is not an image (a script that runs host programs): skipped"
	exit 77
fi
exec "$ukrun" --accel tcg --timeout "${UKRUN_TEST_TIMEOUT:-120}" --mem 256M "$test" "$@" </dev/null
