#!/usr/bin/env bash
# The Linux side of bench/sys.sh: bench/sysbench.c built statically against
# glibc and run as /init of a Linux guest (Debian's cloud kernel) under the
# same QEMU and accelerator the unikernel uses. Prints the guest's `bench`
# lines on stdout; exits non-zero with a message if it cannot.
#
# The kernel is fetched once with `apt-get download` and cached in
# $BUILD/bench/linux/; the init and the initrd are rebuilt on every run
# (they take a fraction of a second).
#
# Env: BUILD (default build), UKRUN_QEMU (default qemu-system-x86_64),
# LINUX_GUEST_TIMEOUT (seconds, default 120).
#
# Other programs run the same way (bench/fs.sh): LINUX_GUEST_INIT names a
# static program to be /init instead of sysbench, LINUX_GUEST_NAME the stem
# of its files in $BUILD/bench/linux/ (NAME.initrd, NAME.console.log),
# LINUX_GUEST_DONE the line (an extended regex) it prints when it finished,
# and LINUX_GUEST_ARGS the arguments init gets (after -- on the kernel's
# command line).
set -euo pipefail
BUILD=${BUILD:-build}
dir=$BUILD/bench/linux
qemu=${UKRUN_QEMU:-qemu-system-x86_64}
limit=${LINUX_GUEST_TIMEOUT:-120}
meta=linux-image-cloud-amd64
mkdir -p "$dir"

die() {
	echo "linux_guest: $*" >&2
	exit 1
}

# The concrete kernel package the metapackage depends on, e.g.
# linux-image-6.1.0-56-cloud-amd64.
kernel_package() {
	apt-cache depends "$meta" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-cloud-amd64\)$/\1/p' | head -n 1 || true
}

fetch_kernel() {
	local pkg tmp deb image
	pkg=$(kernel_package)
	if [[ -z $pkg && $(id -u) == 0 ]]; then
		apt-get update -qq >/dev/null 2>&1 || true
		pkg=$(kernel_package)
	fi
	[[ -n $pkg ]] || die "apt-cache knows no package that $meta depends on (is Debian's archive in the apt sources, and apt-get update done?)"
	tmp=$(mktemp -d "$dir/fetch.XXXXXX")
	# apt-get download writes into the current directory; its note that the
	# _apt user cannot write there is harmless and goes to the log.
	if ! (cd "$tmp" && apt-get download "$pkg") >"$dir/fetch.log" 2>&1; then
		rm -rf "$tmp"
		die "apt-get download $pkg failed: $(grep -v '^W:' "$dir/fetch.log" | tail -n 3 | tr '\n' ' ')"
	fi
	deb=$(find "$tmp" -maxdepth 1 -name "${pkg}_*.deb" | head -n 1)
	[[ -n $deb ]] || { rm -rf "$tmp"; die "apt-get download $pkg gave no .deb"; }
	# Only the kernel image is needed, not the 100 MB of modules.
	if ! dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './boot/vmlinuz-*'; then
		rm -rf "$tmp"
		die "cannot unpack the kernel image from $deb"
	fi
	image=$(find "$tmp/boot" -name 'vmlinuz-*' | head -n 1)
	[[ -n $image ]] || { rm -rf "$tmp"; die "$deb holds no boot/vmlinuz-*"; }
	mv "$image" "$dir/vmlinuz"
	basename "$deb" .deb >"$dir/kernel.txt"
	rm -rf "$tmp"
}

[[ -s $dir/vmlinuz ]] || fetch_kernel

name=${LINUX_GUEST_NAME:-}
init=${LINUX_GUEST_INIT:-}
done_line=${LINUX_GUEST_DONE:-^sysbench: done}
if [[ -z $init ]]; then
	# glibc's static libc is what "a static program" means on this host; the
	# define makes the program power the VM off instead of returning from init.
	init=$dir/init
	gcc -O2 -static -DSYSBENCH_LINUX_INIT -o "$init" bench/sysbench.c ||
		die "cannot build bench/sysbench.c statically (is libc6-dev installed?)"
fi
[[ -x $init ]] || die "$init is not an executable"
initrd=$dir/${name:+$name.}initrd
log=$dir/${name:+$name.}console.log

# An uncompressed cpio "newc" archive with /init and /dev/console (the
# console init's stdout is opened on), written by bench/guest_initrd.py
# rather than cpio(1), so no tool and no root are needed for the device node.
python3 bench/guest_initrd.py "$initrd" "$init"

# One vCPU (QEMU's default), as the unikernel has. panic=-1 with -no-reboot
# ends QEMU should init die before powering off.
set +e
timeout "$limit" "$qemu" -M pc -cpu max -accel tcg -m 512M -nodefaults -no-user-config \
	-display none -serial stdio -no-reboot -kernel "$dir/vmlinuz" -initrd "$initrd" \
	-append "console=ttyS0 quiet panic=-1${LINUX_GUEST_ARGS:+ -- $LINUX_GUEST_ARGS}" </dev/null >"$log" 2>&1
st=$?
set -e
tr -d '\r' <"$log" | grep '^bench ' || true
if ! tr -d '\r' <"$log" | grep -Eq "$done_line"; then
	die "the Linux guest did not finish (QEMU status $st); see $log: $(tail -n 3 "$log" | tr -d '\r' | tr '\n' ' ')"
fi
