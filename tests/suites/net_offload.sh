#!/usr/bin/env bash
# virtio-net offloads end to end: tests/suites/net_offload_app.c in the
# guest on a tap device in a network namespace this suite makes, driven by
# tests/suites/net_offload_peer.py inside the namespace: TCP transfers of
# several sizes both ways over IPv4 and IPv6 (SHA-256 compared), UDP
# datagrams echoed over both (fragmented ones too).
#   offload-{microvm,pc}    QEMU's tap with its vnet header: the device
#                           offers checksum offload and large segments both
#                           ways, the driver takes them (the tap's checksum
#                           and TSO flags, which QEMU sets from what the
#                           driver accepted, are on) and sends the largest
#                           transfer in frames of several segments each
#   no-offload-{microvm,pc} the same with every offload of the device off
#                           (ukrun --net tap:NAME,offload=off)
# Prints the throughput each way as information (NET_OFFLOAD_SIZES sets the
# transfer sizes, the largest is timed). Root only. Run from the repo root
# with BUILD set; prints PASS/FAIL/SKIP lines, exits 0.
set -uo pipefail
export LC_ALL=C
BUILD=${BUILD:-build}
. tests/suite_lib.sh
ukrun=$(realpath -m "$BUILD/bin/ukrun")
kraftld=$BUILD/bin/kraftld
work=$(realpath -m "$BUILD/tests/net_offload")
peer="python3 $(realpath tests/suites/net_offload_peer.py)"
read -r -a sizes <<<"${NET_OFFLOAD_SIZES:-1 1460 1461 65536 1048576 8388608}"
rm -rf "$work"
mkdir -p "$work"

verdicts net_offload

if [[ ! -x $ukrun || ! -x $kraftld ]]; then
	fail build "$ukrun or $kraftld not built"
	exit 0
fi
if [[ $(id -u) != 0 ]] || ! command -v ip >/dev/null; then
	skip all "needs root and ip(8) to make a network namespace"
	exit 0
fi
if ! gcc -O2 -c tests/suites/net_offload_app.c -o "$work/app.o" 2>"$work/build.log" ||
	! "$kraftld" -o "$work/app" "$work/app.o" 2>>"$work/build.log"; then
	fail build "$(head -c 300 "$work/build.log")"
	exit 0
fi
app=$work/app

# run_case NAME MACHINE TAP-OPTIONS OFFLOADS: the guest 10.9.1.2/24 and
# fd00:9::5054:ff:fe12:3456 (autoconfigured from the peer's advertisement
# of fd00:9::/64 and QEMU's default MAC), the namespace's side of the tap
# 10.9.1.1 and fd00:9::1 (no duplicate address detection there: the
# advertisement must come from its link-local address at once).
run_case() {
	local name=$1 machine=$2 tapopts=$3 want=$4 ns=ukoff$$ log=$work/$1
	if ! tap_netns "$ns" "$log.setup" 10.9.1.1/24 "fd00:9::1/64 nodad" ||
		! ip netns exec "$ns" sysctl -qw net.ipv6.conf.uktap0.accept_dad=0 2>>"$log.setup"; then
		ip netns del "$ns" 2>/dev/null
		fail "$name" "cannot make a network namespace with a tap device: $(head -c 200 "$log.setup")"
		return
	fi
	ip netns exec "$ns" "$ukrun" --accel tcg --timeout 600 --mem 128M --machine "$machine" \
		--net "tap:uktap0$tapopts" --param netdev.ip=10.9.1.2/24:10.9.1.1 "$app" 5001 \
		>"$log.guest" 2>&1 </dev/null &
	local g=$!
	ip netns exec "$ns" $peer 10.9.1.2 fd00:9::5054:ff:fe12:3456%uktap0 5001 "${sizes[@]}" \
		>"$log.peer" 2>&1
	local pst=$?
	[[ $pst == 0 ]] || kill "$g" 2>/dev/null
	wait "$g"
	local st=$?
	ip netns del "$ns"
	if [[ $st != 0 || $pst != 0 ]]; then
		fail "$name" "guest $st, host $pst: $(tail -n 3 "$log.guest" "$log.peer" | tr '\n' ' ')"
	elif ! grep -qx "quit" "$log.guest" || ! grep -qx "peer: all checks passed" "$log.peer"; then
		fail "$name" "unexpected output: $(tr '\n' ' ' <"$log.peer")"
	elif ! grep -qx "tap offloads: $want" "$log.peer"; then
		fail "$name" "want tap offloads $want: $(grep "tap offloads" "$log.peer")"
	else
		pass "$name"
	fi
	sed -n -e "s/^throughput /INFO net_offload\/$name: /p" \
		-e "s/^frames /INFO net_offload\/$name: frames /p" "$log.peer"
}

run_case offload-microvm microvm "" "csum=on tso=on"
run_case offload-pc pc "" "csum=on tso=on"
run_case no-offload-microvm microvm ",offload=off" "csum=off tso=off"
run_case no-offload-pc pc ",offload=off" "csum=off tso=off"
exit 0
