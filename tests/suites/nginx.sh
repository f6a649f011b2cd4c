#!/usr/bin/env bash
# nginx (Debian's nginx source package, apps/nginx/build.sh) serving the
# static files of its root, build/apps/nginx.root, booted as the initrd:
#   config-test    `nginx -t` reads the root's configuration: status 0
#   tap-*          in a network namespace the suite makes, the guest on a
#                  tap device (10.9.0.2), curl and wrk in the namespace:
#     tap-index      index.html as the root holds it, as text/html
#     tap-large      the 1 MiB and 8 MiB files byte for byte (sendfile)
#     tap-range      a byte range of the 1 MiB file: 206 and those bytes
#     tap-keepalive  three files over one connection
#     tap-404        a missing file: 404
#     tap-wrk        wrk for 5 s on index.html and on the 64 KiB file: every
#                    request answered, no socket error, no non-2xx answer,
#                    and the server answers afterwards
#     tap-log        nginx logged no error on the console (its error_log)
#   user-index     through QEMU user networking, a port of 127.0.0.1
#                  forwarded to the guest's 80 (as the README shows)
#   user-16m       the same in --mem 16M, where the network device has to
#                  make do with fewer buffers than its rings have entries
# Traffic stays on this machine. Run from the repo root with BUILD set;
# prints PASS/FAIL/SKIP lines, exits 0.
set -uo pipefail
export LC_ALL=C
BUILD=${BUILD:-build}
. tests/suite_lib.sh
ukrun=$(realpath -m "$BUILD/bin/ukrun")
nginx=$(realpath -m "$BUILD/apps/nginx")
root=$(realpath -m "$BUILD/apps/nginx.root")
html=$root/var/www/html
work=$(realpath -m "$BUILD/tests/nginx")
rm -rf "$work"
mkdir -p "$work"

verdicts nginx
tailof() { tail -n "${2:-3}" "$1" 2>/dev/null | tr -d '\r' | tr '\n' ' ' | head -c 400; }

if [[ ! -x $ukrun || ! -x $nginx || ! -f $root/etc/nginx/nginx.conf ]]; then
	fail build "$ukrun, $nginx or $root not built (make app-nginx)"
	exit 0
fi
for tool in curl wrk; do
	if ! command -v "$tool" >/dev/null; then
		fail build "$tool is missing (tools/deps.sh installs it)"
		exit 0
	fi
done

guest=0
halt() {
	kill "$guest" 2>/dev/null
	wait "$guest" 2>/dev/null
}
ns=uknginx$$
trap 'halt; ip netns del "$ns" 2>/dev/null' EXIT

# wait_up URL RUN...: true once nginx answers URL (within two minutes), false
# when it does not or the VM ended.
wait_up() {
	local url=$1 _
	shift
	for _ in $(seq 240); do
		"$@" curl -s -o /dev/null --max-time 2 "$url" && return 0
		kill -0 "$guest" 2>/dev/null || return 1
		sleep 0.5
	done
	return 1
}

# get NAME URL RUN...: fetches URL into $work/NAME.body; prints the status.
get() {
	local name=$1 url=$2
	shift 2
	"$@" curl -s --max-time 60 -o "$work/$name.body" -D "$work/$name.head" -w '%{http_code}' "$url"
}

# ---------------------------------------------------------------- config

"$ukrun" --accel tcg --timeout 120 --initrd "$root" "$nginx" -t >"$work/config.out" 2>&1 </dev/null
st=$?
if [[ $st != 0 ]]; then
	fail config-test "nginx -t: status $st: $(tailof "$work/config.out" 5)"
elif ! grep -q 'configuration file /etc/nginx/nginx.conf test is successful' "$work/config.out"; then
	fail config-test "nginx -t: $(tailof "$work/config.out" 5)"
else
	pass config-test
fi

# ---------------------------------------------------------------- tap

in_ns() { ip netns exec "$ns" "$@"; }
base=http://10.9.0.2

tap_cases() {
	local log=$work/tap.guest code why
	ip netns exec "$ns" "$ukrun" --accel tcg --timeout 600 --net tap:uktap0 \
		--param netdev.ip=10.9.0.2/24:10.9.0.1 --initrd "$root" "$nginx" >"$log" 2>&1 </dev/null &
	guest=$!
	if ! wait_up "$base/" in_ns; then
		fail tap "nginx did not answer on 10.9.0.2:80: $(tailof "$log" 5)"
		halt
		return
	fi

	code=$(get index "$base/" in_ns)
	if [[ $code != 200 ]]; then
		fail tap-index "status $code: $(tailof "$work/index.head")"
	elif ! cmp -s "$work/index.body" "$html/index.html"; then
		fail tap-index "the page differs from the root's index.html: $(head -c 200 "$work/index.body")"
	elif ! grep -qi '^content-type: text/html' "$work/index.head"; then
		fail tap-index "not text/html: $(tailof "$work/index.head" 8)"
	else
		pass tap-index
	fi

	why=""
	for f in 1m.bin 8m.bin; do
		code=$(get "$f" "$base/$f" in_ns)
		if [[ $code != 200 ]]; then
			why+="$f: status $code; "
		elif ! cmp "$work/$f.body" "$html/$f" >"$work/$f.cmp" 2>&1; then
			why+="$f: $(stat -c %s "$work/$f.body") bytes of $(stat -c %s "$html/$f"), $(tailof "$work/$f.cmp" 1); "
		fi
	done
	if [[ -z $why ]]; then pass tap-large; else fail tap-large "$why"; fi

	code=$(in_ns curl -s --max-time 60 -r 100000-165535 -o "$work/range.body" -w '%{http_code}' "$base/1m.bin")
	if [[ $code != 206 ]]; then
		fail tap-range "status $code, not 206"
	elif ! cmp -s "$work/range.body" <(tail -c +100001 "$html/1m.bin" | head -c 65536); then
		fail tap-range "$(stat -c %s "$work/range.body") bytes, not bytes 100000-165535 of 1m.bin"
	else
		pass tap-range
	fi

	# curl says so when it sends a request over the connection it has.
	in_ns curl -sv --max-time 60 -o "$work/ka1" "$base/index.html" -o "$work/ka2" "$base/4k.bin" \
		-o "$work/ka3" "$base/64k.bin" 2>"$work/ka.log"
	if ! cmp -s "$work/ka1" "$html/index.html" || ! cmp -s "$work/ka2" "$html/4k.bin" ||
		! cmp -s "$work/ka3" "$html/64k.bin"; then
		fail tap-keepalive "a file differs: $(grep -E '^< HTTP|^\* ' "$work/ka.log" | tailof /dev/stdin 6)"
	elif [[ $(grep -c 'Re-using existing connection' "$work/ka.log") != 2 ]]; then
		fail tap-keepalive "not one connection: $(grep -E '^\* ' "$work/ka.log" | tailof /dev/stdin 6)"
	else
		pass tap-keepalive
	fi

	code=$(get missing "$base/no/such/file.html" in_ns)
	if [[ $code == 404 ]]; then pass tap-404; else fail tap-404 "status $code, not 404"; fi

	why=""
	local path out requests
	for path in / /64k.bin; do
		out=$work/wrk${path//\//_}
		in_ns wrk -t2 -c16 -d5s --latency "$base$path" >"$out" 2>&1
		local st=$?
		requests=$(awk '/requests in/ { print $1 }' "$out")
		if [[ $st != 0 || -z $requests ]]; then
			why+="$path: wrk status $st: $(tailof "$out" 5); "
		elif [[ $requests == 0 ]]; then
			why+="$path: no request answered; "
		elif grep -q "Socket errors" "$out"; then
			why+="$path: $(grep "Socket errors" "$out"); "
		elif grep -q "Non-2xx" "$out"; then
			why+="$path: $(grep "Non-2xx" "$out"); "
		fi
	done
	code=$(get after "$base/" in_ns)
	[[ $code == 200 ]] || why+="after the load: status $code; "
	if [[ -z $why ]]; then
		pass tap-wrk
		for path in / /64k.bin; do
			out=$work/wrk${path//\//_}
			echo "    | $path: $(grep -E 'requests in|Requests/sec|^ +99%' "$out" | tr -s ' ' | tr '\n' ' ')"
		done
	else
		fail tap-wrk "$why (guest: $(tailof "$log" 3))"
	fi
	halt
	if grep -Eq '\[(emerg|alert|crit|error)\]' "$log"; then
		fail tap-log "nginx logged: $(grep -E '\[(emerg|alert|crit|error)\]' "$log" | tailof /dev/stdin 3)"
	else
		pass tap-log
	fi
}

if [[ $(id -u) != 0 ]] || ! command -v ip >/dev/null; then
	skip tap "needs root and ip(8) to make a network namespace"
elif ! tap_netns "$ns" "$work/netns.setup"; then
	fail tap "cannot make a namespace with a tap device: $(tailof "$work/netns.setup")"
else
	tap_cases
	ip netns del "$ns" 2>/dev/null
fi

# ---------------------------------------------------------------- user

# user_case NAME [UKRUN_OPTIONS]: one boot through a hostfwd port; the index
# page must come back as the root holds it.
user_case() {
	local name=$1 port code
	shift
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	"$ukrun" --accel tcg --timeout 600 "$@" --initrd "$root" --net "user,hostfwd=tcp:127.0.0.1:$port-:80" \
		"$nginx" >"$work/$name.guest" 2>&1 </dev/null &
	guest=$!
	if ! wait_up "http://127.0.0.1:$port/"; then
		fail "$name" "nginx did not answer on 127.0.0.1:$port: $(tailof "$work/$name.guest" 5)"
	else
		code=$(get user "http://127.0.0.1:$port/")
		if [[ $code != 200 ]]; then
			fail "$name" "status $code"
		elif ! cmp -s "$work/user.body" "$html/index.html"; then
			fail "$name" "the page differs from the root's index.html"
		else
			pass "$name"
		fi
	fi
	halt
}

user_case user-index
user_case user-16m --mem 16M
exit 0
