#!/usr/bin/env bash
# Bad traffic never crashes or wedges the kernel: the guest server
# tests/suites/net_faults_app.c on a tap device, in a network namespace
# this suite makes and removes, gets malformed, truncated and garbage
# frames, bad checksums and lengths, IP options and fragments, a SYN flood,
# half-open connections and abrupt resets from tests/suites/net_faults.py
# (raw frames on the namespace's side of the tap, addressed to the guest
# only). After each attack the guest must still answer TCP and UDP
# requests correctly; at the end it exits 0 on request, and its exit report
# (mem.report=0) is there.
#   net_faults/before, garbage, truncated, checksums, lengths,
#   options-fragments, syn-flood, half-open, resets   one line per attack
#   net_faults/exit                                   clean exit, status 0
#   net_faults/exit-drain   the guest writes 4 MB and exits at once: every
#                           byte still reaches the peer (the kernel drains
#                           its connections after the app is gone)
#   net_faults/link-flap    the same while the tap's link goes down three
#                           times: what was lost is sent again, intact
#   net_faults/*-sendfile   both, with sendfile(2) from a file in the initrd
#                           (bytes the kernel sends without copying them)
# Needs root and ip(8) (a namespace); prints PASS/FAIL/SKIP lines, exits 0.
set -uo pipefail
export LC_ALL=C
BUILD=${BUILD:-build}
. tests/suite_lib.sh
ukrun=$(realpath -m "$BUILD/bin/ukrun")
kraftld=$BUILD/bin/kraftld
work=$(realpath -m "$BUILD/tests/net_faults")
attacker=$(realpath tests/suites/net_faults.py)
rm -rf "$work"
mkdir -p "$work"

verdicts net_faults

if [[ ! -x $ukrun || ! -x $kraftld ]]; then
	fail build "$ukrun or $kraftld not built"
	exit 0
fi
if ! gcc -O2 -c tests/suites/net_faults_app.c -o "$work/app.o" 2>"$work/build.log" ||
	! "$kraftld" -o "$work/app" "$work/app.o" 2>>"$work/build.log"; then
	fail build "$(head -c 300 "$work/build.log")"
	exit 0
fi
if [[ $(id -u) != 0 ]] || ! command -v ip >/dev/null; then
	skip all "needs root and ip(8) to make a network namespace"
	exit 0
fi

run_case() {
	local machine=$1 ns=ukfault$$ log=$work/$1
	if ! tap_netns "$ns" "$log.setup"; then
		skip "$machine" "cannot make a network namespace with a tap device: $(head -c 200 "$log.setup")"
		return
	fi
	ip netns exec "$ns" "$ukrun" --accel tcg --timeout 900 --machine "$machine" --mem 64M \
		--net tap:uktap0 --param netdev.ip=10.9.0.2/24:10.9.0.1 --param mem.report=0 \
		"$work/app" >"$log.guest" 2>&1 </dev/null &
	local g=$!
	ip netns exec "$ns" timeout 800 python3 "$attacker" uktap0 10.9.0.2 10.9.0.1 >"$log.attack" 2>&1
	local ast=$?
	# The guest ends on QUIT; a wedged one is stopped here.
	local st=""
	for _ in $(seq 600); do
		if ! kill -0 "$g" 2>/dev/null; then
			wait "$g"
			st=$?
			break
		fi
		sleep 0.1
	done
	if [[ -z $st ]]; then
		kill "$g" 2>/dev/null
		wait "$g"
		st=timeout
	fi
	ip netns del "$ns"
	sed -n "s/^\(PASS\|FAIL\) net_faults\//\1 net_faults\/$machine-/p" "$log.attack"
	local n
	n=$(grep -c '^PASS ' "$log.attack")
	if [[ $ast != 0 || $n != 9 ]]; then
		fail "$machine-attacks" "status $ast, $n of 9 passed: $(grep -v '^PASS' "$log.attack" | tail -n 5 | tr '\n' ' ')"
	fi
	if [[ $st == 0 ]] && grep -qx "quit: bye" "$log.attack" &&
		grep -q '^accepted [0-9]* connections$' "$log.guest" &&
		grep -Eq '^uk: mem used=[0-9]+ peak=[0-9]+ kernel=[0-9]+$' "$log.guest" &&
		! grep -q 'uk: panic' "$log.guest"; then
		pass "$machine-exit"
	else
		fail "$machine-exit" "guest $st: $(tail -n 4 "$log.guest" | tr '\n' ' ')"
	fi
}

run_case microvm
run_case pc

n_send=4000000
mkdir -p "$work/root"
python3 "$attacker" pattern "$n_send" >"$work/root/pattern"

# send_case MACHINE MODE NAME HOW [ukrun args]: the guest writes 4 MB (HOW:
# write or sendfile) and exits at once; the peer (net_faults.py MODE) must
# get every byte, intact.
send_case() {
	local machine=$1 mode=$2 name=$3 how=$4 ns=uksend$$ log=$work/$2-$4-$1 n=$n_send
	shift 4
	local verdict=$name guest=(send "$n")
	if [[ $how == sendfile ]]; then
		verdict=$name-sendfile
		guest=(sendfile /pattern)
		set -- "$@" --initrd "$work/root"
	fi
	if ! tap_netns "$ns" "$log.setup"; then
		skip "$machine-$verdict" "cannot make a network namespace with a tap device: $(head -c 200 "$log.setup")"
		return
	fi
	ip netns exec "$ns" "$ukrun" --accel tcg --timeout 300 --machine "$machine" \
		--net tap:uktap0 --param netdev.ip=10.9.0.2/24:10.9.0.1 "$@" \
		"$work/app" "${guest[@]}" >"$log.guest" 2>&1 </dev/null &
	local g=$!
	ip netns exec "$ns" timeout 200 python3 "$attacker" uktap0 10.9.0.2 10.9.0.1 "$mode" "$n" \
		>"$log.attack" 2>&1
	wait "$g"
	local st=$?
	ip netns del "$ns"
	if [[ $st == 0 ]] && grep -qx "PASS net_faults/$name" "$log.attack" &&
		grep -qx "wrote $n bytes" "$log.guest"; then
		pass "$machine-$verdict"
	else
		fail "$machine-$verdict" "guest $st: $(tail -n 2 "$log.guest" "$log.attack" | tr '\n' ' ')"
	fi
}

# exit-drain: the peer's window opens only as it reads; the kernel drains
# what the app left behind. link-flap: the tap's link goes down three times
# while the guest sends; what it sent then is lost and must be sent again
# (the driver may still hold the frames' bytes, which lwIP will not resend
# until they are given back).
for how in write sendfile; do
	send_case microvm drain exit-drain "$how"
	send_case pc drain exit-drain "$how"
	send_case microvm flap link-flap "$how" --param net.exit_timeout=120
	send_case pc flap link-flap "$how" --param net.exit_timeout=120
done
exit 0
