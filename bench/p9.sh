#!/usr/bin/env bash
# 9p shares: bench/p9bench.c on a ukrun --share (TCG, microvm and -M pc) and
# as /init of a Linux guest on its own 9p mount of a host directory
# (msize=524288, no cache; TCG, -M pc, virtio-9p-pci), all in this one run,
# side by side with the targets (at least 1.0x Linux).
#
# Debian's cloud kernel (bench/linux_guest.sh) has no 9p; the generic one
# (linux-image-amd64) has it as modules. Its package is fetched once with
# `apt-get download` and unpacked into $BUILD/bench/p9linux/ (the kernel
# image and the modules 9p needs, loaded by the init in dependency order).
#
# Never fails on a figure: exits 0 when every run produced its rows,
# non-zero with a message when one could not run (its column shows n/a).
#
# Env: BUILD (default build), UKRUN_QEMU (default qemu-system-x86_64),
# P9BENCH_TIMEOUT (seconds per run, default 600).
set -uo pipefail
BUILD=${BUILD:-build}
work=$BUILD/bench/p9
linux=$BUILD/bench/p9linux
ukrun=$BUILD/bin/ukrun
kraftld=$BUILD/bin/kraftld
qemu=${UKRUN_QEMU:-qemu-system-x86_64}
limit=${P9BENCH_TIMEOUT:-600}
meta=linux-image-amd64
# What 9p over virtio-pci needs, in load order (each after its dependencies).
modules=(drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_modern_dev
	drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci net/9p/9pnet
	net/9p/9pnet_virtio fs/netfs/netfs fs/fscache/fscache fs/9p/9p)
mkdir -p "$work" "$linux"

failed=()

# The generic kernel package the metapackage depends on, e.g.
# linux-image-6.1.0-57-amd64.
kernel_package() {
	apt-cache depends "$meta" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n 1 || true
}

fetch_kernel() {
	local pkg tmp deb m
	pkg=$(kernel_package)
	if [[ -z $pkg && $(id -u) == 0 ]]; then
		apt-get update -qq >/dev/null 2>&1 || true
		pkg=$(kernel_package)
	fi
	[[ -n $pkg ]] || { echo "apt-cache knows no package that $meta depends on"; return 1; }
	tmp=$(mktemp -d "$linux/fetch.XXXXXX")
	if ! (cd "$tmp" && apt-get download "$pkg") >"$linux/fetch.log" 2>&1; then
		rm -rf "$tmp"
		echo "apt-get download $pkg failed: $(grep -v '^W:' "$linux/fetch.log" | tail -n 3 | tr '\n' ' ')"
		return 1
	fi
	deb=$(find "$tmp" -maxdepth 1 -name "${pkg}_*.deb" | head -n 1)
	local want=('./boot/vmlinuz-*')
	for m in "${modules[@]}"; do
		want+=("./lib/modules/*/kernel/$m.ko*")
	done
	if [[ -z $deb ]] || ! dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards "${want[@]}"; then
		rm -rf "$tmp"
		echo "cannot unpack the kernel and the 9p modules from ${deb:-the package}"
		return 1
	fi
	rm -rf "$linux/modules"
	mkdir -p "$linux/modules"
	: >"$linux/modules/order"
	for m in "${modules[@]}"; do
		local ko
		ko=$(find "$tmp/lib/modules" -path "*/kernel/$m.ko*" | head -n 1)
		[[ -n $ko ]] || { rm -rf "$tmp"; echo "$deb has no $m module"; return 1; }
		case $ko in
		*.ko) cp "$ko" "$linux/modules/" ;;
		*.ko.xz) xz -dc "$ko" >"$linux/modules/$(basename "$ko" .xz)" ;;
		*) rm -rf "$tmp"; echo "$ko: unknown module compression"; return 1 ;;
		esac
		echo "$(basename "$m").ko" >>"$linux/modules/order"
	done
	mv "$(find "$tmp/boot" -name 'vmlinuz-*' | head -n 1)" "$linux/vmlinuz"
	basename "$deb" .deb >"$linux/kernel.txt"
	rm -rf "$tmp"
}

# Runs one side; keeps its `bench` lines in $work/NAME.txt.
side() { # name command...
	local name=$1
	shift
	timeout "$limit" "$@" </dev/null >"$work/$name.log" 2>&1
	local st=$?
	tr -d '\r' <"$work/$name.log" | grep '^bench ' >"$work/$name.txt"
	if [[ $st != 0 ]] || ! grep -q '^p9bench: done' "$work/$name.log"; then
		failed+=("$name: status $st, see $work/$name.log: $(tail -n 2 "$work/$name.log" | tr -d '\r' | tr '\n' ' ')")
	fi
}

# A fresh, empty host directory for each run, on the same file system.
fresh() {
	rm -rf "$work/share-$1"
	mkdir -p "$work/share-$1"
	realpath "$work/share-$1"
}

if [[ ! -x $kraftld || ! -x $ukrun ]]; then
	failed+=("unikernel: $kraftld or $ukrun is not built")
elif ! gcc -O2 -c bench/p9bench.c -o "$work/p9bench.o" 2>"$work/build.log" ||
	! "$kraftld" -o "$work/p9bench" "$work/p9bench.o" 2>>"$work/build.log"; then
	failed+=("unikernel: p9bench does not build: $(head -c 300 "$work/build.log")")
else
	side uk-microvm "$ukrun" --accel tcg --machine microvm --mem 512M \
		--share "$(fresh uk-microvm):/data" "$work/p9bench" /data
	side uk-pc "$ukrun" --accel tcg --machine pc --mem 512M \
		--share "$(fresh uk-pc):/data" "$work/p9bench" /data
fi

why=""
if [[ ! -s $linux/vmlinuz || ! -s $linux/modules/order ]]; then
	why=$(fetch_kernel) || failed+=("linux: $why")
fi
if [[ -s $linux/vmlinuz && -s $linux/modules/order ]]; then
	if ! gcc -O2 -static -DP9BENCH_LINUX_INIT -o "$linux/init" bench/p9bench.c 2>"$work/linux-build.log"; then
		failed+=("linux: cannot build the init: $(head -c 300 "$work/linux-build.log")")
	else
		# A newc cpio with /init, /dev/console and the modules.
		python3 - "$linux" <<'EOF'
import os, sys

d = sys.argv[1]

def entry(ino, name, mode, data=b"", rdev=(0, 0)):
    name = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(name), 0]
    out = b"070701" + b"".join(b"%08X" % f for f in fields) + name
    out += b"\0" * (-len(out) % 4) + data
    return out + b"\0" * (-len(out) % 4)

parts = [entry(1, "dev", 0o040755), entry(2, "dev/console", 0o020600, rdev=(5, 1)),
         entry(3, "init", 0o100755, open(os.path.join(d, "init"), "rb").read()),
         entry(4, "modules", 0o040755)]
ino = 5
for name in sorted(os.listdir(os.path.join(d, "modules"))):
    parts.append(entry(ino, "modules/" + name, 0o100644,
                       open(os.path.join(d, "modules", name), "rb").read()))
    ino += 1
archive = b"".join(parts) + entry(0, "TRAILER!!!", 0)
open(os.path.join(d, "initrd"), "wb").write(archive + b"\0" * (-len(archive) % 512))
EOF
		share=$(fresh linux)
		side linux "$qemu" -M pc -cpu max -accel tcg -m 512M -nodefaults -no-user-config \
			-display none -serial stdio -no-reboot -kernel "$linux/vmlinuz" -initrd "$linux/initrd" \
			-fsdev "local,id=uk9p0,path=$share,security_model=none" \
			-device virtio-9p-pci,fsdev=uk9p0,mount_tag=uk9p0 \
			-append "console=ttyS0 quiet panic=-1"
	fi
fi

kernel=$(cat "$linux/kernel.txt" 2>/dev/null || echo "kernel n/a")
echo
echo "libunikraft 9p bench ($(date -u +%Y-%m-%dT%H:%MZ), $("$qemu" --version | head -n 1 | sed 's/ (.*//'), TCG, 1 vCPU; Linux guest: $kernel, msize=524288, no cache)"
echo "best of 3 runs per row; 32 MiB in 4 KiB blocks, 64 MiB in 1 MiB blocks, 1000 small files"
python3 - "$work/uk-microvm.txt" "$work/uk-pc.txt" "$work/linux.txt" <<'EOF'
import sys

def load(path):
    rows = {}
    try:
        for line in open(path):
            f = line.split()
            if len(f) == 4:
                rows[f[1]] = (float(f[2]), f[3])
    except OSError:
        pass
    return rows

micro, pc, linux = (load(p) for p in sys.argv[1:4])
rows = [("write_4k", "write, 4 KiB blocks"), ("write_1m", "write, 1 MiB blocks"),
        ("read_4k", "read, 4 KiB blocks"), ("read_1m", "read, 1 MiB blocks"),
        ("create", "create+write+close"), ("stat", "stat"), ("unlink", "unlink")]

def cell(side, name):
    return "%.1f %s" % side[name] if name in side else "n/a"

fmt = "%-22s %-18s %-18s %-18s %9s %9s  %s"
print(fmt % ("row", "unikernel microvm", "unikernel -M pc", "Linux guest -M pc",
             "mvm/linux", "pc/linux", "target >= 1.0x Linux"))
for name, label in rows:
    ratios = []
    for side in (micro, pc):
        ok = name in side and name in linux and linux[name][0] > 0
        ratios.append(side[name][0] / linux[name][0] if ok else None)
    shown = [("%.2fx" % r) if r is not None else "n/a" for r in ratios]
    judged = [r for r in ratios if r is not None]
    met = "n/a" if not judged else ("met" if min(judged) >= 1.0 else "NOT met")
    print(fmt % (label, cell(micro, name), cell(pc, name), cell(linux, name), shown[0], shown[1], met))
EOF

if ((${#failed[@]})); then
	printf '9p bench: %s\n' "${failed[@]}" >&2
	exit 1
fi
exit 0
