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

# tap_netns NS LOG [ADDR...]: makes the network namespace NS with lo up and
# a tap device uktap0, up, with each ADDR (`ip addr add` arguments, default
# 10.9.0.1/24); messages go to LOG. On failure removes what it made and
# returns 1.
tap_netns() {
	local ns=$1 log=$2 a
	shift 2
	(($#)) || set -- 10.9.0.1/24
	ip netns add "$ns" 2>"$log" || return 1
	if ip netns exec "$ns" ip tuntap add dev uktap0 mode tap 2>>"$log"; then
		for a in "$@"; do
			# shellcheck disable=SC2086 # an address may carry flags (nodad)
			ip netns exec "$ns" ip addr add $a dev uktap0 2>>"$log" || break
		done && ip netns exec "$ns" ip link set uktap0 up 2>>"$log" &&
			ip netns exec "$ns" ip link set lo up 2>>"$log" && return 0
	fi
	ip netns del "$ns" 2>/dev/null
	return 1
}

# verdicts SUITE: defines pass NAME, fail NAME WHY and skip NAME WHY, which
# print the suite's verdict lines (PASS SUITE/NAME, ...).
verdicts() {
	eval "pass() { echo \"PASS $1/\$1\"; }
fail() { echo \"FAIL $1/\$1: \$2\"; }
skip() { echo \"SKIP $1/\$1: \$2\"; }"
}
