#!/usr/bin/env bash
# Redis 7 (Debian's redis source package, apps/redis/build.sh) serving the
# host's redis-cli and redis-benchmark over QEMU user networking: a port of
# 127.0.0.1 forwarded to the guest's 6379, the configuration and the data
# directory on a 9p share. Traffic stays on this machine.
#   commands-{microvm,pc}   PING, strings, counters, lists, hashes, expiry,
#                           each answer as Redis gives it; SHUTDOWN ends
#                           the VM with status 0
#   bench-{plain,pipelined} redis-benchmark SET and GET, 10 clients, without
#                           and with -P 16: every request counted by the
#                           server (INFO commandstats), none failed or
#                           rejected, no error
#   rdb-*                   SAVE writes dump.rdb to the share, the host's
#                           redis-check-rdb reads it, a new boot loads it
#   aof-*                   appendonly yes (rewrites off: there is no fork):
#                           the AOF on the share holds the writes, the host's
#                           redis-check-aof accepts it, a new boot replays it
#   soak-*                  redis-benchmark for SOAK_SECONDS (default 10)
#                           with mem.report: no failed request, the server
#                           answers afterwards, and the kernel's memory in
#                           use stays flat after a warm-up round
# Run from the repo root with BUILD set; prints PASS/FAIL lines, exits 0.
set -uo pipefail
export LC_ALL=C
BUILD=${BUILD:-build}
. tests/suite_lib.sh
ukrun=$(realpath -m "$BUILD/bin/ukrun")
server=$(realpath -m "$BUILD/apps/redis-server")
work=$(realpath -m "$BUILD/tests/redis")
soak_seconds=${SOAK_SECONDS:-10}
rm -rf "$work"
mkdir -p "$work"

verdicts redis
info() { echo "redis: $*"; }

if [[ ! -x $ukrun || ! -x $server ]]; then
	fail build "$ukrun or $server not built (make apps)"
	exit 0
fi
for tool in redis-cli redis-benchmark redis-check-rdb redis-check-aof; do
	if ! command -v "$tool" >/dev/null; then
		fail build "$tool is missing (tools/deps.sh installs redis-tools)"
		exit 0
	fi
done

# A free TCP port on 127.0.0.1 for the forward.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# write_conf DIR EXTRA-LINES: DIR/redis.conf, the data in /data (DIR).
write_conf() {
	mkdir -p "$1"
	{
		printf '%s\n' 'bind 0.0.0.0' 'port 6379' 'protected-mode no' 'daemonize no' \
			'logfile ""' 'dir /data' 'save ""'
		printf '%s\n' "$2"
	} >"$1/redis.conf"
}

# boot NAME DIR [ukrun options...]: starts redis-server on the share DIR,
# its console in $work/NAME.out, and waits until it answers PING. Sets
# port and vm (ukrun's pid); false when it does not come up.
port=0 vm=0 cur=""
boot() {
	local name=$1 dir=$2
	shift 2
	cur=$name
	port=$(free_port)
	"$ukrun" --accel tcg --timeout 600 --mem 256M "$@" \
		--net "user,hostfwd=tcp:127.0.0.1:$port-:6379" --share "$dir:/data" \
		"$server" /data/redis.conf >"$work/$name.out" 2>&1 </dev/null &
	vm=$!
	local _
	for _ in $(seq 240); do
		[[ $(redis-cli -p "$port" PING 2>/dev/null) == PONG ]] && return 0
		kill -0 "$vm" 2>/dev/null || break
		sleep 0.25
	done
	return 1
}

# cli ARGS...: one command to the server booted last.
cli() { timeout 60 redis-cli -p "$port" "$@" 2>&1; }

# shutdown_case NAME: SHUTDOWN ends the VM with status 0 (within a minute;
# a VM still running then is stopped and the case fails).
shutdown_case() {
	cli SHUTDOWN >"$work/$cur.shutdown" 2>&1
	local st=0 _
	for _ in $(seq 240); do
		kill -0 "$vm" 2>/dev/null || break
		sleep 0.25
	done
	if kill -0 "$vm" 2>/dev/null; then
		stop_vm
		fail "$1" "the VM still ran a minute after SHUTDOWN: $(grep -v 'uk: mem' "$work/$cur.out" | tail -n 3 | tr '\n' ' ')"
		return
	fi
	wait "$vm" || st=$?
	sed -i 's/\r$//' "$work/$cur.out"
	if [[ $st != 0 ]]; then
		fail "$1" "ukrun exited $st after SHUTDOWN: $(tail -n 5 "$work/$cur.out" | tr '\n' ' ')"
	else
		pass "$1"
	fi
}

# stop_vm: ends a VM that is still running (a failed case).
stop_vm() {
	if kill -0 "$vm" 2>/dev/null; then
		kill "$vm" 2>/dev/null
		wait "$vm" 2>/dev/null
	fi
}

# expect NAME WANT-FILE GOT-FILE: PASS when they are equal.
expect() {
	if cmp -s "$2" "$3"; then
		pass "$1"
	else
		fail "$1" "answers differ (< want, > got): $(diff "$2" "$3" | head -n 10 | tr '\n' ' ')"
	fi
}

# ---------------------------------------------------------------- commands

for machine in microvm pc; do
	name=commands-$machine
	write_conf "$work/$name" ""
	if ! boot "$name" "$work/$name" --machine "$machine"; then
		fail "$name" "the server did not answer: $(tail -n 5 "$work/$name.out" | tr '\n' ' ')"
		stop_vm
		continue
	fi
	{
		cli PING
		cli SET greeting "hello world"
		cli GET greeting
		cli GET missing
		cli INCR counter
		cli INCR counter
		cli INCRBY counter 40
		cli INCR greeting
		cli LPUSH list a b c
		cli RPUSH list z
		cli LRANGE list 0 -1
		cli LLEN list
		cli HSET hash f1 v1 f2 v2
		cli HGET hash f2
		cli HLEN hash
		cli EXPIRE greeting 1000
		cli TTL counter
		cli TTL missing
		cli DBSIZE
	} >"$work/$name.got"
	# redis-cli 7.0 ends an error reply with an empty line when not on a terminal.
	printf '%s\n' PONG OK 'hello world' '' 1 2 42 'ERR value is not an integer or out of range' '' \
		3 4 c b a z 4 2 v2 2 1 -1 -2 4 >"$work/$name.want"
	expect "$name" "$work/$name.want" "$work/$name.got"
	# TTL counts down from what EXPIRE set: between 1 and 1000 seconds.
	ttl=$(cli TTL greeting)
	if [[ $ttl =~ ^[0-9]+$ ]] && ((ttl >= 1 && ttl <= 1000)); then
		pass "$name-ttl"
	else
		fail "$name-ttl" "TTL after EXPIRE 1000 is '$ttl'"
	fi
	shutdown_case "$name-shutdown"
done

# ---------------------------------------------------------------- benchmark

# bench NAME REQUESTS BENCHMARK-OPTIONS...: SET and GET, REQUESTS each; the
# server must have counted exactly that many of each, none failed.
bench() {
	local name=$1 n=$2
	shift 2
	cli CONFIG RESETSTAT >/dev/null
	timeout 120 redis-benchmark -p "$port" -q -n "$n" -c 10 -t set,get "$@" \
		>"$work/$name.bench" 2>"$work/$name.bench-err"
	local st=$?
	tr '\r' '\n' <"$work/$name.bench" | grep 'requests per second' >"$work/$name.rps"
	cli INFO commandstats >"$work/$name.stats"
	cli INFO errorstats >"$work/$name.errors"
	local want_set want_get
	want_set="cmdstat_set:calls=$n,"
	want_get="cmdstat_get:calls=$n,"
	if [[ $st != 0 ]]; then
		fail "$name" "redis-benchmark exited $st: $(head -c 300 "$work/$name.bench-err")"
	elif [[ -s $work/$name.bench-err ]]; then
		fail "$name" "redis-benchmark reported: $(head -c 300 "$work/$name.bench-err")"
	elif ! grep -q "^SET: .* requests per second" "$work/$name.rps" ||
		! grep -q "^GET: .* requests per second" "$work/$name.rps"; then
		fail "$name" "no SET and GET results: $(head -c 300 "$work/$name.bench")"
	elif ! grep -q "^$want_set.*,rejected_calls=0,failed_calls=0" "$work/$name.stats" ||
		! grep -q "^$want_get.*,rejected_calls=0,failed_calls=0" "$work/$name.stats"; then
		fail "$name" "the server counted other calls: $(grep -E 'cmdstat_(set|get):' "$work/$name.stats" | tr '\r\n' '  ')"
	elif grep -q '^errorstat_' "$work/$name.errors"; then
		fail "$name" "errors: $(grep '^errorstat_' "$work/$name.errors" | tr '\r\n' '  ')"
	else
		pass "$name"
		info "$name: $(tr '\n' ' ' <"$work/$name.rps")"
	fi
}

name=bench
write_conf "$work/$name" ""
if boot "$name" "$work/$name"; then
	bench bench-plain 5000
	bench bench-pipelined 20000 -P 16
	shutdown_case bench-shutdown
else
	fail bench "the server did not answer: $(tail -n 5 "$work/$name.out" | tr '\n' ' ')"
	stop_vm
fi

# ---------------------------------------------------------------- persistence

# fill: the keys each persistence case writes and reads back.
fill() {
	cli SET s1 "first value"
	cli SET s2 "$(printf 'x%.0s' $(seq 1 3000))"
	cli INCRBY n 41
	cli INCR n
	cli RPUSH l one two three
	cli HSET h a 1 b 2 c 3
	cli SADD set m1 m2
	cli EXPIRE s1 100000
}
fill_want() { printf '%s\n' OK OK 41 42 3 3 2 1; }

# readback: what a new boot must answer for those keys.
readback() {
	cli DBSIZE
	cli GET s1
	cli STRLEN s2
	cli GET n
	cli LRANGE l 0 -1
	cli HGETALL h
	cli SCARD set
	local ttl
	ttl=$(cli TTL s1)
	[[ $ttl =~ ^[0-9]+$ ]] && ((ttl >= 1 && ttl <= 100000)) && echo "ttl kept" || echo "ttl $ttl"
	cli TTL n
}
readback_want() {
	printf '%s\n' 6 'first value' 3000 42 one two three a 1 b 2 c 3 2 'ttl kept' -1
}

# persist_case KIND CONF-LINES: boot, fill, KIND's checks, shutdown, boot
# again on the same share, read back, shutdown.
persist_case() {
	local kind=$1 dir=$work/$1
	write_conf "$dir" "$2"
	fill_want >"$work/$kind.fill-want"
	readback_want >"$work/$kind.read-want"
	if ! boot "$kind-1" "$dir"; then
		fail "$kind" "the server did not answer: $(tail -n 5 "$work/$kind-1.out" | tr '\n' ' ')"
		stop_vm
		return
	fi
	fill >"$work/$kind.fill-got"
	expect "$kind-write" "$work/$kind.fill-want" "$work/$kind.fill-got"
	case $kind in
	rdb) rdb_written ;;
	aof) aof_written ;;
	esac
	shutdown_case "$kind-shutdown"
	if grep -qi 'fork' "$work/$kind-1.out"; then
		fail "$kind-no-fork" "the server tried to fork: $(grep -i fork "$work/$kind-1.out" | head -n 2 | tr '\n' ' ')"
	else
		pass "$kind-no-fork"
	fi
	if ! boot "$kind-2" "$dir"; then
		fail "$kind-restart" "the server did not answer: $(tail -n 5 "$work/$kind-2.out" | tr '\n' ' ')"
		stop_vm
		return
	fi
	readback >"$work/$kind.read-got"
	expect "$kind-read-back" "$work/$kind.read-want" "$work/$kind.read-got"
	shutdown_case "$kind-restart-shutdown"
}

# RDB: SAVE writes dump.rdb, which the host's redis-check-rdb reads.
rdb_written() {
	local dir=$work/rdb
	rm -f "$dir/dump.rdb"
	local ans
	ans=$(cli SAVE)
	if [[ $ans != OK || ! -s $dir/dump.rdb ]]; then
		fail rdb-save "SAVE answered '$ans'; dump.rdb on the host: $(ls -l "$dir" | tr '\n' ' ')"
	elif ! redis-check-rdb "$dir/dump.rdb" >"$work/rdb.check" 2>&1 ||
		! grep -q '6 keys read' "$work/rdb.check" || ! grep -q '1 expires' "$work/rdb.check"; then
		fail rdb-save "redis-check-rdb: $(tail -n 5 "$work/rdb.check" | tr '\n' ' ')"
	else
		pass rdb-save
	fi
}
persist_case rdb ""

# AOF: every write is in the incr file on the share once its answer is in
# (appendfsync always), and redis-check-aof accepts the manifest.
aof_written() {
	local dir=$work/aof/appendonlydir
	local incr
	incr=$(find "$dir" -name '*.incr.aof' 2>/dev/null | head -n 1)
	if [[ ! -f $dir/appendonly.aof.manifest || -z $incr ]]; then
		fail aof-files "no manifest or incr file on the host: $(ls -l "$dir" 2>&1 | tr '\n' ' ')"
	elif ! grep -qa '^first value' "$incr" || ! grep -qa '^RPUSH' "$incr" || ! grep -qa '^HSET' "$incr"; then
		fail aof-files "the incr file lacks the writes: $(head -c 300 "$incr" | tr '\r\n' '  ')"
	elif ! redis-check-aof "$dir/appendonly.aof.manifest" >"$work/aof.check" 2>&1 ||
		! grep -q 'is valid' "$work/aof.check"; then
		fail aof-files "redis-check-aof: $(tail -n 5 "$work/aof.check" | tr '\n' ' ')"
	else
		pass aof-files
	fi
}
persist_case aof "$(printf '%s\n' 'appendonly yes' 'appendfsync always' 'auto-aof-rewrite-percentage 0')"

# ---------------------------------------------------------------- soak

# mem_used FILE: the used= figures of the kernel's memory reports, one a line.
mem_used() { sed -n 's/.*uk: mem used=\([0-9]*\) peak=.*/\1/p' "$1"; }

name=soak
write_conf "$work/$name" ""
if boot "$name" "$work/$name" --param mem.report=1; then
	opts=(-p "$port" -q -c 10 -t "set,get" -r 1000 -d 64)
	# Warm-up: the key space and the connection structures reach their size.
	timeout 120 redis-benchmark "${opts[@]}" -n 3000 >/dev/null 2>&1
	sleep 2
	base=$(mem_used "$work/$name.out" | tail -n 1)
	nbase=$(mem_used "$work/$name.out" | wc -l)
	cli CONFIG RESETSTAT >/dev/null
	rounds=0 errs=0 start=$SECONDS
	while ((SECONDS - start < soak_seconds)); do
		timeout 120 redis-benchmark "${opts[@]}" -n 2000 >"$work/$name.round" 2>"$work/$name.round-err" ||
			errs=$((errs + 1))
		[[ -s $work/$name.round-err ]] && errs=$((errs + 1)) && cat "$work/$name.round-err" >>"$work/$name.errs"
		rounds=$((rounds + 1))
		((errs)) && break
	done
	sleep 2
	cli INFO commandstats >"$work/$name.stats"
	cli INFO errorstats >"$work/$name.errors"
	total=$((rounds * 2000))
	if ((errs)) || ! grep -q "^cmdstat_set:calls=$total,.*rejected_calls=0,failed_calls=0" "$work/$name.stats" ||
		! grep -q "^cmdstat_get:calls=$total,.*rejected_calls=0,failed_calls=0" "$work/$name.stats" ||
		grep -q '^errorstat_' "$work/$name.errors"; then
		fail soak-requests "$errs failed rounds of $rounds; $(grep -E 'cmdstat_(set|get):|errorstat_' \
			"$work/$name.stats" "$work/$name.errors" | tr '\r\n' '  ')"
	else
		pass soak-requests
		info "soak: $rounds rounds, $total SET and $total GET in about $soak_seconds s"
	fi
	if [[ $(cli PING) == PONG && $(cli SET after soak) == OK && $(cli GET after) == soak ]]; then
		pass soak-answers-after
	else
		fail soak-answers-after "PING/SET/GET after the soak failed"
	fi
	shutdown_case soak-shutdown
	# The reports during the soak and the one at exit, against the last one
	# before it: a leak of even a few bytes per request shows over tens of
	# thousands of requests; allowed is an eighth of the base (and 1 MiB).
	mapfile -t used < <(mem_used "$work/$name.out" | tail -n +"$((nbase + 1))")
	if [[ -z $base ]] || ((${#used[@]} < 3)); then
		fail soak-memory-flat "too few 'uk: mem used=' reports after the warm-up (${#used[@]}): is mem.report in the kernel?"
	else
		max=0
		for u in "${used[@]}"; do ((u > max)) && max=$u; done
		slack=$((base / 8 > 1048576 ? base / 8 : 1048576))
		if ((max > base + slack)); then
			fail soak-memory-flat "used $base bytes after the warm-up, up to $max during the soak"
		else
			pass soak-memory-flat
			info "soak memory: used $base after the warm-up, at most $max, ${used[-1]} at exit (${#used[@]} reports)"
		fi
	fi
else
	fail soak "the server did not answer: $(tail -n 5 "$work/$name.out" | tr '\n' ' ')"
	stop_vm
fi
exit 0
