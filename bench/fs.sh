#!/usr/bin/env bash
# ramfs beside the Linux guest's tmpfs: bench/fs.c as a unikernel (ukrun,
# TCG, on -M pc and on microvm, in /tmp, which is ramfs) and as /init of a
# Linux guest (bench/linux_guest.sh, TCG, -M pc, a tmpfs on /tmp), all in
# this one run, side by side with the targets. Prints its own table.
#
# The runner is meant for more than one program: side_uk and side_linux run
# any program built by build_pair and keep its `bench NAME RATE UNIT` lines;
# table prints rows from a list of "name|label|target" (a rate, so a higher
# ratio is better; target is the least uk/Linux ratio wanted).
#
# Never fails on a figure: exits 0 when every run produced its rows, non-zero
# with a message when one could not run at all (its column shows n/a).
#
# Env: BUILD (default build), FSBENCH_ARGS (the program's DIR MIB FILES,
# default "/tmp 64 10000"), FSBENCH_TIMEOUT (seconds per run, default 600).
set -uo pipefail
BUILD=${BUILD:-build}
work=$BUILD/bench/fs
ukrun=$BUILD/bin/ukrun
kraftld=$BUILD/bin/kraftld
limit=${FSBENCH_TIMEOUT:-600}
args=${FSBENCH_ARGS:-/tmp 64 10000}
mkdir -p "$work"

failed=()

# build_pair SOURCE DEFINE STEM: SOURCE linked by kraftld as STEM.uk and
# built statically against glibc with -DDEFINE as STEM.linux (an init).
build_pair() {
	local src=$1 define=$2 stem=$3
	if ! gcc -O2 -c "$src" -o "$stem.o" 2>"$stem.build.log" ||
		! "$kraftld" -o "$stem.uk" "$stem.o" 2>>"$stem.build.log"; then
		failed+=("unikernel: $src does not build: $(head -c 300 "$stem.build.log")")
		rm -f "$stem.uk"
	fi
	if ! gcc -O2 -static -D"$define" -o "$stem.linux" "$src" 2>>"$stem.build.log"; then
		failed+=("linux: $src does not build statically: $(head -c 300 "$stem.build.log")")
		rm -f "$stem.linux"
	fi
}

# keep NAME STATUS [DONE]: keeps the `bench` lines of $work/NAME.log in
# $work/NAME.txt; notes a failure unless the run ended with status 0 (and
# printed a DONE line, when one is given).
keep() {
	local name=$1 st=$2 done_line=${3:-}
	tr -d '\r' <"$work/$name.log" | grep '^bench ' >"$work/$name.txt"
	local ended=1
	[[ -z $done_line ]] || tr -d '\r' <"$work/$name.log" | grep -Eq "$done_line" || ended=0
	if [[ $st != 0 || $ended == 0 ]]; then
		failed+=("$name: status $st, see $work/$name.log: $(tail -n 2 "$work/$name.log" | tr -d '\r' | tr '\n' ' ')")
	fi
}

# side_uk NAME DONE IMAGE [UKRUN_OPTIONS...] [-- ARGS...]
side_uk() {
	local name=$1 done_line=$2 image=$3
	shift 3
	: >"$work/$name.txt"
	[[ -x $image ]] || return
	local -a opts=()
	while (($#)) && [[ $1 != -- ]]; do
		opts+=("$1")
		shift
	done
	(($#)) && shift
	"$ukrun" --accel tcg --mem 512M --timeout "$limit" "${opts[@]}" "$image" "$@" \
		</dev/null >"$work/$name.log" 2>&1
	keep "$name" $? "$done_line"
}

# side_linux NAME DONE INIT [ARGS...]: INIT as /init of the Linux guest.
side_linux() {
	local name=$1 done_line=$2 init=$3
	shift 3
	: >"$work/$name.txt"
	[[ -x $init ]] || return
	LINUX_GUEST_INIT=$init LINUX_GUEST_NAME=$name LINUX_GUEST_DONE=$done_line \
		LINUX_GUEST_ARGS="$*" LINUX_GUEST_TIMEOUT=$limit BUILD=$BUILD \
		bash bench/linux_guest.sh </dev/null >"$work/$name.log" 2>&1
	# linux_guest.sh itself fails unless the guest printed the DONE line.
	keep "$name" $?
}

# table TITLE ROWS PC MICROVM LINUX: ROWS holds "name|label|target" lines.
table() {
	python3 - "$@" <<'EOF'
import sys

title, spec, pc_path, micro_path, linux_path = sys.argv[1:6]

def load(path):
    rows = {}
    for line in open(path):
        f = line.split()
        if len(f) == 4:
            rows[f[1]] = (float(f[2]), f[3])
    return rows

pc, micro, linux = (load(p) for p in (pc_path, micro_path, linux_path))

def cell(side, name):
    if name not in side:
        return "n/a"
    rate, unit = side[name]
    return ("%.0f %s" if rate >= 100 else "%.1f %s") % (rate, unit)

print(title)
fmt = "%-30s %-18s %-18s %-18s %8s  %-16s %s"
print(fmt % ("row", "unikernel -M pc", "unikernel microvm", "Linux guest -M pc", "uk/linux", "target", "met"))
for line in spec.strip().splitlines():
    name, label, target = line.split("|")
    r = pc[name][0] / linux[name][0] if name in pc and name in linux and linux[name][0] else None
    want = float(target)
    met = "n/a" if r is None else ("met" if r >= want else "NOT met")
    print(fmt % (label, cell(pc, name), cell(micro, name), cell(linux, name),
                 "%.2fx" % r if r else "n/a", ">= %gx Linux" % want, met))
EOF
}

if [[ ! -x $kraftld || ! -x $ukrun ]]; then
	failed+=("unikernel: $kraftld or $ukrun is not built")
fi
build_pair bench/fs.c FSBENCH_LINUX_INIT "$work/fs"
done_line='^fsbench: done'
# shellcheck disable=SC2086 # FSBENCH_ARGS is a list of words.
side_uk uk-pc "$done_line" "$work/fs.uk" --machine pc -- $args
# shellcheck disable=SC2086
side_uk uk-microvm "$done_line" "$work/fs.uk" --machine microvm -- $args
# shellcheck disable=SC2086
side_linux linux "$done_line" "$work/fs.linux" $args

kernel=$(cat "$BUILD/bench/linux/kernel.txt" 2>/dev/null || echo "kernel n/a")
echo
table "libunikraft fs bench ($(date -u +%Y-%m-%dT%H:%MZ), $("${UKRUN_QEMU:-qemu-system-x86_64}" --version | head -n 1 | sed 's/ (.*//'), TCG, 1 vCPU, 512 MiB; ramfs vs the Linux guest's tmpfs ($kernel); median of 5 runs; bench/fs.c $args)" \
	"write_4k|64 MiB write, 4 KiB blocks|1
read_4k|64 MiB read, 4 KiB blocks|1
write_1m|64 MiB write, 1 MiB blocks|1
read_1m|64 MiB read, 1 MiB blocks|1
create|create+write+close 10k files|3
stat|stat 10k files|3
unlink|unlink 10k files|3" \
	"$work/uk-pc.txt" "$work/uk-microvm.txt" "$work/linux.txt"

if ((${#failed[@]})); then
	printf 'fs bench: %s\n' "${failed[@]}" >&2
	exit 1
fi
exit 0
