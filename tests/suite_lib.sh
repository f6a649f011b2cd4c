# Shell functions the suites in tests/suites/ share; sourced, not run.

# step NAME LOG COMMAND...: runs a build step quietly; on failure prints
# FAIL with the log's tail and returns 1.
step() {
	local name=$1 log=$2
	shift 2
	if "$@" >"$log" 2>&1 </dev/null; then
		return 0
	fi
	echo "FAIL $name: '$*' failed"
	tail -20 "$log" | sed 's/^/    | /'
	return 1
}
