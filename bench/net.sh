#!/usr/bin/env bash
# Network figures beside a Linux guest, all in this one run: examples-c/httpd
# and examples-go/httpd under wrk, nginx's static files under wrk, Redis
# under redis-benchmark, TCP stream throughput both ways (bench/netstream.c)
# and the smallest --mem at which httpd serves the load.
#
# Both guests run in the same QEMU with the same accelerator (TCG), on
# -M microvm with a virtio-net-device (virtio-mmio), each on a tap device
# set up the same way in one network namespace this script makes and
# removes; wrk, redis-benchmark and the stream peer run inside that
# namespace, so no traffic leaves it. Ours is booted by ukrun --net tap:;
# the Linux guest is Debian's cloud kernel with virtio_mmio, virtio_net and
# their dependencies loaded from its initrd by bench/netinit.c. That kernel
# finds microvm's virtio-mmio devices only through ACPI (it has no
# virtio_mmio.device= parameter), so its microvm has acpi=on, and it gets
# tsc_early_khz= (bench/nettsc.c) because microvm has no PIT gate to
# calibrate the TSC against.
#
# Both guests are up at the same time and the load generator alternates
# between them, round after round, so a machine shared with other work
# slows both alike; each figure is the median over the rounds, and each
# ratio the median of the rounds' own ratios (a slow spell of the machine
# that hits one side of one round moves neither).
#
# Never fails on a figure; prints its own table. Exits non-zero with a
# message when a part could not run at all (its cells show n/a).
#
# Env: BUILD (default build), NETBENCH_SECS (seconds per wrk run, default
# 3), NETBENCH_ROUNDS (default 3), NETBENCH_MIB (stream size, default 64),
# NETBENCH_REDIS_N (requests per redis-benchmark test, default 20000;
# ten times that pipelined), NETBENCH_REDIS_ROUNDS (default 5: a round
# takes seconds), NETBENCH_MEM (guests' memory, default 256M),
# NETBENCH_LINUX_MEM=0 skips bisecting the Linux guest's memory,
# NETBENCH_REDIS_UK names our redis-server image (default: built by
# apps/redis/build.sh into $BUILD/apps/redis-server).
set -uo pipefail
BUILD=${BUILD:-build}
work=$BUILD/bench/net
ukrun=$BUILD/bin/ukrun
kraftld=$BUILD/bin/kraftld
qemu=${UKRUN_QEMU:-qemu-system-x86_64}
secs=${NETBENCH_SECS:-3}
rounds=${NETBENCH_ROUNDS:-3}
redis_rounds=${NETBENCH_REDIS_ROUNDS:-5}
mib=${NETBENCH_MIB:-64}
redis_n=${NETBENCH_REDIS_N:-20000}
mem=${NETBENCH_MEM:-256M}
linux_mem=${NETBENCH_LINUX_MEM:-1}
mkdir -p "$work"

failed=()
note() { printf 'net bench: %s\n' "$*" >&2; }

# ---------------------------------------------------------------- table

rows=()
# row WHAT OURS LINUX RATIO TARGET MET
row() { rows+=("$(printf '%-36s %14s %14s %8s  %-18s %s' "$@")"); }
# rate_row WHAT OURS LINUX UNIT WANT [RATIO]: a rate, higher is better; the
# target is the least ours/Linux ratio wanted. RATIO (the median of the
# rounds' ratios) stands in for OURS/LINUX when given.
rate_row() {
	local what=$1 ours=$2 linux=$3 unit=$4 want=$5 ratio=${6:-}
	python3 - "$what" "$ours" "$linux" "$unit" "$want" "$ratio" <<'EOF'
import sys
what, ours, linux, unit, want, ratio = sys.argv[1:]
def cell(v):
    if not v:
        return "n/a"
    v = float(v)
    return ("%.0f %s" if v >= 100 else "%.1f %s") % (v, unit)
r = float(ours) / float(linux) if ours and linux and float(linux) else None
if r is not None and ratio:
    r = float(ratio)
met = "n/a" if r is None else ("met" if r >= float(want) else "NOT met")
print("\t".join([what, cell(ours), cell(linux), "%.2fx" % r if r else "n/a", ">= %sx Linux" % want, met]))
EOF
}
# p99_row WHAT OURS LINUX [RATIO]: a latency in ms, lower is better.
p99_row() {
	python3 - "$1" "$2" "$3" "${4:-}" <<'EOF'
import sys
what, ours, linux, ratio = sys.argv[1:]
cell = lambda v: "%.2f ms" % float(v) if v else "n/a"
r = float(ours) / float(linux) if ours and linux and float(linux) else None
if r is not None and ratio:
    r = float(ratio)
met = "n/a" if r is None else ("met" if r < 1 else "NOT met")
print("\t".join([what, cell(ours), cell(linux), "%.2fx" % r if r else "n/a", "< Linux", met]))
EOF
}
add() { # tab-separated fields from rate_row/p99_row
	local -a f
	IFS=$'\t' read -r -a f <<<"$1"
	row "${f[@]}"
}
median() { python3 -c 'import statistics, sys
v = [float(x) for x in sys.argv[1:] if x]
print("%.3f" % statistics.median(v) if v else "")' "$@"; }
# ratio A B: A/B, or nothing when either is missing or B is 0.
ratio() { python3 -c 'import sys
a, b = sys.argv[1:]
print("%.4f" % (float(a) / float(b)) if a and b and float(b) else "")' "$1" "$2"; }

# ---------------------------------------------------------------- tools

have_tools=1
why_tools=""
if [[ $(id -u) != 0 ]]; then
	have_tools=0 why_tools="needs root to make a network namespace"
fi
for t in ip wrk redis-benchmark "$qemu" gcc python3; do
	if ! command -v "$t" >/dev/null 2>&1; then
		have_tools=0 why_tools="$t is not installed (make deps)"
	fi
done
if [[ ! -x $kraftld || ! -x $ukrun ]]; then
	have_tools=0 why_tools="$kraftld or $ukrun is not built"
fi

# ---------------------------------------------------------------- Linux kernel

# The concrete package linux-image-cloud-amd64 depends on (as
# bench/linux_guest.sh uses), unpacked once into $work/linux: the kernel
# image and the modules the network needs.
kdir=$work/linux
modules=(virtio_ring virtio virtio_mmio failover net_failover virtio_net)
fetch_kernel() {
	local pkg tmp deb m f
	[[ -s $kdir/vmlinuz && -s $kdir/virtio_net.ko ]] && return 0
	mkdir -p "$kdir"
	pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-cloud-amd64\)$/\1/p' | head -n 1)
	if [[ -z $pkg ]]; then
		apt-get update -qq >/dev/null 2>&1 || true
		pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
			sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-cloud-amd64\)$/\1/p' | head -n 1)
	fi
	[[ -n $pkg ]] || { echo "apt-cache knows no package linux-image-cloud-amd64 depends on"; return 1; }
	tmp=$(mktemp -d "$kdir/fetch.XXXXXX")
	if ! (cd "$tmp" && apt-get download "$pkg") >"$kdir/fetch.log" 2>&1; then
		rm -rf "$tmp"
		echo "apt-get download $pkg failed: $(grep -v '^W:' "$kdir/fetch.log" | tail -n 2 | tr '\n' ' ')"
		return 1
	fi
	deb=$(find "$tmp" -maxdepth 1 -name "${pkg}_*.deb" | head -n 1)
	if [[ -z $deb ]] || ! dpkg-deb -x "$deb" "$tmp/x"; then
		rm -rf "$tmp"
		echo "cannot unpack $pkg"
		return 1
	fi
	for m in "${modules[@]}"; do
		f=$(find "$tmp/x/lib/modules" -name "$m.ko" | head -n 1)
		[[ -n $f ]] || { rm -rf "$tmp"; echo "$pkg has no $m.ko"; return 1; }
		cp "$f" "$kdir/"
	done
	cp "$tmp"/x/boot/vmlinuz-* "$kdir/vmlinuz"
	basename "$deb" .deb >"$kdir/kernel.txt"
	rm -rf "$tmp"
}

have_linux=$have_tools
why_linux=$why_tools
if [[ $have_linux == 1 ]] && ! why_linux=$(fetch_kernel); then
	have_linux=0
fi
kernel=$(cat "$kdir/kernel.txt" 2>/dev/null || echo "kernel n/a")
tsc_khz=""
if [[ $have_linux == 1 ]]; then
	if ! gcc -O2 -static -Wall -o "$work/netinit" bench/netinit.c 2>"$work/netinit.log" ||
		! gcc -O2 -o "$work/nettsc" bench/nettsc.c 2>>"$work/netinit.log"; then
		have_linux=0 why_linux="bench/netinit.c does not build: $(head -c 200 "$work/netinit.log")"
	else
		tsc_khz=$("$work/nettsc")
	fi
fi

# linux_initrd NAME PROGRAM...: $work/NAME.initrd with /init and the modules.
linux_initrd() {
	local name=$1
	shift
	local -a kos=()
	local m
	for m in "${modules[@]}"; do kos+=("$kdir/$m.ko"); done
	python3 bench/net_initrd.py "$work/$name.initrd" "$work/netinit" "${kos[@]}" -- "$@"
}

# ---------------------------------------------------------------- programs

# build_pair SOURCE STEM: STEM.uk linked by kraftld, STEM.linux static glibc.
build_pair() {
	local src=$1 stem=$work/$2
	rm -f "$stem.uk" "$stem.linux"
	gcc -O2 -c "$src" -o "$stem.o" 2>"$stem.build.log" &&
		"$kraftld" -o "$stem.uk" "$stem.o" 2>>"$stem.build.log" || rm -f "$stem.uk"
	gcc -O2 -static -o "$stem.linux" "$src" 2>>"$stem.build.log" || rm -f "$stem.linux"
	[[ -x $stem.uk && -x $stem.linux ]] || failed+=("$src does not build: $(head -c 200 "$stem.build.log")")
}
if [[ $have_tools == 1 ]]; then
	build_pair examples-c/httpd/httpd.c httpd
	build_pair bench/netstream.c netstream
fi

# Redis: ours is the apps/redis recipe's image, the Linux guest's the same
# Debian source built statically by bench/net_redis_linux.sh.
redis_uk=${NETBENCH_REDIS_UK:-$BUILD/apps/redis-server}
redis_linux=$work/redis-server.linux
why_redis=""
if [[ $have_tools == 0 ]]; then
	why_redis=$why_tools
elif [[ -n ${NETBENCH_REDIS_UK:-} ]]; then
	[[ -x $redis_uk ]] || why_redis="NETBENCH_REDIS_UK=$redis_uk is not an image"
	[[ -n $why_redis ]] || BUILD=$BUILD bash bench/net_redis_linux.sh "$redis_linux" 2>"$work/redis-linux.log" ||
		why_redis="the Linux guest's redis-server does not build: $(tail -n 2 "$work/redis-linux.log" | tr '\n' ' ')"
elif [[ ! -f apps/redis/build.sh ]]; then
	why_redis="apps/redis (the Redis image, branch net-redis) is not in this tree"
else
	# The recipe itself rather than make's target, which would build the
	# other apps first; it rebuilds nothing built and links the image again.
	if ! BUILD=$BUILD bash apps/redis/build.sh >"$work/redis-uk.log" 2>&1 || [[ ! -x $redis_uk ]]; then
		why_redis="$redis_uk does not build: $(tail -n 2 "$work/redis-uk.log" | tr '\n' ' ')"
	elif ! BUILD=$BUILD bash bench/net_redis_linux.sh "$redis_linux" 2>"$work/redis-linux.log"; then
		why_redis="the Linux guest's redis-server does not build: $(tail -n 2 "$work/redis-linux.log" | tr '\n' ' ')"
	fi
fi
[[ -z $why_redis ]] || note "Redis not measured: $why_redis"

# nginx: ours is the apps/nginx recipe's image with its root as the initrd,
# the Linux guest's the same source built statically by
# bench/net_nginx_linux.sh, with the same root in its initrd.
nginx_uk=$BUILD/apps/nginx
nginx_root=$BUILD/apps/nginx.root
nginx_linux=$work/nginx.linux
why_nginx=""
if [[ $have_tools == 0 ]]; then
	why_nginx=$why_tools
elif [[ ! -f apps/nginx/build.sh ]]; then
	why_nginx="apps/nginx (the nginx image) is not in this tree"
elif ! BUILD=$BUILD bash apps/nginx/build.sh >"$work/nginx-uk.log" 2>&1 || [[ ! -x $nginx_uk ]]; then
	why_nginx="$nginx_uk does not build: $(tail -n 2 "$work/nginx-uk.log" | tr '\n' ' ')"
elif ! BUILD=$BUILD bash bench/net_nginx_linux.sh "$nginx_linux" 2>"$work/nginx-linux.log"; then
	why_nginx="the Linux guest's nginx does not build: $(tail -n 2 "$work/nginx-linux.log" | tr '\n' ' ')"
fi
[[ -z $why_nginx ]] || note "nginx not measured: $why_nginx"

# ---------------------------------------------------------------- namespace

ns=uknetbench$$
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	ip netns del "$ns" 2>/dev/null
}
trap cleanup EXIT

# Two taps made alike: uktap1 (10.9.1.0/24) for ours, uktap2 (10.9.2.0/24)
# for the Linux guest; the guest is .2, the namespace's side .1.
if [[ $have_tools == 1 ]]; then
	setup_log=$work/netns.log
	if ! ip netns add "$ns" 2>"$setup_log"; then
		have_tools=0 have_linux=0 why_tools="cannot make a network namespace: $(head -c 200 "$setup_log")"
	else
		ip netns exec "$ns" ip link set lo up
		for i in 1 2; do
			if ! ip netns exec "$ns" ip tuntap add dev "uktap$i" mode tap 2>>"$setup_log" ||
				! ip netns exec "$ns" ip addr add "10.9.$i.1/24" dev "uktap$i" 2>>"$setup_log" ||
				! ip netns exec "$ns" ip link set "uktap$i" up 2>>"$setup_log"; then
				have_tools=0 have_linux=0 why_tools="cannot make a tap device: $(head -c 200 "$setup_log")"
			fi
		done
	fi
	[[ $have_linux == 1 ]] || why_linux=${why_linux:-$why_tools}
fi
# Runs a command in the namespace. Background jobs call ip directly, so
# that $! is the command itself (ip execs it) and not a subshell.
inns() { ip netns exec "$ns" "$@"; }

# boot_uk LOG MEM IMAGE ARGS...: ours on uktap1, in the background; the
# QEMU's ukrun in guest_pid.
boot_uk() {
	local log=$1 m=$2
	shift 2
	ip netns exec "$ns" "$ukrun" --accel tcg --machine microvm --mem "$m" --timeout 600 --net tap:uktap1 \
		--param netdev.ip=10.9.1.2/24:10.9.1.1 "$@" </dev/null >"$log" 2>&1 &
	guest_pid=$!
	pids+=("$guest_pid")
}

# boot_linux LOG MEM INITRD PROGRAM ARGS...: the Linux guest on uktap2.
boot_linux() {
	local log=$1 m=$2 initrd=$3
	shift 3
	ip netns exec "$ns" timeout 600 "$qemu" -M microvm,x-option-roms=off,isa-serial=on,acpi=on -accel tcg -cpu max \
		-m "$m" -nodefaults -no-user-config -display none -serial stdio -no-reboot \
		-kernel "$kdir/vmlinuz" -initrd "$initrd" \
		-append "console=ttyS0 quiet panic=-1 tsc_early_khz=$tsc_khz -- 10.9.2.2 24 $*" \
		-netdev tap,id=uknet0,ifname=uktap2,script=no,downscript=no \
		-device virtio-net-device,netdev=uknet0 </dev/null >"$log" 2>&1 &
	guest_pid=$!
	pids+=("$guest_pid")
}

stop() { # pid
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# wait_port ADDR PORT PID SECONDS: whether ADDR:PORT accepts a connection
# before SECONDS pass (and while PID lives).
wait_port() {
	local end=$((SECONDS + $4))
	while ((SECONDS < end)); do
		kill -0 "$3" 2>/dev/null || return 1
		inns timeout 1 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

# up_uk WHAT PORT CONSOLE BOOT_ARGS...: boots our server WHAT and waits for
# its PORT; uk_pid, and uk_up=1 when it answered.
up_uk() {
	local what=$1 port=$2 console=$3
	shift 3
	boot_uk "$console" "$mem" "$@"
	uk_pid=$guest_pid uk_up=0
	wait_port 10.9.1.2 "$port" "$uk_pid" 60 && uk_up=1
	[[ $uk_up == 1 ]] || failed+=("our $what did not come up: $(tail -n 3 "$console" | tr '\n' ' ')")
}

# up_linux WHAT PORT BINARY [INITRD_DIR] -- ARGS...: the same server in the
# Linux guest, when there is one; linux_pid, and linux_up=1 when it answered.
up_linux() {
	local what=$1 port=$2 binary=$3 name
	shift 3
	local dir=()
	[[ $1 != -- ]] && { dir=("$1"); shift; }
	shift
	name=$(basename "$binary" .linux)
	linux_up=0
	[[ $have_linux == 1 ]] && linux_initrd "$name" "$binary" "${dir[@]}" || return 0
	boot_linux "$work/$name.linux.console" "$mem" "$work/$name.initrd" "/$name.linux" "$@"
	linux_pid=$guest_pid
	wait_port 10.9.2.2 "$port" "$linux_pid" 120 && linux_up=1
	[[ $linux_up == 1 ]] || failed+=("the Linux guest's $what did not come up: $(tail -n 3 "$work/$name.linux.console" | tr -d '\r' | tr '\n' ' ')")
}

# down_both WHAT: stops both servers, noting when ours died under the load.
down_both() {
	[[ $uk_up == 1 ]] && { kill -0 "$uk_pid" 2>/dev/null || failed+=("our $1 died under load"); }
	stop "$uk_pid"
	[[ $linux_up == 1 ]] && stop "$linux_pid"
}

# collect KEY A B [ROUNDS]: for each side, the medians over the rounds of
# the two figures on the lines of $work/res.SIDE.KEY.ROUND, in
# res[SIDE.KEY.A] and res[SIDE.KEY.B]; and the medians of ours/Linux over
# the rounds both sides have, in res[ratio.KEY.A] and res[ratio.KEY.B].
collect() {
	local key=$1 n=${4:-$rounds} side r a b c d xs ys ra rb
	for side in uk linux; do
		xs=() ys=()
		for ((r = 0; r < n; r++)); do
			[[ -s $work/res.$side.$key.$r ]] || continue
			read -r a b <"$work/res.$side.$key.$r"
			xs+=("$a") ys+=("$b")
		done
		res[$side.$key.$2]=$(median "${xs[@]}")
		res[$side.$key.$3]=$(median "${ys[@]}")
	done
	ra=() rb=()
	for ((r = 0; r < n; r++)); do
		[[ -s $work/res.uk.$key.$r && -s $work/res.linux.$key.$r ]] || continue
		read -r a b <"$work/res.uk.$key.$r"
		read -r c d <"$work/res.linux.$key.$r"
		ra+=("$(ratio "$a" "$c")") rb+=("$(ratio "$b" "$d")")
	done
	res[ratio.$key.$2]=$(median "${ra[@]}")
	res[ratio.$key.$3]=$(median "${rb[@]}")
}

# ---------------------------------------------------------------- wrk

# wrk_run OUT URL ARGS...: requests/s and p99 (ms) on one line of OUT, or
# nothing when wrk failed or saw errors.
wrk_run() {
	local out=$1 url=$2
	shift 2
	inns wrk --latency -t1 -d"${secs}s" "$@" "$url" >"$out.log" 2>&1
	python3 - "$out.log" >"$out" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
rps = re.search(r"Requests/sec:\s*([0-9.]+)", text)
p99 = re.search(r"^\s*99%\s+([0-9.]+)(us|ms|s)\s*$", text, re.M)
if rps and p99 and "Socket errors" not in text and "Non-2xx" not in text:
    scale = {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    print(rps.group(1), float(p99.group(1)) * scale)
EOF
}

# Load names, wrk arguments and row labels.
loads=(ka20 ka1 close20)
load_args() {
	case $1 in
	ka20) echo "-c20" ;;
	ka1) echo "-c1" ;;
	close20) printf '%s\n' -c20 -H "Connection: close" ;;
	esac
}
declare -A load_label=([ka20]="HTTP keep-alive -c20" [ka1]="HTTP keep-alive -c1"
	[close20]="HTTP Connection: close -c20")

declare -A res=()
if [[ $have_tools == 1 ]]; then
	up_uk httpd 80 "$work/httpd.uk.console" "$work/httpd.uk"
	up_linux httpd 80 "$work/httpd.linux" --
	for ((r = 0; r < rounds; r++)); do
		for l in "${loads[@]}"; do
			mapfile -t args < <(load_args "$l")
			[[ $uk_up == 1 ]] && wrk_run "$work/res.uk.$l.$r" http://10.9.1.2/ "${args[@]}"
			[[ $linux_up == 1 ]] && wrk_run "$work/res.linux.$l.$r" http://10.9.2.2/ "${args[@]}"
		done
	done
	for l in "${loads[@]}"; do collect "$l" rps p99; done
	down_both httpd
fi
for l in "${loads[@]}"; do
	add "$(rate_row "${load_label[$l]}" "${res[uk.$l.rps]:-}" "${res[linux.$l.rps]:-}" "req/s" 1.5 "${res[ratio.$l.rps]:-}")"
	add "$(p99_row "  p99 latency" "${res[uk.$l.p99]:-}" "${res[linux.$l.p99]:-}" "${res[ratio.$l.p99]:-}")"
done

# ---------------------------------------------------------------- Go

# examples-go/httpd (net/http) under wrk -c20 keep-alive: ours linked by
# kraftld, the Linux guest's a static build by the same go toolchain.
why_go=$why_tools
if [[ $have_tools == 1 ]]; then
	if ! command -v go >/dev/null; then
		why_go="go is not installed (make deps)"
	elif ! (bin=$(realpath -m "$BUILD/bin") out=$(realpath -m "$work/gohttpd") &&
		cd examples-go/httpd && CGO_ENABLED=0 PATH=$bin:$PATH go build \
		-ldflags='-linkmode=external -extld=kraftld' -o "$out.uk" . &&
		CGO_ENABLED=0 go build -o "$out.linux" .) >"$work/gohttpd.build.log" 2>&1; then
		why_go="examples-go/httpd does not build: $(tail -n 2 "$work/gohttpd.build.log" | tr '\n' ' ')"
	fi
fi
if [[ -z $why_go ]]; then
	up_uk "Go httpd" 8080 "$work/gohttpd.uk.console" "$work/gohttpd.uk"
	up_linux "Go httpd" 8080 "$work/gohttpd.linux" --
	for ((r = 0; r < rounds; r++)); do
		[[ $uk_up == 1 ]] && wrk_run "$work/res.uk.go.$r" http://10.9.1.2:8080/ -c20
		[[ $linux_up == 1 ]] && wrk_run "$work/res.linux.go.$r" http://10.9.2.2:8080/ -c20
	done
	collect go rps p99
	down_both "Go httpd"
else
	note "Go not measured: $why_go"
fi
add "$(rate_row "Go net/http keep-alive -c20" "${res[uk.go.rps]:-}" "${res[linux.go.rps]:-}" "req/s" 1.5 "${res[ratio.go.rps]:-}")"
add "$(p99_row "  p99 latency" "${res[uk.go.p99]:-}" "${res[linux.go.p99]:-}" "${res[ratio.go.p99]:-}")"

# ---------------------------------------------------------------- nginx

# Static files of nginx's document root, keep-alive, 20 connections.
nginx_files=(index.html 64k.bin)
declare -A nginx_label=([index.html]="nginx index.html -c20" [64k.bin]="nginx 64 KiB file -c20")
if [[ $have_tools == 1 && -z $why_nginx ]]; then
	up_uk nginx 80 "$work/nginx.uk.console" --initrd "$nginx_root" "$nginx_uk"
	up_linux nginx 80 "$nginx_linux" "$nginx_root" --
	for ((r = 0; r < rounds; r++)); do
		for f in "${nginx_files[@]}"; do
			[[ $uk_up == 1 ]] && wrk_run "$work/res.uk.nginx.$f.$r" "http://10.9.1.2/$f" -c20
			[[ $linux_up == 1 ]] && wrk_run "$work/res.linux.nginx.$f.$r" "http://10.9.2.2/$f" -c20
		done
	done
	for f in "${nginx_files[@]}"; do collect "nginx.$f" rps p99; done
	down_both nginx
	for f in "${nginx_files[@]}"; do
		add "$(rate_row "${nginx_label[$f]}" "${res[uk.nginx.$f.rps]:-}" "${res[linux.nginx.$f.rps]:-}" "req/s" 1.5 "${res[ratio.nginx.$f.rps]:-}")"
		add "$(p99_row "  p99 latency" "${res[uk.nginx.$f.p99]:-}" "${res[linux.nginx.$f.p99]:-}" "${res[ratio.nginx.$f.p99]:-}")"
	done
else
	row "nginx static files -c20" "not measured: ${why_nginx:-$why_tools}" "" "" "" ""
fi

# ---------------------------------------------------------------- Redis

# redis_run OUT ADDR ARGS...: "SET-rps GET-rps" on OUT, or nothing.
redis_run() {
	local out=$1 addr=$2
	shift 2
	inns redis-benchmark -h "$addr" -p 6379 -t set,get --csv "$@" >"$out.log" 2>&1
	python3 - "$out.log" >"$out" <<'EOF'
import csv, sys
rps = {}
for f in csv.reader(open(sys.argv[1])):
    if len(f) > 1 and f[0] in ("SET", "GET"):
        try:
            rps[f[0]] = float(f[1])
        except ValueError:
            pass
if len(rps) == 2:
    print(rps["SET"], rps["GET"])
EOF
}

redis_args=(--port 6379 --save "" --appendonly no --protected-mode no)
if [[ $have_tools == 1 && -z $why_redis ]]; then
	up_uk redis-server 6379 "$work/redis.uk.console" "$redis_uk" "${redis_args[@]}"
	# The kernel hands init "" as an empty argument, as ukrun does.
	up_linux redis-server 6379 "$redis_linux" -- --port 6379 --save '""' --appendonly no --protected-mode no
	for ((r = 0; r < redis_rounds; r++)); do
		for p in 1 16; do
			n=$((p == 1 ? redis_n : redis_n * 10))
			[[ $uk_up == 1 ]] && redis_run "$work/res.uk.redis.P$p.$r" 10.9.1.2 -c 20 -n "$n" -P "$p"
			[[ $linux_up == 1 ]] && redis_run "$work/res.linux.redis.P$p.$r" 10.9.2.2 -c 20 -n "$n" -P "$p"
		done
	done
	for p in 1 16; do collect "redis.P$p" set get "$redis_rounds"; done
	down_both redis-server
	for p in 1 16; do
		label="Redis -c20"
		[[ $p == 16 ]] && label="Redis -c20 -P16"
		add "$(rate_row "$label SET" "${res[uk.redis.P$p.set]:-}" "${res[linux.redis.P$p.set]:-}" "req/s" 1.5 "${res[ratio.redis.P$p.set]:-}")"
		add "$(rate_row "$label GET" "${res[uk.redis.P$p.get]:-}" "${res[linux.redis.P$p.get]:-}" "req/s" 1.5 "${res[ratio.redis.P$p.get]:-}")"
	done
else
	row "Redis SET/GET -c20, -P16" "not measured: ${why_redis:-$why_tools}" "" "" "" ""
fi

# ---------------------------------------------------------------- stream

# stream SIDE DIR: the guest SIDE (uk or linux) connects to a peer in the
# namespace and receives (DIR=recv) or sends MIB MiB; the MB/s the peer
# measured goes to res[SIDE.stream.DIR].
stream() {
	local side=$1 dir=$2 i peer_dir out=$work/stream.$1.$2
	[[ $side == uk ]] && i=1 || i=2
	[[ $dir == recv ]] && peer_dir=send || peer_dir=recv
	rm -f "$out.ready"
	ip netns exec "$ns" timeout 300 "$work/netstream.linux" listen "10.9.$i.1" 5001 "$peer_dir" "$mib" "$out.ready" \
		>"$out.peer" 2>&1 &
	local peer=$!
	for _ in $(seq 100); do [[ -s $out.ready ]] && break; sleep 0.05; done
	if [[ $side == uk ]]; then
		boot_uk "$out.console" "$mem" "$work/netstream.uk" connect 10.9.1.1 5001 "$dir" "$mib"
	else
		boot_linux "$out.console" "$mem" "$work/netstream.initrd" /netstream.linux connect 10.9.2.1 5001 "$dir" "$mib"
	fi
	local g=$guest_pid
	# A guest that ends without connecting leaves the peer waiting.
	while kill -0 "$peer" 2>/dev/null && kill -0 "$g" 2>/dev/null; do sleep 0.1; done
	for _ in $(seq 30); do kill -0 "$peer" 2>/dev/null || break; sleep 0.1; done
	kill "$peer" 2>/dev/null
	wait "$peer"
	local st=$?
	# The guest ends by itself; the Linux guest's init exiting panics it,
	# which ends QEMU (panic=-1, -no-reboot).
	for _ in $(seq 100); do kill -0 "$g" 2>/dev/null || break; sleep 0.1; done
	stop "$g"
	if [[ $st == 0 ]]; then
		res[$side.stream.$dir]=$(sed -n 's/^bench stream \([0-9.]*\) MB\/s$/\1/p' "$out.peer")
	else
		failed+=("stream $side $dir: peer status $st: $(tail -n 2 "$out.peer" "$out.console" | tr -d '\r' | tr '\n' ' ')")
	fi
}

if [[ $have_tools == 1 ]]; then
	[[ $have_linux == 1 ]] && linux_initrd netstream "$work/netstream.linux"
	for dir in send recv; do
		for side in uk linux; do
			[[ $side == linux && $have_linux == 0 ]] && continue
			[[ -x $work/netstream.$side ]] || continue
			stream "$side" "$dir"
		done
	done
fi
add "$(rate_row "TCP stream guest -> host ($mib MiB)" "${res[uk.stream.send]:-}" "${res[linux.stream.send]:-}" "MB/s" 1.0)"
add "$(rate_row "TCP stream host -> guest ($mib MiB)" "${res[uk.stream.recv]:-}" "${res[linux.stream.recv]:-}" "MB/s" 1.0)"

# ---------------------------------------------------------------- memory

# serves SIDE MIB: whether httpd with MIB MiB serves wrk -c20 for 2 s
# without an error and still answers afterwards.
serves() {
	local side=$1 m=$2 log=$work/mem.$1.$2 ok=0 addr
	if [[ $side == uk ]]; then
		addr=10.9.1.2
		boot_uk "$log.console" "${m}M" "$work/httpd.uk"
	else
		addr=10.9.2.2
		boot_linux "$log.console" "${m}M" "$work/httpd.initrd" /httpd.linux
	fi
	local g=$guest_pid
	mem_why="$m MiB: httpd did not come up"
	if wait_port "$addr" 80 "$g" 40; then
		inns wrk -t1 -c20 -d2s "http://$addr/" >"$log.wrk" 2>&1
		if ! grep -q 'Requests/sec' "$log.wrk" || grep -Eq 'Socket errors|Non-2xx' "$log.wrk"; then
			mem_why="$m MiB: wrk saw errors"
		elif ! wait_port "$addr" 80 "$g" 15; then
			mem_why="$m MiB: no answer within 15 s after the load"
		else
			ok=1
		fi
	fi
	stop "$g"
	[[ $ok == 1 ]]
}

# smallest SIDE LO HI STEP: the smallest MiB in [LO, HI] (a multiple of
# STEP) at which httpd serves, assuming more memory never hurts; empty when
# it does not serve with HI.
smallest() {
	local side=$1 lo=$(($2 / $4)) hi=$(($3 / $4)) step=$4 mid
	if ! serves "$side" "$((hi * step))"; then
		echo "$mem_why" >"$work/mem.$side.why"
		return 0
	fi
	while ((lo < hi)); do
		mid=$(((lo + hi) / 2))
		if serves "$side" "$((mid * step))"; then hi=$mid; else lo=$((mid + 1)); fi
	done
	echo "$((hi * step))"
}

rm -f "$work/mem.uk.why" "$work/mem.linux.why"
if [[ $have_tools == 1 && -x $work/httpd.uk ]]; then
	res[uk.mem]=$(smallest uk 1 64 1)
	if [[ $have_linux == 1 && $linux_mem == 1 ]]; then
		res[linux.mem]=$(smallest linux 8 256 8)
	fi
fi
python3 - "${res[uk.mem]:-}" "${res[linux.mem]:-}" >"$work/mem.row" <<'EOF'
import sys
ours, linux = sys.argv[1:]
cell = lambda v, s: "%s MiB" % v if v else ("n/a" if s else "n/a")
r = float(ours) / float(linux) if ours and linux else None
print("\t".join(["smallest --mem httpd serves -c20", "%s MiB" % ours if ours else "n/a",
                 "%s MiB" % linux if linux else "n/a", "%.2fx" % r if r else "n/a",
                 "(1 MiB / 8 MiB steps)", ""]))
EOF
add "$(cat "$work/mem.row")"
for side in uk linux; do
	[[ -s $work/mem.$side.why ]] && row "  $side: n/a, as at $(cat "$work/mem.$side.why")" "" "" "" "" ""
done

# ---------------------------------------------------------------- print

echo "libunikraft net bench ($(date -u +%Y-%m-%dT%H:%MZ), $($qemu --version | head -n 1 | sed 's/ (.*//'), TCG, 1 vCPU, $mem)"
echo "ours: ukrun -M microvm, virtio-net-device; Linux guest: $kernel, -M microvm,acpi=on, virtio-net-device (virtio_mmio.ko via ACPI), tsc_early_khz=${tsc_khz:-n/a}"
echo "one tap per guest in netns $ns, load from inside it; wrk -t1 ${secs}s runs, median of $rounds rounds (Redis $redis_rounds), guests alternating; ratio: median of the rounds' ratios"
[[ $have_linux == 1 ]] || echo "Linux guest: not measured: $why_linux"
[[ $have_tools == 1 ]] || echo "not measured: $why_tools"
printf '%-36s %14s %14s %8s  %-18s %s\n' "what" "ours" "Linux guest" "ratio" "target" "met"
printf '%s\n' "${rows[@]}"

if ((${#failed[@]})); then
	printf 'net bench: %s\n' "${failed[@]}" >&2
	exit 1
fi
exit 0
