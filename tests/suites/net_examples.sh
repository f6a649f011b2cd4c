#!/usr/bin/env bash
# The network examples as users build them, answering real clients:
# examples-c/httpd (gcc + kraftld), examples-cpp/fetch (g++ + kraftld) and
# examples-rust/echo (cargo, kraftld as linker), with the host side in
# tests/suites/net_examples_peer.py.
#   httpd-native            httpd.c builds with plain gcc and answers on Linux
#                           (the builtin, keepalive and reuse checks)
#   httpd-builtin           the built-in page, HEAD, 404, 405, 400, 414
#   httpd-keepalive         sequential and pipelined requests on one connection
#   httpd-files-{initrd,9p} a directory: index.html, a 6 MiB file (sha256),
#                           404, ".." refused (plain and %-encoded)
#   rust-echo-{tap,user}    3 rounds of 8 concurrent connections echo 1 MiB
#                           each intact (tap as root, else user networking)
#   cpp-fetch-user          the guest fetches a file from the host (10.0.2.2)
#   fetch-dns-netns         the guest resolves a name against a DNS server
#                           the suite runs, fetches a 3 MiB file (sha256),
#                           and an unknown name fails to resolve (root only)
#   httpd-soak-netns        wrk for 10 s: no socket errors, no non-2xx, the
#                           server answers afterwards, and the kernel's
#                           heap (mem.report=1) is back where it was before
#                           the load, the VM's peak flat (root only)
#   httpd-soak-close-netns  the same with Connection: close for 6 s: the
#                           server closes each connection first, and the
#                           thousands it holds in TIME_WAIT stay within
#                           net.tcp_tw_pcbs, so its heap stays flat
#   httpd-port-reuse-netns  20 requests with Connection: close from one
#                           client port, each while the server holds the
#                           last in TIME_WAIT (as httpd-native on Linux)
# Traffic stays on this machine: user networking's forwards listen on
# 127.0.0.1 and its 10.0.2.2 is the host's loopback; the netns cases use a
# tap device in a network namespace the suite makes and removes.
# Run from the repo root with BUILD set; prints PASS/FAIL/SKIP lines, exits 0.
set -uo pipefail
export LC_ALL=C
BUILD=${BUILD:-build}
. tests/suite_lib.sh
top=$(pwd)
ukrun=$(realpath -m "$BUILD/bin/ukrun")
kraftld=$(realpath -m "$BUILD/bin/kraftld")
work=$(realpath -m "$BUILD/tests/net_examples")
peer="python3 $top/tests/suites/net_examples_peer.py"
rm -rf "$work"
mkdir -p "$work"

verdicts net_examples
tailof() { tail -n "${2:-3}" "$1" 2>/dev/null | tr '\n' ' ' | head -c 400; }

if [[ ! -x $ukrun || ! -x $kraftld ]]; then
	fail build "$ukrun or $kraftld not built"
	exit 0
fi

# A free TCP port on 127.0.0.1.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# The guests started in the background, stopped when the suite ends.
guests=()
cleanup() {
	local g
	for g in "${guests[@]}"; do kill "$g" 2>/dev/null; done
	wait 2>/dev/null
}
trap cleanup EXIT

# ---------------------------------------------------------------- builds

httpd=$work/httpd
if ! gcc -O2 -c examples-c/httpd/httpd.c -o "$work/httpd.o" 2>"$work/httpd.build" ||
	! "$kraftld" -o "$httpd" "$work/httpd.o" 2>>"$work/httpd.build"; then
	fail build-httpd "$(tailof "$work/httpd.build" 5)"
	httpd=""
fi
fetch=$work/fetch
if ! g++ -O2 -c examples-cpp/fetch/fetch.cc -o "$work/fetch.o" 2>"$work/fetch.build" ||
	! "$kraftld" -o "$fetch" "$work/fetch.o" 2>>"$work/fetch.build"; then
	fail build-fetch "$(tailof "$work/fetch.build" 5)"
	fetch=""
fi
echo_image=""
if ! command -v cargo >/dev/null; then
	skip rust-echo "cargo is not installed (https://rustup.rs)"
else
	(
		cd examples-rust/echo || exit 1
		unset CARGO CARGO_CRATE_NAME
		export CARGO_TARGET_DIR=$work/rust CARGO_NET_OFFLINE=true
		export CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER=$kraftld
		cargo build --release --offline --locked
	) >"$work/echo.build" 2>&1 </dev/null
	if [[ $? == 0 ]]; then
		echo_image=$work/rust/release/echo
	else
		fail build-rust-echo "$(tailof "$work/echo.build" 5)"
	fi
fi

# ---------------------------------------------------------------- helpers

# boot NAME [ukrun options...] -- IMAGE ARGS...: starts a guest in the
# background (output in $work/NAME.guest); its pid is in $guest.
boot() {
	local name=$1
	shift
	"$ukrun" --accel tcg --timeout 300 "$@" >"$work/$name.guest" 2>&1 </dev/null &
	guest=$!
	guests+=("$guest")
}

# halt: stops the guest started last.
halt() {
	kill "$guest" 2>/dev/null
	wait "$guest" 2>/dev/null
}

# httpd_case NAME CHECK [ukrun options...] -- ARGS: boots httpd with ARGS on
# a forwarded port and runs the peer's CHECK against it.
httpd_case() {
	local name=$1 check=$2 port
	shift 2
	local opts=() args=()
	while [[ $1 != -- ]]; do opts+=("$1"); shift; done
	shift
	args=("$@")
	port=$(free_port)
	boot "$name" --net "user,hostfwd=tcp:127.0.0.1:$port-:80" "${opts[@]}" "$httpd" "${args[@]}"
	local why=""
	if ! $peer wait 127.0.0.1 "$port" 120 >"$work/$name.peer" 2>&1; then
		why="httpd did not answer: $(tailof "$work/$name.peer") / $(tailof "$work/$name.guest")"
	else
		for c in $check; do
			case $c in
			files) $peer files 127.0.0.1 "$port" big.bin "$big_sha" ;;
			*) $peer "$c" 127.0.0.1 "$port" ;;
			esac >"$work/$name.peer" 2>&1 || why+="$(tailof "$work/$name.peer") "
		done
		# The server is still up after every check.
		if [[ -z $why ]] && ! $peer wait 127.0.0.1 "$port" 10 >"$work/$name.after" 2>&1; then
			why="no answer after the checks: $(tailof "$work/$name.after")"
		fi
	fi
	halt
	if ! grep -q "^httpd: listening on port 80" "$work/$name.guest"; then
		why+=" no 'listening' line: $(tailof "$work/$name.guest")"
	fi
	if [[ -z $why ]]; then pass "$name"; else fail "$name" "$why"; fi
}

# The directory httpd serves: an index, a note in a subdirectory, a large
# file, and a secret one level up that ".." must not reach.
root=$work/root
mkdir -p "$root/www/sub"
printf '<h1>index</h1>\n' >"$root/www/index.html"
printf 'a note\n' >"$root/www/sub/note.txt"
head -c $((6 * 1024 * 1024 + 123)) /dev/urandom >"$root/www/big.bin"
printf 'secret\n' >"$root/secret.txt"
big_sha=$(sha256sum "$root/www/big.bin" | cut -d' ' -f1)

# ---------------------------------------------------------------- httpd

# The same source on Linux, on loopback.
if gcc -O2 -Wall -Werror examples-c/httpd/httpd.c -o "$work/httpd-native" 2>"$work/native.build"; then
	port=$(free_port)
	"$work/httpd-native" -p "$port" >"$work/native.out" 2>&1 &
	native=$!
	if $peer wait 127.0.0.1 "$port" 20 >"$work/native.peer" 2>&1 &&
		$peer builtin 127.0.0.1 "$port" >>"$work/native.peer" 2>&1 &&
		$peer keepalive 127.0.0.1 "$port" >>"$work/native.peer" 2>&1 &&
		$peer reuse 127.0.0.1 "$port" 20 >>"$work/native.peer" 2>&1; then
		pass httpd-native
	else
		fail httpd-native "$(tailof "$work/native.peer")"
	fi
	kill "$native" 2>/dev/null
	wait "$native" 2>/dev/null
else
	fail httpd-native "gcc: $(tailof "$work/native.build")"
fi

if [[ -n $httpd ]]; then
	httpd_case httpd-builtin builtin --
	httpd_case httpd-keepalive keepalive --
	httpd_case httpd-files-initrd files --initrd "$root" -- /www
	httpd_case httpd-files-9p files --share "$root:/srv:ro" -- /srv/www
fi

# ---------------------------------------------------------------- Rust echo

# rust_echo_case user|tap: three rounds of eight concurrent connections on
# one guest (a receive path that stops after a burst fails the later
# rounds), over a forwarded port or, as root, over the tap device of the
# namespace (netns_up below). Over user networking one connection in about
# a dozen rounds is reset before the guest accepts it; the tap device is
# the path the benchmarks use.
rust_echo_case() {
	local how=$1 host port run=() why="" round n
	if [[ $how == tap ]]; then
		host=10.9.0.2 port=7 run=(ip netns exec "$ns")
		"${run[@]}" "$ukrun" --accel tcg --timeout 300 "${tap_opts[@]}" "$echo_image" \
			>"$work/rust-echo.guest" 2>&1 </dev/null &
		guest=$!
		guests+=("$guest")
	else
		host=127.0.0.1 port=$(free_port)
		boot rust-echo --net "user,hostfwd=tcp:127.0.0.1:$port-:7" "$echo_image"
	fi
	for _ in $(seq 600); do grep -q "^echo: listening" "$work/rust-echo.guest" && break; sleep 0.2; done
	if ! grep -q "^echo: listening on 0.0.0.0:7" "$work/rust-echo.guest"; then
		why="no 'listening' line: $(tailof "$work/rust-echo.guest")"
	else
		for round in 1 2 3; do
			if ! "${run[@]}" $peer echo "$host" "$port" 8 1048576 >"$work/rust-echo.peer" 2>&1; then
				why="round $round: $(tailof "$work/rust-echo.peer")"
				break
			fi
		done
	fi
	if [[ -z $why ]]; then
		# Each connection's thread reports its byte count once done.
		for _ in $(seq 100); do
			[[ $(grep -c "done, 1048576 bytes" "$work/rust-echo.guest") == 24 ]] && break
			sleep 0.2
		done
		n=$(grep -c "done, 1048576 bytes" "$work/rust-echo.guest")
		[[ $n == 24 ]] || why="$n of 24 connections reported 1048576 bytes"
	fi
	halt
	if [[ -z $why ]]; then pass "rust-echo-$how"; else fail "rust-echo-$how" "$why"; fi
}

# ---------------------------------------------------------------- C++ fetch

# Connecting out over user networking: the host's http.server on 127.0.0.1,
# which the guest reaches as 10.0.2.2.
if [[ -n $fetch ]]; then
	port=$(free_port)
	python3 -m http.server --bind 127.0.0.1 --directory "$root/www" "$port" \
		>"$work/cpp-fetch-user.server" 2>&1 &
	server=$!
	why=""
	for _ in $(seq 50); do
		curl -s -o /dev/null "http://127.0.0.1:$port/" && break
		sleep 0.2
	done
	mkdir -p "$work/out-user"
	"$ukrun" --accel tcg --timeout 300 --net user --share "$work/out-user:/out" "$fetch" \
		-o /out/big.bin "http://10.0.2.2:$port/big.bin" >"$work/cpp-fetch-user.guest" 2>&1 </dev/null
	st=$?
	if [[ $st != 0 ]]; then
		why="status $st: $(tailof "$work/cpp-fetch-user.guest")"
	elif ! grep -qx "fetch: 10.0.2.2:$port status 200, $((6 * 1024 * 1024 + 123)) bytes" \
		"$work/cpp-fetch-user.guest"; then
		why="unexpected output: $(tailof "$work/cpp-fetch-user.guest")"
	elif [[ $(sha256sum <"$work/out-user/big.bin" | cut -d' ' -f1) != "$big_sha" ]]; then
		why="the file the guest wrote differs from the one served"
	fi
	# A missing file: status 1 and the server's 404.
	if [[ -z $why ]]; then
		"$ukrun" --accel tcg --timeout 120 --net user "$fetch" "http://10.0.2.2:$port/missing" \
			>"$work/cpp-fetch-user.404" 2>&1 </dev/null
		st=$?
		if [[ $st != 1 ]] || ! grep -q "status 404" "$work/cpp-fetch-user.404"; then
			why="a missing file: status $st: $(tailof "$work/cpp-fetch-user.404")"
		fi
	fi
	kill "$server" 2>/dev/null
	wait "$server" 2>/dev/null
	if [[ -z $why ]]; then pass cpp-fetch-user; else fail cpp-fetch-user "$why"; fi
fi

# ---------------------------------------------------------------- netns

# netns_up: a namespace with a tap device, the host side 10.9.0.1/24; the
# guest takes 10.9.0.2 with 10.9.0.1 as gateway and DNS server.
ns=uknetex$$
netns_up() {
	tap_netns "$ns" "$work/netns.setup"
}
netns_down() { ip netns del "$ns" 2>/dev/null; }
# Not for a background guest: $! would name the subshell, not ukrun.
in_ns() { ip netns exec "$ns" "$@"; }
tap_opts=(--net tap:uktap0 --param netdev.ip=10.9.0.2/24:10.9.0.1:10.9.0.1)

fetch_dns_case() {
	local name=fetch-dns-netns why="" log=$work/fetch-dns
	rm -f "$log.ready" "$log.queries"
	ip netns exec "$ns" $peer dns 10.9.0.1 53 "$log.ready" "$log.queries" www.uk.test=10.9.0.1 \
		>"$log.dns" 2>&1 &
	local dns=$!
	mkdir -p "$root/dl"
	head -c $((3 * 1024 * 1024 + 7)) /dev/urandom >"$root/dl/file.bin"
	local sha
	sha=$(sha256sum "$root/dl/file.bin" | cut -d' ' -f1)
	ip netns exec "$ns" python3 -m http.server --bind 10.9.0.1 --directory "$root/dl" 8000 \
		>"$log.http" 2>&1 &
	local http=$!
	for _ in $(seq 50); do
		[[ -s $log.ready ]] && in_ns curl -s -o /dev/null http://10.9.0.1:8000/ && break
		sleep 0.2
	done
	mkdir -p "$work/out-dns"
	ip netns exec "$ns" "$ukrun" --accel tcg --timeout 300 "${tap_opts[@]}" --share "$work/out-dns:/out" "$fetch" \
		-o /out/file.bin http://www.uk.test:8000/file.bin >"$log.guest" 2>&1 </dev/null
	local st=$?
	if [[ $st != 0 ]]; then
		why="status $st: $(tailof "$log.guest")"
	elif ! grep -qx "fetch: 10.9.0.1:8000 status 200, $((3 * 1024 * 1024 + 7)) bytes" "$log.guest"; then
		why="unexpected output: $(tailof "$log.guest")"
	elif [[ $(sha256sum <"$work/out-dns/file.bin" | cut -d' ' -f1) != "$sha" ]]; then
		why="the file the guest wrote differs from the one served"
	elif ! grep -qx "10.9.0.2 www.uk.test 1" "$log.queries"; then
		why="the DNS server saw no A question from 10.9.0.2: $(tailof "$log.queries")"
	fi
	# A name the DNS server does not know: the resolver's error, status 2.
	if [[ -z $why ]]; then
		in_ns "$ukrun" --accel tcg --timeout 120 "${tap_opts[@]}" "$fetch" \
			http://missing.uk.test:8000/file.bin >"$log.guest2" 2>&1 </dev/null
		st=$?
		if [[ $st != 2 ]] || ! grep -q "^fetch: missing.uk.test: " "$log.guest2"; then
			why="an unknown name: status $st: $(tailof "$log.guest2")"
		elif ! grep -qx "10.9.0.2 missing.uk.test 1" "$log.queries"; then
			why="the DNS server saw no question for missing.uk.test: $(tailof "$log.queries")"
		fi
	fi
	kill "$dns" "$http" 2>/dev/null
	wait "$dns" "$http" 2>/dev/null
	if [[ -z $why ]]; then pass "$name"; else fail "$name" "$why"; fi
}

# mem_now LOG: the kernel's "uk: mem used=U peak=P kernel=K" line written
# after the call (mem.report=1 writes one a second), as "K P"; nothing if
# none comes.
mem_now() {
	local log=$1 n
	n=$(grep -c '^uk: mem used=' "$log")
	for _ in $(seq 100); do
		[[ $(grep -c '^uk: mem used=' "$log") -ge $((n + 2)) ]] && break
		sleep 0.2
	done
	[[ $(grep -c '^uk: mem used=' "$log") -ge $((n + 2)) ]] || return
	grep '^uk: mem used=' "$log" | tail -n 1 |
		sed -nE 's/^uk: mem used=[0-9]+ peak=([0-9]+) kernel=([0-9]+)$/\2 \1/p'
}

# soak_case NAME SECONDS [WRK_ARGS...]
soak_case() {
	local name=$1 secs=$2 why="" log=$work/$1 before="" after=""
	shift 2
	ip netns exec "$ns" "$ukrun" --accel tcg --timeout 300 "${tap_opts[@]}" --param mem.report=1 "$httpd" \
		>"$log.guest" 2>&1 </dev/null &
	guest=$!
	guests+=("$guest")
	if ! in_ns $peer wait 10.9.0.2 80 120 >"$log.peer" 2>&1; then
		why="httpd did not answer: $(tailof "$log.peer") / $(tailof "$log.guest")"
	else
		# A short run first, so the soak starts from the memory a loaded
		# server holds (buffers, pcbs) rather than from a fresh boot.
		in_ns wrk -t2 -c20 -d2s "$@" http://10.9.0.2/ >"$log.warm" 2>&1
		before=$(mem_now "$log.guest")
		in_ns wrk -t2 -c20 -d"${secs}s" "$@" http://10.9.0.2/ >"$log.wrk" 2>&1
		local st=$? requests
		requests=$(awk '/requests in/ { print $1 }' "$log.wrk")
		if [[ $st != 0 || -z $requests ]]; then
			why="wrk: status $st: $(tailof "$log.wrk" 5)"
		elif [[ $requests == 0 ]]; then
			why="no request answered: $(tailof "$log.wrk" 5)"
		elif grep -q "Socket errors" "$log.wrk"; then
			why="$(grep "Socket errors" "$log.wrk")"
		elif grep -q "Non-2xx" "$log.wrk"; then
			why="$(grep "Non-2xx" "$log.wrk")"
		elif ! in_ns $peer builtin 10.9.0.2 80 >"$log.after" 2>&1 ||
			! in_ns $peer keepalive 10.9.0.2 80 >>"$log.after" 2>&1; then
			why="after the load: $(tailof "$log.after")"
		fi
		after=$(mem_now "$log.guest")
		# Memory is flat: once the load is over the kernel's heap holds
		# what it held before it (64 KiB of slack), and the VM's peak under
		# the load stays where two seconds of it took it (1 MiB of
		# slack). The VM's memory in use is not compared: the app's
		# allocator keeps or returns pages as its free blocks fall, by as
		# much as a few of httpd's 24 KiB connections from run to run.
		if [[ -n $why ]]; then
			:
		elif [[ -z $before || -z $after ]]; then
			why="no 'uk: mem used=' lines from mem.report=1: $(tailof "$log.guest")"
		else
			read -r used0 peak0 <<<"$before"
			read -r used1 peak1 <<<"$after"
			if ((used1 > used0 + 65536)); then
				why="the kernel's heap grew from $used0 to $used1 bytes across the load"
			elif ((peak1 > peak0 + 1048576)); then
				why="the peak grew from $peak0 to $peak1 bytes during the load"
			fi
		fi
	fi
	halt
	if [[ -z $why ]]; then
		pass "$name"
		echo "    | $(grep -E 'requests in|Requests/sec' "$log.wrk" | tr -s ' ' | tr '\n' ' ')" \
			"kernel heap $used0 -> $used1, peak $peak0 -> $peak1"
	else
		fail "$name" "$why"
	fi
}

# A new connection from the port of one the server holds in TIME_WAIT: Linux
# takes the SYN (its sequence number is past the old connection's), so a
# client that cycles through its ports never waits for TIME_WAIT to end.
reuse_case() {
	local name=httpd-port-reuse-netns why="" log=$work/reuse
	ip netns exec "$ns" "$ukrun" --accel tcg --timeout 300 "${tap_opts[@]}" "$httpd" \
		>"$log.guest" 2>&1 </dev/null &
	guest=$!
	guests+=("$guest")
	if ! in_ns $peer wait 10.9.0.2 80 120 >"$log.peer" 2>&1; then
		why="httpd did not answer: $(tailof "$log.peer") / $(tailof "$log.guest")"
	elif ! in_ns $peer reuse 10.9.0.2 80 20 >"$log.peer" 2>&1; then
		why=$(tailof "$log.peer")
	fi
	halt
	if [[ -z $why ]]; then pass "$name"; else fail "$name" "$why"; fi
}

if [[ $(id -u) != 0 ]] || ! command -v ip >/dev/null; then
	if [[ -n $echo_image ]]; then rust_echo_case user; fi
	skip fetch-dns-netns "needs root and ip(8) to make a network namespace"
	skip httpd-port-reuse-netns "needs root and ip(8) to make a network namespace"
	skip httpd-soak-netns "needs root and ip(8) to make a network namespace"
	skip httpd-soak-close-netns "needs root and ip(8) to make a network namespace"
elif ! netns_up; then
	netns_down
	fail netns "cannot make a namespace with a tap device: $(tailof "$work/netns.setup")"
else
	if [[ -n $echo_image ]]; then rust_echo_case tap; fi
	if [[ -n $fetch ]]; then fetch_dns_case; fi
	if [[ -n $httpd ]]; then
		if command -v wrk >/dev/null; then
			soak_case httpd-soak-netns 10
			soak_case httpd-soak-close-netns 6 -H "Connection: close"
		else
			fail httpd-soak-netns "wrk is not installed (make deps installs it)"
			fail httpd-soak-close-netns "wrk is not installed (make deps installs it)"
		fi
		reuse_case
	fi
	netns_down
fi
exit 0
