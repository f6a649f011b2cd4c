#!/usr/bin/env bash
# System-call and thread costs: bench/sysbench.c as a unikernel (ukrun, TCG,
# on -M pc and on microvm) and as /init of a Linux guest (bench/linux_guest.sh,
# TCG, -M pc), all in this one run, side by side with the targets.
#
# Never fails on a time: exits 0 when every run produced its rows, non-zero
# with a message when one could not run at all (its column shows n/a).
#
# Env: BUILD (default build).
set -uo pipefail
BUILD=${BUILD:-build}
work=$BUILD/bench/sys
ukrun=$BUILD/bin/ukrun
kraftld=$BUILD/bin/kraftld
mkdir -p "$work"

failed=()

# Runs one side, keeps its `bench` lines in $work/NAME.txt and its whole
# output in $work/NAME.log.
side() { # name command...
	local name=$1
	shift
	"$@" </dev/null >"$work/$name.log" 2>&1
	local st=$?
	tr -d '\r' <"$work/$name.log" | grep '^bench ' >"$work/$name.txt"
	if [[ $st != 0 || ! -s $work/$name.txt ]]; then
		failed+=("$name: status $st, see $work/$name.log: $(tail -n 2 "$work/$name.log" | tr '\n' ' ')")
		: >"$work/$name.txt"
	fi
}

if [[ ! -x $kraftld || ! -x $ukrun ]]; then
	failed+=("unikernel: $kraftld or $ukrun is not built")
	: >"$work/uk-pc.txt"
	: >"$work/uk-microvm.txt"
elif ! gcc -O2 -c bench/sysbench.c -o "$work/sysbench.o" 2>"$work/build.log" ||
	! "$kraftld" -o "$work/sysbench" "$work/sysbench.o" 2>>"$work/build.log"; then
	failed+=("unikernel: sysbench does not build: $(head -c 300 "$work/build.log")")
	: >"$work/uk-pc.txt"
	: >"$work/uk-microvm.txt"
else
	# The memory the Linux guest has (bench/linux_guest.sh): the 256 MiB row
	# needs it.
	side uk-pc "$ukrun" --accel tcg --machine pc --mem 512M --timeout 120 "$work/sysbench"
	side uk-microvm "$ukrun" --accel tcg --machine microvm --mem 512M --timeout 120 "$work/sysbench"
fi
side linux env BUILD="$BUILD" bash bench/linux_guest.sh

kernel=$(cat "$BUILD/bench/linux/kernel.txt" 2>/dev/null || echo "kernel n/a")
echo
echo "libunikraft sys bench ($(date -u +%Y-%m-%dT%H:%MZ), $("${UKRUN_QEMU:-qemu-system-x86_64}" --version | head -n 1 | sed 's/ (.*//'), TCG, -cpu max, 1 vCPU; Linux guest: $kernel)"
echo "fastest of 5 batches per row; ns from CLOCK_MONOTONIC, cyc from the TSC (host rate under TCG)"
python3 - "$work/uk-pc.txt" "$work/uk-microvm.txt" "$work/linux.txt" <<'EOF'
import sys

def load(path):
    rows = {}
    for line in open(path):
        f = line.split()
        if len(f) == 4:
            rows[f[1]] = (float(f[2]), float(f[3]))
    return rows

pc, micro, linux = (load(p) for p in sys.argv[1:4])

def cell(side, name):
    if name not in side:
        return "n/a"
    ns, cyc = side[name]
    t = ("%.1f ms" % (ns / 1e6) if ns >= 1e7 else
         "%.1f us" % (ns / 1000) if ns >= 10000 else "%.1f ns" % ns)
    c = ("%.0fM cyc" % (cyc / 1e6) if cyc >= 1e8 else
         "%.0fk cyc" % (cyc / 1000) if cyc >= 100000 else "%.0f cyc" % cyc)
    return "%s (%s)" % (t, c)

def ratio(a, b):
    return a / b if a is not None and b else None

def ns(side, name):
    return side[name][0] if name in side else None

# name, label, what the target compares, its limit. The target is judged on
# -M pc, the machine type the Linux guest runs on.
rows = [
    ("call", "plain function call", None, None),
    ("getppid", "getppid() direct path", "call", 3.0),
    ("syscall", "syscall trap (getppid)", "linux-syscall", 0.25),
    ("ctxsw", "thread context switch", "linux", 1.0),
    ("thread", "thread create + join", "linux", 1.0),
    ("fault", "demand-zero page fault", "linux", 0.5),
    ("mmap256", "mmap+touch+munmap 256M", "linux", 0.7),
    ("randmem", "load, random page of 16M", "linux", 1.0),
    ("signal", "raise + handler", "linux", 0.5),
    ("sigthread", "pthread_kill to sleeper", "linux", 0.5),
]
fmt = "%-24s %-22s %-22s %-22s %8s  %-26s %s"
print(fmt % ("row", "unikernel -M pc", "unikernel microvm", "Linux guest -M pc", "uk/linux", "target", "met"))
for name, label, against, limit in rows:
    r = ratio(ns(pc, name), ns(linux, name))
    target, met = "(baseline)", ""
    if against == "call":
        v = ratio(ns(pc, name), ns(pc, "call"))
        target = "direct/call %s <= %.0fx" % ("%.2fx" % v if v else "n/a", limit)
    elif against == "linux-syscall":
        v = ratio(ns(pc, name), ns(linux, "syscall"))
        target = "<= %gx Linux syscall" % limit
    elif against == "linux":
        v = r
        target = "< Linux guest" if limit == 1.0 else "<= %gx Linux guest" % limit
    if against:
        met = "n/a" if v is None else ("met" if (v < limit if limit == 1.0 else v <= limit) else "NOT met")
    print(fmt % (label, cell(pc, name), cell(micro, name), cell(linux, name),
                 "%.2fx" % r if r else "n/a", target, met))
EOF

if ((${#failed[@]})); then
	printf 'sys bench: %s\n' "${failed[@]}" >&2
	exit 1
fi
exit 0
