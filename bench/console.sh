#!/usr/bin/env bash
# Console throughput: MB/s through the app's stdin and stdout
# (bench/console_bench.c) as a unikernel (ukrun, TCG, microvm and pc: the
# virtio console, ukrun's relay) and as /init of a Linux guest on its
# serial console (ttyS0, -serial stdio, TCG, -M pc), in this one run.
# The unikernel moves 10 MiB each way; the Linux guest's serial console
# needs seconds per MiB, so it moves CONSOLE_LINUX_BYTES (default 1 MiB).
#
# Never fails on a rate: exits 0 when every run produced its row, non-zero
# with a message when one could not run (its cell shows n/a).
#
# Env: BUILD (default build), UKRUN_QEMU, CONSOLE_LINUX_BYTES.
set -uo pipefail
BUILD=${BUILD:-build}
work=$BUILD/bench/console
ukrun=$BUILD/bin/ukrun
kraftld=$BUILD/bin/kraftld
qemu=${UKRUN_QEMU:-qemu-system-x86_64}
uk_bytes=$((10 * 1024 * 1024))
linux_bytes=${CONSOLE_LINUX_BYTES:-$((1024 * 1024))}
mkdir -p "$work"
failed=()

# Keeps the last "bench" line of a run's output in $work/NAME.txt.
keep() { # name log status
	tr -d '\r' <"$2" | grep -a '^bench console_' | tail -n 1 >"$work/$1.txt"
	if [[ $3 != 0 || ! -s $work/$1.txt ]]; then
		failed+=("$1: status $3, see $2")
		: >"$work/$1.txt"
	fi
}

head -c "$uk_bytes" /dev/zero | tr '\0' 'y' >"$work/in.uk"
head -c "$linux_bytes" /dev/zero | tr '\0' 'y' >"$work/in.linux"

# Runs a command, sending it FILE on stdin only once it prints "ready" (the
# app's console is raw by then), with its output in LOG.
feed_when_ready() { # file log command...
	python3 - "$@" <<'PY'
import subprocess, sys, threading
data, log = open(sys.argv[1], "rb").read(), open(sys.argv[2], "wb")
p = subprocess.Popen(sys.argv[3:], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                     stderr=subprocess.STDOUT)
def feed():
    try:
        p.stdin.write(data)
        p.stdin.close()
    except BrokenPipeError:
        pass
seen = b""
for chunk in iter(lambda: p.stdout.read1(65536), b""):
    log.write(chunk)
    if seen is not None:
        seen += chunk
        if b"ready" in seen:
            seen = None
            threading.Thread(target=feed, daemon=True).start()
sys.exit(p.wait())
PY
}

if gcc -O2 -c bench/console_bench.c -o "$work/app.o" 2>"$work/build.log" &&
	"$kraftld" -o "$work/app" "$work/app.o" 2>>"$work/build.log"; then
	for m in microvm pc; do
		"$ukrun" --accel tcg --machine "$m" --timeout 300 "$work/app" out "$uk_bytes" \
			</dev/null >"$work/uk-$m-out.log" 2>&1
		keep "uk-$m-out" "$work/uk-$m-out.log" $?
		feed_when_ready "$work/in.uk" "$work/uk-$m-in.log" \
			"$ukrun" --accel tcg --machine "$m" --timeout 300 "$work/app" in "$uk_bytes"
		keep "uk-$m-in" "$work/uk-$m-in.log" $?
	done
else
	failed+=("unikernel: console_bench does not build: $(head -c 300 "$work/build.log")")
fi

# The Linux guest: the kernel bench/linux_guest.sh fetched (run it first
# when it is missing), this program as /init, /dev/console in the initrd.
linux_dir=$BUILD/bench/linux
if [[ ! -s $linux_dir/vmlinuz ]]; then
	BUILD=$BUILD bash bench/linux_guest.sh >/dev/null 2>&1 || true
fi
if [[ ! -s $linux_dir/vmlinuz ]]; then
	failed+=("linux: no guest kernel (bench/linux_guest.sh fetches it)")
elif ! gcc -O2 -static -DCONSOLE_BENCH_LINUX_INIT -o "$work/init" bench/console_bench.c 2>"$work/build-linux.log"; then
	failed+=("linux: console_bench does not build statically: $(head -c 300 "$work/build-linux.log")")
else
	python3 bench/guest_initrd.py "$work/initrd" "$work/init"
	for dir in out in; do
		cmd=(timeout 300 "$qemu" -M pc -cpu max -accel tcg -m 256M -nodefaults -no-user-config
			-display none -serial stdio -no-reboot -kernel "$linux_dir/vmlinuz"
			-initrd "$work/initrd" -append "console=ttyS0 quiet panic=-1 -- $dir $linux_bytes")
		if [[ $dir == in ]]; then
			feed_when_ready "$work/in.linux" "$work/linux-$dir.log" "${cmd[@]}"
		else
			"${cmd[@]}" </dev/null >"$work/linux-$dir.log" 2>&1
		fi
		keep "linux-$dir" "$work/linux-$dir.log" $?
	done
fi

kernel=$(cat "$linux_dir/kernel.txt" 2>/dev/null || echo "kernel n/a")
echo
echo "libunikraft console bench ($(date -u +%Y-%m-%dT%H:%MZ), $("$qemu" --version | head -n 1 | sed 's/ (.*//'), TCG; Linux guest: $kernel, ttyS0)"
python3 - "$work" <<'PY'
import sys
work = sys.argv[1]
def rate(name):
    try:
        f = open("%s/%s.txt" % (work, name)).read().split()
        return float(f[2]), int(f[3])
    except (OSError, IndexError, ValueError):
        return None
fmt = "%-14s %-24s %-24s %-24s %8s  %s"
print(fmt % ("row", "unikernel -M pc", "unikernel microvm", "Linux guest -M pc", "uk/linux", "target"))
for d, label in (("out", "console out"), ("in", "console in")):
    pc, micro, linux = rate("uk-pc-" + d), rate("uk-microvm-" + d), rate("linux-" + d)
    cell = lambda r: "n/a" if not r else "%.2f MB/s (%d KiB)" % (r[0], r[1] // 1024)
    ratio = "%.0fx" % (pc[0] / linux[0]) if pc and linux else "n/a"
    met = "n/a" if not (pc and linux) else ("met" if pc[0] >= linux[0] else "NOT met")
    print(fmt % (label, cell(pc), cell(micro), cell(linux), ratio, ">= 1.0x Linux: " + met))
PY

if ((${#failed[@]})); then
	printf 'console bench: %s\n' "${failed[@]}" >&2
	exit 1
fi
exit 0
