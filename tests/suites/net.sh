#!/usr/bin/env bash
# Networking end to end (ukrun --net over virtio-net, lwIP in the kernel):
# tests/suites/net_app.c in the guest against tests/suites/net_peer.py on
# the host, exchanging a byte pattern both ways and checking every byte.
# Traffic stays on this machine: QEMU user networking's 10.0.2.2 is the
# host's loopback, forwards listen on 127.0.0.1, and the tap cases run in a
# network namespace the suite makes and removes itself.
#   user-dhcp-connect-{microvm,pc}  DHCP address, connect out to 127.0.0.1
#   user-hostfwd-serve-{microvm,pc} serve on a port forwarded from 127.0.0.1
#   user-static-connect             netdev.ip= instead of DHCP
#   resolv-{dhcp,static}            /etc/resolv.conf and /etc/hosts written
#   root-files-kept                 a root's own /etc/resolv.conf stays
#   bad-netdev-ip                   a malformed netdev.ip= stops the boot
#   tap-netns-{microvm,pc}          a tap device in a namespace, static
#                                   address, both directions (root only)
# Run from the repo root with BUILD set; prints PASS/FAIL/SKIP lines, exits 0.
set -uo pipefail
export LC_ALL=C
BUILD=${BUILD:-build}
. tests/suite_lib.sh
ukrun=$(realpath -m "$BUILD/bin/ukrun")
kraftld=$BUILD/bin/kraftld
work=$(realpath -m "$BUILD/tests/net")
peer="python3 $(realpath tests/suites/net_peer.py)"
size=${NET_BYTES:-1000000}
rm -rf "$work"
mkdir -p "$work"

verdicts net

if [[ ! -x $ukrun || ! -x $kraftld ]]; then
	fail build "$ukrun or $kraftld not built"
	exit 0
fi
if ! gcc -O2 -c tests/suites/net_app.c -o "$work/net_app.o" 2>"$work/build.log" ||
	! "$kraftld" -o "$work/net_app" "$work/net_app.o" 2>>"$work/build.log"; then
	fail build "$(head -c 300 "$work/build.log")"
	exit 0
fi
app=$work/net_app

# A free TCP port on 127.0.0.1 for a forward.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# connect_case NAME [ukrun options...]: the host listens on 127.0.0.1, the
# guest connects to it through 10.0.2.2.
connect_case() {
	local name=$1 log=$work/$1
	shift
	rm -f "$log.port"
	$peer server "$log.port" "$size" >"$log.peer" 2>&1 &
	local p=$!
	for _ in $(seq 100); do [[ -s $log.port ]] && break; sleep 0.1; done
	if [[ ! -s $log.port ]]; then
		kill "$p" 2>/dev/null
		fail "$name" "the host server did not start: $(head -c 200 "$log.peer")"
		return
	fi
	"$ukrun" --accel tcg --timeout 120 "$@" "$app" connect 10.0.2.2 "$(cat "$log.port")" "$size" \
		>"$log.guest" 2>&1 </dev/null
	local st=$?
	wait "$p"
	local pst=$?
	if [[ $st != 0 || $pst != 0 ]]; then
		fail "$name" "guest $st, host $pst: $(tail -n 3 "$log.guest" "$log.peer" | tr '\n' ' ')"
	elif ! grep -qx "connected from 10.0.2.15" "$log.guest" ||
		! grep -qx "exchanged $size bytes each way" "$log.guest" ||
		! grep -qx "peer: $size bytes each way with 127.0.0.1" "$log.peer"; then
		fail "$name" "unexpected output: $(tr '\n' ' ' <"$log.guest")"
	else
		pass "$name"
	fi
}

# serve_case NAME MACHINE: the guest serves on port 80, forwarded from a
# port of 127.0.0.1 the host client connects to.
serve_case() {
	local name=$1 machine=$2 log=$work/$1 port
	port=$(free_port)
	"$ukrun" --accel tcg --timeout 120 --machine "$machine" \
		--net "user,hostfwd=tcp:127.0.0.1:$port-:80" "$app" serve 80 "$size" \
		>"$log.guest" 2>&1 </dev/null &
	local g=$!
	$peer client 127.0.0.1 "$port" "$size" >"$log.peer" 2>&1
	local pst=$?
	wait "$g"
	local st=$?
	if [[ $st != 0 || $pst != 0 ]]; then
		fail "$name" "guest $st, host $pst: $(tail -n 3 "$log.guest" "$log.peer" | tr '\n' ' ')"
	elif ! grep -qx "served $size bytes each way" "$log.guest"; then
		fail "$name" "unexpected output: $(tr '\n' ' ' <"$log.guest")"
	else
		pass "$name"
	fi
}

# resolv_case NAME WANT [ukrun options...]: the guest's /etc files.
resolv_case() {
	local name=$1 want=$2 log=$work/$1
	shift 2
	"$ukrun" --accel tcg --timeout 60 "$@" "$app" resolv >"$log.guest" 2>&1 </dev/null
	local st=$?
	local expect
	expect=$(printf '/etc/resolv.conf: %s\n/etc/hosts: 127.0.0.1\tlocalhost\n/etc/hosts: ::1\tlocalhost ip6-localhost ip6-loopback' "$want")
	if [[ $st != 0 ]]; then
		fail "$name" "status $st: $(tail -n 3 "$log.guest" | tr '\n' ' ')"
	elif [[ $(cat "$log.guest") != "$expect" ]]; then
		fail "$name" "got: $(tr '\n' '|' <"$log.guest")"
	else
		pass "$name"
	fi
}

connect_case user-dhcp-connect-microvm --machine microvm --net user
connect_case user-dhcp-connect-pc --machine pc --net user
serve_case user-hostfwd-serve-microvm microvm
serve_case user-hostfwd-serve-pc pc
connect_case user-static-connect --net user --param netdev.ip=10.0.2.15/24:10.0.2.2:10.0.2.3
resolv_case resolv-dhcp "nameserver 10.0.2.3" --net user
resolv_case resolv-static "nameserver 10.0.2.9" --net user --param netdev.ip=10.0.2.15/24:10.0.2.2:10.0.2.9

# A root that has its own /etc/resolv.conf keeps it.
mkdir -p "$work/root/etc"
printf 'nameserver 192.0.2.1\n' >"$work/root/etc/resolv.conf"
"$ukrun" --accel tcg --timeout 60 --net user --initrd "$work/root" "$app" resolv \
	>"$work/root-files-kept.guest" 2>&1 </dev/null
if grep -qx "/etc/resolv.conf: nameserver 192.0.2.1" "$work/root-files-kept.guest" &&
	[[ $(grep -c resolv.conf "$work/root-files-kept.guest") == 1 ]] &&
	grep -q "/etc/hosts: 127.0.0.1" "$work/root-files-kept.guest"; then
	pass root-files-kept
else
	fail root-files-kept "got: $(tr '\n' '|' <"$work/root-files-kept.guest")"
fi

# A malformed address is a boot error (250), as other bad parameters are.
bad=""
for v in 10.0.2.15 10.0.2.15/33 10.0.2/24 10.0.2.15/24:gw 10.0.2.15/24:10.0.2.2:10.0.2.300; do
	"$ukrun" --accel tcg --timeout 60 --net user --param "netdev.ip=$v" "$app" resolv \
		>"$work/bad.guest" 2>&1 </dev/null
	st=$?
	if [[ $st != 250 ]] || ! grep -q "netdev.ip" "$work/bad.guest"; then bad+="$v: status $st; "; fi
done
if [[ -z $bad ]]; then pass bad-netdev-ip; else fail bad-netdev-ip "$bad"; fi

# A tap device in a network namespace made here: the guest 10.9.0.2/24,
# the host side of the tap 10.9.0.1 inside the namespace.
tap_case() {
	local name=$1 machine=$2 ns=uknet$$ log=$work/$1
	if ! tap_netns "$ns" "$log.setup"; then
		skip "$name" "cannot make a network namespace with a tap device: $(head -c 200 "$log.setup")"
		return
	fi
	local opts=(--accel tcg --timeout 120 --machine "$machine" --net tap:uktap0
		--param netdev.ip=10.9.0.2/24:10.9.0.1)
	# Guest to host: a server on the namespace's side of the tap.
	rm -f "$log.port"
	ip netns exec "$ns" $peer server "$log.port" "$size" 10.9.0.1 >"$log.peer" 2>&1 &
	local p=$!
	for _ in $(seq 100); do [[ -s $log.port ]] && break; sleep 0.1; done
	local why=""
	if [[ ! -s $log.port ]]; then
		why="the server did not start: $(head -c 200 "$log.peer")"
		kill "$p" 2>/dev/null
	else
		ip netns exec "$ns" "$ukrun" "${opts[@]}" "$app" connect 10.9.0.1 "$(cat "$log.port")" \
			"$size" >"$log.guest" 2>&1 </dev/null
		local st=$?
		wait "$p"
		local pst=$?
		if [[ $st != 0 || $pst != 0 ]] || ! grep -qx "connected from 10.9.0.2" "$log.guest"; then
			why="connect: guest $st, host $pst: $(tail -n 3 "$log.guest" "$log.peer" | tr '\n' ' ')"
		fi
	fi
	# Host to guest: the guest serves, the namespace connects to 10.9.0.2.
	if [[ -z $why ]]; then
		ip netns exec "$ns" "$ukrun" "${opts[@]}" "$app" serve 80 "$size" >"$log.guest2" 2>&1 \
			</dev/null &
		local g=$!
		ip netns exec "$ns" $peer client 10.9.0.2 80 "$size" >"$log.peer2" 2>&1
		local pst=$?
		wait "$g"
		local st=$?
		if [[ $st != 0 || $pst != 0 ]]; then
			why="serve: guest $st, host $pst: $(tail -n 3 "$log.guest2" "$log.peer2" | tr '\n' ' ')"
		fi
	fi
	ip netns del "$ns"
	if [[ -z $why ]]; then pass "$name"; else fail "$name" "$why"; fi
}

if [[ $(id -u) == 0 ]] && command -v ip >/dev/null; then
	tap_case tap-netns-microvm microvm
	tap_case tap-netns-pc pc
else
	skip tap-netns "needs root and ip(8) to make a network namespace"
fi
exit 0
