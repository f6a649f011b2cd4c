#!/usr/bin/env bash
# Figures for the big programs, each beside a baseline measured in this same
# run: CPython's start-up (whole QEMU process, `python3 -c pass`) and its
# CPU-bound speed (bench/apps_pybench.py, timed inside the guest) against
# Debian's own python3.11 as a program of a Linux guest (Debian's cloud
# kernel, fetched by bench/linux_guest.sh) under the same QEMU and TCG; the
# sizes of the python3, nginx and Go net/http images beside the same
# programs for Linux; and the smallest --mem each of ours runs with.
#
# The Linux guest's initrd (bench/guest_initrd.py) holds Debian's
# /usr/bin/python3.11, the shared libraries ldd names for it and for its
# lib-dynload modules, the dynamic loader, /usr/lib/python3.11 without
# test/, idlelib, tkinter, ensurepip and site/dist-packages, and /init
# (bench/apps_init.c), which runs the interpreter with the arguments after
# -- on the kernel's command line and powers the VM off when it exits.
#
# A program that is missing (python3 is `make app-python3`, not part of
# `make all`) gives a "not measured" row with the reason. Never fails on a
# figure; prints its own table.
#
# Env: BUILD (default build); APPBENCH_RUNS (runs per start-up timing,
# default 5, interleaved by bench/timeit.c), APPBENCH_CPU_RUNS (rounds of
# the CPU-bound script per guest, default 3), APPBENCH_MEM (memory of both
# guests for the timings, default 512M: the Linux guest unpacks its 80 MB
# initrd into tmpfs and needs more than 256M), APPBENCH_PYTHON and
# APPBENCH_PYTHON_ROOT (default $BUILD/apps/python3{,.root}),
# APPBENCH_NGINX and APPBENCH_NGINX_ROOT (default $BUILD/apps/nginx{,.root}),
# APPBENCH_NGINX_LINUX (a static Linux nginx, default
# $BUILD/bench/net/nginx.linux as bench/net.sh leaves it, when present),
# APPBENCH_MEMSEARCH=0 skips the smallest --mem searches.
set -uo pipefail
BUILD=${BUILD:-build}
work=$BUILD/bench/apps
ukrun=$BUILD/bin/ukrun
kraftld=$BUILD/bin/kraftld
qemu=${UKRUN_QEMU:-qemu-system-x86_64}
runs=${APPBENCH_RUNS:-5}
cpu_runs=${APPBENCH_CPU_RUNS:-3}
mem=${APPBENCH_MEM:-512M}
python=${APPBENCH_PYTHON:-$BUILD/apps/python3}
pyroot=${APPBENCH_PYTHON_ROOT:-$BUILD/apps/python3.root}
nginx=${APPBENCH_NGINX:-$BUILD/apps/nginx}
nginx_root=${APPBENCH_NGINX_ROOT:-$BUILD/apps/nginx.root}
nginx_linux=${APPBENCH_NGINX_LINUX:-$BUILD/bench/net/nginx.linux}
memsearch=${APPBENCH_MEMSEARCH:-1}
host_python=/usr/bin/python3.11
mkdir -p "$work"
start_secs=$SECONDS

# ---------------------------------------------------------------- table

rows=()
# row WHAT OURS BASELINE RATIO TARGET MET
row() { rows+=("$(printf '%-34s %12s %12s %8s  %-20s %s' "$@")"); }
# not_measured WHAT WHY
not_measured() { rows+=("$(printf '%-34s not measured: %s' "$1" "$2")"); }
# ratio A B: A/B as "0.25x", or n/a.
ratio() { python3 -c 'import sys
a, b = sys.argv[1:]
print("%.2fx" % (float(a) / float(b)) if a and b and float(b) else "n/a")' "$1" "$2"; }
# met RATIO OP LIMIT: "met" when RATIO (e.g. 0.25x) OP LIMIT holds.
met() { python3 -c 'import sys
r, op, limit = sys.argv[1:]
if r == "n/a":
    print("n/a")
else:
    r, limit = float(r.rstrip("x")), float(limit)
    print("met" if (r <= limit if op == "<=" else r >= limit) else "NOT met")' "$1" "$2" "$3"; }
median() { python3 -c 'import statistics, sys
v = [float(x) for x in sys.argv[1:] if x]
print("%.3f" % statistics.median(v) if v else "")' "$@"; }
mib() { python3 -c 'import sys; print("%.1f MiB" % (int(sys.argv[1]) / 1048576))' "$1"; }

# ---------------------------------------------------------------- tools

why_tools=""
for t in "$qemu" gcc python3 strip curl; do
	command -v "$t" >/dev/null 2>&1 || why_tools="$t is not installed (make deps)"
done
[[ -x $kraftld && -x $ukrun ]] || why_tools="$kraftld or $ukrun is not built"
if [[ -z $why_tools ]] && ! gcc -O2 -Wall -o "$work/timeit" bench/timeit.c 2>"$work/timeit.log"; then
	why_tools="bench/timeit.c does not build: $(head -c 200 "$work/timeit.log")"
fi

# Whether our python3 is there; why_py says why not.
why_py=$why_tools
if [[ -z $why_py ]]; then
	if [[ ! -f $python ]]; then
		why_py="$python is not built (make app-python3, about 30 minutes; or APPBENCH_PYTHON=)"
	elif [[ ! -d $pyroot/usr/lib/python3.11 ]]; then
		why_py="$pyroot has no usr/lib/python3.11 (APPBENCH_PYTHON_ROOT=)"
	fi
fi
pylib=$pyroot/usr/lib/python3.11

# The Linux guest: the kernel bench/linux_guest.sh fetches (run once with
# its own init when the kernel is not there yet), /init, and the initrd.
# Without our python3 there is nothing to compare the Linux guest with.
why_linux=$why_tools
[[ -z $why_linux && -n $why_py ]] && why_linux="our python3 is not measured"
kernel_txt="kernel n/a"
linux_initrd=$work/python3.initrd
if [[ -z $why_linux ]]; then
	if [[ ! -s $BUILD/bench/linux/vmlinuz ]] &&
		! BUILD=$BUILD bash bench/linux_guest.sh >"$work/linux_guest.log" 2>&1 && [[ ! -s $BUILD/bench/linux/vmlinuz ]]; then
		why_linux="no Linux kernel: $(tail -n 1 "$work/linux_guest.log")"
	elif [[ ! -x $host_python ]]; then
		why_linux="$host_python is not installed (Debian's python3.11-minimal)"
	elif ! gcc -O2 -static -Wall -o "$work/init" bench/apps_init.c 2>"$work/init.log"; then
		why_linux="bench/apps_init.c does not build statically: $(head -c 200 "$work/init.log")"
	else
		kernel_txt=$(cat "$BUILD/bench/linux/kernel.txt" 2>/dev/null || echo "Debian cloud kernel")
		mapfile -t libs < <(for f in "$host_python" /usr/lib/python3.11/lib-dynload/*.so; do
			ldd "$f" | awk '/=>/ && $3 ~ /^\// {print $3} /^\t\/[^ ]*ld-linux/ {print $1}'
		done | sort -u)
		if ! python3 bench/guest_initrd.py "$linux_initrd" "$work/init" \
			--exclude test --exclude idlelib --exclude tkinter --exclude ensurepip \
			--exclude site-packages --exclude dist-packages \
			"$host_python" "${libs[@]}" /usr/lib/python3.11 bench/apps_pybench.py=/bench/apps_pybench.py 2>"$work/initrd.log"; then
			why_linux="cannot write the initrd: $(tail -n 1 "$work/initrd.log")"
		fi
	fi
fi
kernel="$BUILD/bench/linux/vmlinuz"

# The Linux guest's QEMU command for python3.11 ARGS, one word a line (no
# word holds a newline; the command line holds spaces).
# With no ARGS init powers off at once, without running python3.11. The
# guest's memory is lmem when set, else mem.
linux_cmd() {
	local append="console=ttyS0 quiet panic=-1"
	(($#)) && append+=" -- $host_python $*"
	printf '%s\n' "$qemu" -M pc -cpu max -accel tcg -m "${lmem:-$mem}" -nodefaults -no-user-config \
		-display none -serial stdio -no-reboot -kernel "$kernel" -initrd "$linux_initrd" -append "$append"
}
# The unit-separated form bench/timeit.c takes, from words one a line.
joined() { paste -sd $'\x1f'; }

# ---------------------------------------------------------------- start-up

# Ours from the initrd (the root as README shows it) and with the standard
# library on a 9p share (README: runs in far less memory); each checked
# once for status 0 and the right output before it is timed.
uk_initrd=("$ukrun" --accel tcg --mem "$mem" --initrd "$pyroot" "$python")
uk_share=("$ukrun" --accel tcg --mem "$mem" --share "$pylib:/usr/lib/python3.11:ro" "$python")
check_out() { # EXPECTED CMD...: whether CMD prints EXPECTED (a line) and exits 0
	local want=$1
	shift
	timeout 300 "$@" </dev/null 2>"$work/check.err" | tr -d '\r' >"$work/check.out"
	local st=${PIPESTATUS[0]}
	[[ $st == 0 ]] && grep -qx -- "$want" "$work/check.out"
}
startup_uk_initrd="" startup_uk_share="" startup_linux="" startup_linux_boot=""
why_start_uk=$why_py why_start_linux=$why_linux
if [[ -z $why_start_uk ]] && ! check_out 42 "${uk_initrd[@]}" -c 'print(6*7)'; then
	why_start_uk="ours does not run print(6*7): $(tail -n 2 "$work/check.err" "$work/check.out" | tr '\n' ' ' | cut -c1-200)"
fi
share_ok=0
[[ -z $why_start_uk ]] && check_out 42 "${uk_share[@]}" -c 'print(6*7)' && share_ok=1
if [[ -z $why_start_linux ]]; then
	mapfile -t lc < <(linux_cmd -c 'print(6*7)')
	if ! check_out 42 "${lc[@]}"; then
		why_start_linux="the Linux guest does not run print(6*7): $(tail -n 2 "$work/check.out" | tr '\n' ' ' | cut -c1-200)"
	fi
fi
cmds=() names=()
if [[ -z $why_start_uk ]]; then
	cmds+=("$(printf '%s\n' "${uk_initrd[@]}" -c pass | joined)") names+=(uk_initrd)
	[[ $share_ok == 1 ]] && { cmds+=("$(printf '%s\n' "${uk_share[@]}" -c pass | joined)") names+=(uk_share); }
fi
if [[ -z $why_start_linux ]]; then
	cmds+=("$(linux_cmd -c pass | joined)" "$(linux_cmd | joined)") names+=(linux linux_boot)
fi
if ((${#cmds[@]})); then
	if mapfile -t ms < <("$work/timeit" "$runs" 1 "${cmds[@]}") && [[ ${#ms[@]} == "${#cmds[@]}" ]]; then
		for i in "${!names[@]}"; do
			case ${names[$i]} in
			uk_initrd) startup_uk_initrd=${ms[$i]} ;;
			uk_share) startup_uk_share=${ms[$i]} ;;
			linux) startup_linux=${ms[$i]} ;;
			linux_boot) startup_linux_boot=${ms[$i]} ;;
			esac
		done
	else
		why_start_uk=${why_start_uk:-timing failed} why_start_linux=${why_start_linux:-timing failed}
	fi
fi
start_row() { # WHAT OURS_MS
	local r
	r=$(ratio "$2" "$startup_linux")
	row "$1" "${2:+$2 ms}" "${startup_linux:+$startup_linux ms}" "$r" "<= 0.5x Linux" "$(met "$r" "<=" 0.5)"
}
if [[ -n $why_start_uk ]]; then
	not_measured "python3 -c pass (whole QEMU)" "$why_start_uk"
else
	start_row "python3 -c pass, root on initrd" "$startup_uk_initrd"
	if [[ $share_ok == 1 ]]; then
		start_row "python3 -c pass, stdlib on 9p" "$startup_uk_share"
	else
		not_measured "python3 -c pass, stdlib on 9p" "does not run: $(tail -n 1 "$work/check.err" | cut -c1-150)"
	fi
fi
if [[ -n $startup_linux_boot ]]; then
	row "  Linux guest boot alone" "" "$startup_linux_boot ms" "" "(init powers off)" ""
fi
[[ -n $why_start_linux && -z $why_start_uk ]] && not_measured "  Linux guest's python3.11" "$why_start_linux"

# ---------------------------------------------------------------- CPU-bound

# bench/apps_pybench.py in each guest, alternating, cpu_runs rounds; ours
# reads it from a 9p share of bench/ at /bench, the Linux guest from its
# initrd at the same path. Each part's result must match across guests.
declare -A cpu=() walls=()
cpu_parts=(nbody json)
if [[ -z $why_start_uk || -z $why_start_linux ]]; then
	for ((r = 0; r < cpu_runs; r++)); do
		if [[ -z $why_start_uk ]]; then
			t0=$EPOCHREALTIME
			timeout 600 "${uk_initrd[@]:0:${#uk_initrd[@]}-1}" --share "$PWD/bench:/bench:ro" "$python" \
				/bench/apps_pybench.py </dev/null 2>&1 | tr -d '\r' >"$work/cpu.uk.$r"
			walls[uk]+=" $(python3 -c 'import sys; print(float(sys.argv[2]) - float(sys.argv[1]))' "$t0" "$EPOCHREALTIME")"
		fi
		if [[ -z $why_start_linux ]]; then
			mapfile -t lc < <(linux_cmd /bench/apps_pybench.py)
			t0=$EPOCHREALTIME
			timeout 600 "${lc[@]}" </dev/null 2>&1 | tr -d '\r' >"$work/cpu.linux.$r"
			walls[linux]+=" $(python3 -c 'import sys; print(float(sys.argv[2]) - float(sys.argv[1]))' "$t0" "$EPOCHREALTIME")"
		fi
	done
	for side in uk linux; do
		# shellcheck disable=SC2086 # the list of seconds, split on purpose
		cpu[$side.wall]=$(median ${walls[$side]:-})
	done
	for side in uk linux; do
		for p in "${cpu_parts[@]}"; do
			mapfile -t v < <(cat "$work"/cpu."$side".* 2>/dev/null | awk -v p="$p" '$1 == "bench" && $2 == p {print $3}')
			cpu[$side.$p]=$(median "${v[@]}")
			cpu[$side.$p.result]=$(cat "$work"/cpu."$side".* 2>/dev/null | awk -v p="$p" '$1 == "bench" && $2 == p {print $4}' | sort -u | tr '\n' ' ')
		done
	done
fi
for p in "${cpu_parts[@]}"; do
	what="CPU: $p (in-guest seconds)"
	if [[ -n $why_start_uk ]]; then
		not_measured "$what" "$why_start_uk"
		continue
	fi
	# Speed is the inverse of time: the ratio is Linux's time over ours.
	r=$(ratio "${cpu[linux.$p]:-}" "${cpu[uk.$p]:-}")
	row "$what" "${cpu[uk.$p]:+${cpu[uk.$p]} s}" "${cpu[linux.$p]:+${cpu[linux.$p]} s}" "$r" ">= 1.0x Linux speed" "$(met "$r" ">=" 1.0)"
	if [[ -z ${cpu[uk.$p]:-} ]]; then
		row "  ours did not finish" "" "" "" "" "$(tail -n 1 "$work/cpu.uk.0" 2>/dev/null | cut -c1-80)"
	elif [[ -n ${cpu[linux.$p]:-} && ${cpu[uk.$p.result]} != "${cpu[linux.$p.result]}" ]]; then
		row "  results differ" "${cpu[uk.$p.result]}" "${cpu[linux.$p.result]}" "" "" "NOT the same work"
	fi
done

if [[ -z $why_start_uk ]]; then
	# A cross-check that needs no guest clock: the whole QEMU run of the
	# script, boot and start-up included.
	r=$(ratio "${cpu[linux.wall]:-}" "${cpu[uk.wall]:-}")
	row "  cross-check: whole QEMU run" "${cpu[uk.wall]:+${cpu[uk.wall]} s}" "${cpu[linux.wall]:+${cpu[linux.wall]} s}" "$r" "(boot included)" ""
fi

# ---------------------------------------------------------------- sizes

# size_row WHAT OURS_FILE LINUX_BYTES LINUX_NOTE: the file and its strip -o
# copy, beside LINUX_BYTES (already stripped, as Debian ships them).
size_row() {
	local what=$1 file=$2 lbytes=$3 lnote=$4 bytes sbytes
	bytes=$(stat -c %s "$file")
	if strip -o "$work/stripped" "$file" 2>/dev/null; then
		sbytes=$(stat -c %s "$work/stripped")
	else
		sbytes=""
	fi
	row "$what" "$(mib "$bytes")" "" "" "(file as built)" ""
	row "  stripped" "${sbytes:+$(mib "$sbytes")}" "${lbytes:+$(mib "$lbytes")}" "$(ratio "$sbytes" "$lbytes")" "$lnote" ""
}

if [[ -n $why_py ]]; then
	not_measured "size: python3" "$why_py"
else
	# Debian's binary with the libraries it loads at start (not lib-dynload).
	mapfile -t pylibs < <(ldd "$host_python" 2>/dev/null | awk '/=>/ && $3 ~ /^\// {print $3} /^\t\/[^ ]*ld-linux/ {print $1}')
	lbytes=$(stat -L -c %s "$host_python" "${pylibs[@]}" 2>/dev/null | awk '{s += $1} END {print s}')
	size_row "size: python3" "$python" "$lbytes" "python3.11 + ${#pylibs[@]} ldd libs"
fi

if [[ -n $why_tools ]]; then
	not_measured "size: nginx" "$why_tools"
elif [[ ! -f $nginx ]]; then
	not_measured "size: nginx" "$nginx is not built (make app-nginx)"
else
	lbytes=""
	lnote="Linux: none built"
	if [[ -f $nginx_linux ]] && strip -o "$work/nginx.linux.stripped" "$nginx_linux" 2>/dev/null; then
		lbytes=$(stat -c %s "$work/nginx.linux.stripped") lnote="static glibc (net.sh)"
	fi
	size_row "size: nginx" "$nginx" "$lbytes" "$lnote"
fi

# Go: examples-go/httpd linked by kraftld, beside the same go build for
# Linux (static, CGO_ENABLED=0), stripped alike.
why_go=$why_tools
gohttpd=$work/gohttpd.uk
if [[ -z $why_go ]]; then
	if ! command -v go >/dev/null 2>&1; then
		why_go="go is not installed (make deps)"
	elif ! (bin=$(realpath "$BUILD/bin") out=$(realpath -m "$work") && cd examples-go/httpd &&
		CGO_ENABLED=0 PATH=$bin:$PATH go build -ldflags='-linkmode=external -extld=kraftld' -o "$out/gohttpd.uk" . &&
		CGO_ENABLED=0 go build -o "$out/gohttpd.linux" .) >"$work/gohttpd.build.log" 2>&1; then
		why_go="examples-go/httpd does not build: $(tail -n 2 "$work/gohttpd.build.log" | tr '\n' ' ')"
	fi
fi
if [[ -n $why_go ]]; then
	not_measured "size: Go net/http (httpd)" "$why_go"
else
	strip -o "$work/gohttpd.linux.stripped" "$work/gohttpd.linux"
	row "size: Go net/http (httpd)" "$(mib "$(stat -c %s "$gohttpd")")" "$(mib "$(stat -c %s "$work/gohttpd.linux")")" \
		"$(ratio "$(stat -c %s "$gohttpd")" "$(stat -c %s "$work/gohttpd.linux")")" "(files as built)" ""
	strip -o "$work/stripped" "$gohttpd"
	row "  stripped" "$(mib "$(stat -c %s "$work/stripped")")" "$(mib "$(stat -c %s "$work/gohttpd.linux.stripped")")" \
		"$(ratio "$(stat -c %s "$work/stripped")" "$(stat -c %s "$work/gohttpd.linux.stripped")")" "go build, static" ""
fi

# ---------------------------------------------------------------- memory

# runs_print MIB ARGS...: whether ours prints 1 for print(1) with MIB MiB.
runs_print() {
	local m=$1
	shift
	timeout 120 "$ukrun" --accel tcg --timeout 100 --mem "${m}M" "$@" -c 'print(1)' </dev/null >"$work/mem.out" 2>"$work/mem.err" &&
		[[ $(tr -d '\r' <"$work/mem.out") == 1 ]]
}

# linux_print MIB: whether the Linux guest, with MIB MiB, prints 1 for
# print(1) and exits 0.
linux_print() {
	local lmem=${1}M
	mapfile -t lc < <(linux_cmd -c 'print(1)')
	timeout 60 "${lc[@]}" </dev/null 2>&1 | tr -d '\r' >"$work/mem.linux.out"
	grep -qx 1 "$work/mem.linux.out" && grep -qx 'apps: exit 0' "$work/mem.linux.out"
}

# A free TCP port on 127.0.0.1.
free_port() { python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'; }

# serves_http MIB GUESTPORT ARGS...: whether ours, booted with MIB MiB and
# GUESTPORT forwarded from a free port on 127.0.0.1, answers one HTTP GET
# within 30 s. Only 127.0.0.1 is ever contacted.
serves_http() {
	local m=$1 gport=$2 port pid ok=1 end
	shift 2
	port=$(free_port)
	"$ukrun" --accel tcg --timeout 90 --mem "${m}M" --net "user,hostfwd=tcp:127.0.0.1:$port-:$gport" "$@" \
		</dev/null >"$work/mem.out" 2>&1 &
	pid=$!
	end=$((SECONDS + 30))
	while ((SECONDS < end)) && kill -0 "$pid" 2>/dev/null; do
		if curl -s -o /dev/null -f --noproxy '*' --max-time 5 "http://127.0.0.1:$port/"; then
			ok=0
			break
		fi
		sleep 0.3
	done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return "$ok"
}

# smallest HI PROBE ARGS...: the smallest MiB in [1, HI] for which PROBE MIB
# ARGS... succeeds, assuming more memory never hurts; empty when HI fails.
smallest() {
	local lo=1 hi=$1 probe=$2 mid
	shift 2
	"$probe" "$hi" "$@" || return 0
	while ((lo < hi)); do
		mid=$(((lo + hi) / 2))
		if "$probe" "$mid" "$@"; then hi=$mid; else lo=$((mid + 1)); fi
	done
	echo "$hi"
}

mem_row() { # WHAT MIB HI [LINUX_MIB]
	if [[ -n $2 ]]; then
		local l=${4:-}
		row "$1" "$2 MiB" "${l:+$l MiB}" "$([[ -n $l ]] && ratio "$2" "$l")" "(1 MiB steps)" ""
	else
		not_measured "$1" "does not run with $3 MiB: $(tail -q -n 2 "$work/mem.err" "$work/mem.out" 2>/dev/null | tr -d '\r' | tr '\n' ' ' | cut -c1-120)"
	fi
}

if [[ $memsearch != 1 ]]; then
	not_measured "smallest --mem" "APPBENCH_MEMSEARCH=$memsearch"
else
	if [[ -n $why_py ]]; then
		not_measured "smallest --mem: python3 print(1)" "$why_py"
	else
		linux_mib=""
		[[ -z $why_linux ]] && linux_mib=$(smallest 1024 linux_print)
		mem_row "smallest --mem: python3, initrd" "$(smallest 512 runs_print --initrd "$pyroot" "$python")" 512 "$linux_mib"
		mem_row "smallest --mem: python3, 9p share" \
			"$(smallest 128 runs_print --share "$pylib:/usr/lib/python3.11:ro" "$python")" 128
	fi
	if [[ -n $why_go ]]; then
		not_measured "smallest --mem: Go httpd, 1 GET" "$why_go"
	else
		mem_row "smallest --mem: Go httpd, 1 GET" "$(smallest 128 serves_http 8080 "$gohttpd")" 128
	fi
	if [[ -n $why_tools ]]; then
		not_measured "smallest --mem: nginx, 1 GET" "$why_tools"
	elif [[ ! -f $nginx || ! -d $nginx_root ]]; then
		not_measured "smallest --mem: nginx, 1 GET" "$nginx or $nginx_root is not built (make app-nginx)"
	else
		mem_row "smallest --mem: nginx, 1 GET" "$(smallest 256 serves_http 80 --initrd "$nginx_root" "$nginx")" 256
	fi
fi

# ---------------------------------------------------------------- print

echo "libunikraft apps bench ($(date -u +%Y-%m-%dT%H:%MZ), $($qemu --version | head -n 1 | sed 's/ (.*//'), TCG, 1 vCPU, --mem/-m $mem, $((SECONDS - start_secs)) s)"
echo "ours: $python (apps/python3/build.sh: gcc -O3, PGO from CPython's own training set, LTO, static), ukrun -M microvm"
echo "Linux guest: $kernel_txt, -M pc, /init runs Debian's $host_python (dynamically linked, built with PGO and LTO)"
echo "start-up: median of $runs whole-QEMU runs, interleaved; CPU: bench/apps_pybench.py, median of $cpu_runs rounds, timed in the guest"
[[ -n $why_linux ]] && echo "Linux guest: not measured: $why_linux"
if [[ -z $why_py && -z $why_linux ]]; then
	echo "initrds: ours $(mib "$(du -sb "$pyroot" | cut -f1)") ($pyroot, test/ included), Linux guest's $(mib "$(stat -c %s "$linux_initrd")") (no test/)"
fi
printf '%-34s %12s %12s %8s  %-20s %s\n' "what" "ours" "Linux" "ratio" "target" "met"
printf '%s\n' "${rows[@]}"
exit 0
