#!/usr/bin/env bash
# 9p host shares end to end (ukrun --share over virtio-9p): each program in
# tests/p9/ (p9_files, p9_calls, p9_access) runs in the guest on a share and
# natively on a host directory
# prepared the same way; both must print the same lines and exit 0, and the
# trees the two runs leave behind must match (names, types, modes, sizes,
# link targets, contents). On microvm (virtio-mmio) and pc (virtio-pci), a
# read-only share (EROFS, host tree untouched), host permissions (QEMU run
# as an unprivileged user: EACCES), seven shares at once, and ukrun's refusal
# of a bad --share.
# Run from the repo root with BUILD set; prints PASS/FAIL/SKIP lines, exits 0.
set -uo pipefail
export LC_ALL=C
BUILD=${BUILD:-build}
ukrun=$(realpath -m "$BUILD/bin/ukrun")
kraftld=$BUILD/bin/kraftld
work=$(realpath -m "$BUILD/tests/p9")
rm -rf "$work"
mkdir -p "$work"

pass() { echo "PASS p9/$1"; }
fail() { echo "FAIL p9/$1: $2"; }
skip() { echo "SKIP p9/$1: $2"; }

if [[ ! -x $ukrun || ! -x $kraftld ]]; then
	fail build "$ukrun or $kraftld not built"
	exit 0
fi

for prog in p9_files p9_calls p9_access p9_mount; do
	if ! gcc -O2 -Itests/p9 -c "tests/p9/$prog.c" -o "$work/$prog.o" 2>"$work/$prog.build.log" ||
		! "$kraftld" -o "$work/$prog" "$work/$prog.o" 2>>"$work/$prog.build.log" ||
		! gcc -O2 -Itests/p9 "tests/p9/$prog.c" -o "$work/$prog.native" -lpthread \
			2>>"$work/$prog.build.log"; then
		fail "build-$prog" "$(head -c 300 "$work/$prog.build.log")"
		exit 0
	fi
done
# Readable by the unprivileged user the permission case runs QEMU as.
chmod 755 "$work" "$work"/p9_* 2>/dev/null

# A description of a tree for comparison: every entry with its type, mode,
# size (not for directories: a host detail) and link target, and every
# regular file's checksum; the files whose times the program set keep them.
describe() {
	(cd "$1" && find . -mindepth 1 \( -type d -printf '%P %y %m - %l\n' \) -o \
		\( ! -type d -printf '%P %y %m %s %l\n' \) | sort &&
		{ stat -c '%n %X %Y' ./tree/meta 2>/dev/null || true; } &&
		find . -type f -print0 | sort -z | xargs -0 -r md5sum)
}

# run_pair NAME MACHINE: p9_files on a share (guest) and natively; compares.
files_case() {
	local name=$1 machine=$2 dir=$work/$1
	mkdir -p "$dir/guest" "$dir/native"
	"$work/p9_files.native" --make-input "$dir/guest" &&
		"$work/p9_files.native" --make-input "$dir/native" || {
		fail "$name" "cannot prepare the input"
		return
	}
	(cd "$dir/native" && "$work/p9_files.native" "$dir/native" >"$dir/native.out" 2>&1)
	local nst=$?
	"$ukrun" --accel tcg --timeout 300 --machine "$machine" --mem 256M \
		--share "$dir/guest:/data" "$work/p9_files" /data >"$dir/guest.out" 2>"$dir/guest.err" </dev/null
	local st=$?
	if [[ $nst != 0 ]]; then
		fail "$name" "the native run failed ($nst): $(grep -m3 FAILED "$dir/native.out")"
	elif [[ $st != 0 ]]; then
		fail "$name" "status $st: $(grep -m3 -e FAILED "$dir/guest.out") $(head -c 300 "$dir/guest.err")"
		diff "$dir/native.out" "$dir/guest.out" | head -20 | sed 's/^/    | /'
	elif ! diff -q "$dir/native.out" "$dir/guest.out" >/dev/null; then
		fail "$name" "output differs from Linux's"
		diff "$dir/native.out" "$dir/guest.out" | head -20 | sed 's/^/    | /'
	else
		pass "$name"
	fi
	describe "$dir/native" | sed "s|$dir/native|DIR|g" >"$dir/native.tree"
	describe "$dir/guest" | sed "s|$dir/guest|DIR|g" >"$dir/guest.tree"
	if [[ ! -s $dir/guest.tree ]] || ! grep -q '^tree/data8 f' "$dir/guest.tree"; then
		fail "$name-host-tree" "the guest's files are not on the host"
	elif ! diff -q "$dir/native.tree" "$dir/guest.tree" >/dev/null; then
		fail "$name-host-tree" "the tree the guest left differs from Linux's"
		diff "$dir/native.tree" "$dir/guest.tree" | head -20 | sed 's/^/    | /'
	else
		pass "$name-host-tree"
	fi
}

files_case files-microvm microvm
files_case files-pc pc

# calls_case NAME MACHINE: p9_calls on a share and natively; compares.
calls_case() {
	local name=$1 machine=$2 dir=$work/$1
	mkdir -p "$dir/guest" "$dir/native"
	(cd / && "$work/p9_calls.native" "$dir/native" >"$dir/native.out" 2>&1)
	local nst=$?
	"$ukrun" --accel tcg --timeout 120 --machine "$machine" \
		--share "$dir/guest:/data" "$work/p9_calls" /data >"$dir/guest.out" 2>"$dir/guest.err" </dev/null
	local st=$?
	if [[ $nst != 0 ]]; then
		fail "$name" "the native run failed ($nst): $(grep -m3 FAILED "$dir/native.out")"
	elif [[ $st != 0 ]]; then
		fail "$name" "status $st: $(grep -m3 -e FAILED "$dir/guest.out") $(head -c 300 "$dir/guest.err")"
		diff "$dir/native.out" "$dir/guest.out" | head -20 | sed 's/^/    | /'
	elif ! diff -q "$dir/native.out" "$dir/guest.out" >/dev/null; then
		fail "$name" "output differs from Linux's"
		diff "$dir/native.out" "$dir/guest.out" | head -20 | sed 's/^/    | /'
	else
		pass "$name"
	fi
}
calls_case calls-microvm microvm
calls_case calls-pc pc

# A read-only share: the program's own checks want EROFS for every change;
# the host tree must be as it was; natively (in a mount namespace with a
# read-only bind mount, when this machine allows one) the output matches.
ro=$work/ro
mkdir -p "$ro/share" "$ro/native" "$ro/mnt"
"$work/p9_access.native" --make-input ro "$ro/share"
"$work/p9_access.native" --make-input ro "$ro/native"
before=$(describe "$ro/share")
"$ukrun" --accel tcg --timeout 120 --share "$ro/share:/ro:ro" "$work/p9_access" ro /ro \
	>"$ro/guest.out" 2>"$ro/guest.err" </dev/null
st=$?
if [[ $st != 0 ]]; then
	fail readonly "status $st: $(grep -m3 -B1 FAILED "$ro/guest.out") $(head -c 300 "$ro/guest.err")"
elif [[ $(describe "$ro/share") != "$before" ]]; then
	fail readonly "the host tree changed"
elif unshare -m sh -c "mount --bind '$ro/native' '$ro/mnt' && mount -o remount,bind,ro '$ro/mnt' &&
	'$work/p9_access.native' ro '$ro/mnt'" >"$ro/native.out" 2>&1; then
	if diff -q "$ro/native.out" "$ro/guest.out" >/dev/null; then
		pass readonly
	else
		fail readonly "output differs from Linux's on a read-only mount"
		diff "$ro/native.out" "$ro/guest.out" | head -20 | sed 's/^/    | /'
	fi
else
	# No read-only mount here to compare with: the program's own checks
	# (EROFS everywhere) have passed.
	pass readonly
fi

# mount(2) and umount2(2) of the share's tag inside the guest (no native
# run: the host has no 9p server to mount); the program checks each answer.
mnt=$work/mount
mkdir -p "$mnt"
"$ukrun" --accel tcg --timeout 120 --share "$mnt:/data" "$work/p9_mount" /data uk9p0 \
	>"$mnt.out" 2>"$mnt.err" </dev/null
st=$?
if [[ $st == 0 && -s $mnt/written-through-the-first ]]; then
	pass mount-calls
else
	fail mount-calls "status $st: $(grep -m3 -B1 FAILED "$mnt.out") $(head -c 300 "$mnt.err")"
fi

# Seven shares (all microvm's virtio-mmio slots but the console's), the
# last read-only: the kernel gets them all from one vfs.fstab list.
many=$work/many
shares=()
for i in 0 1 2 3 4 5; do
	mkdir -p "$many/s$i"
	shares+=(--share "$many/s$i:/m$i")
done
mkdir -p "$many/ro"
"$work/p9_access.native" --make-input ro "$many/ro"
"$ukrun" --accel tcg --timeout 120 "${shares[@]}" --share "$many/ro:/mnt/ro:ro" \
	"$work/p9_access" ro /mnt/ro >"$many/guest.out" 2>"$many/guest.err" </dev/null
st=$?
if [[ $st == 0 ]]; then
	pass seven-shares
else
	fail seven-shares "status $st: $(grep -m3 -B1 FAILED "$many/guest.out") $(head -c 300 "$many/guest.err")"
fi

# Host permissions: ukrun (and so QEMU) as an unprivileged user, the guest
# app as its own root; the host refuses what that user may not do.
perm=$work/perm
mkdir -p "$perm/share" "$perm/native"
chmod 755 "$perm" "$perm/share" "$perm/native"
"$work/p9_access.native" --make-input perm "$perm/share"
"$work/p9_access.native" --make-input perm "$perm/native"
if [[ $(id -u) != 0 ]]; then
	# Already unprivileged: the host refuses this user the same way.
	as_user=()
elif command -v setpriv >/dev/null; then
	as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
else
	as_user=(none)
fi
if [[ ${as_user[0]:-} == none ]]; then
	skip permissions "no setpriv to run QEMU unprivileged"
else
	(cd / && "${as_user[@]}" "$work/p9_access.native" perm "$perm/native") >"$perm/native.out" 2>&1
	nst=$?
	(cd / && HOME=/ "${as_user[@]}" "$ukrun" --accel tcg --timeout 120 \
		--share "$perm/share:/host" "$work/p9_access" perm /host) \
		>"$perm/guest.out" 2>"$perm/guest.err" </dev/null
	st=$?
	if [[ $nst != 0 ]]; then
		fail permissions "the native run failed ($nst): $(grep -m3 -B1 FAILED "$perm/native.out")"
	elif [[ $st != 0 ]]; then
		fail permissions "status $st: $(grep -m3 -B1 FAILED "$perm/guest.out") $(head -c 300 "$perm/guest.err")"
	elif ! diff -q "$perm/native.out" "$perm/guest.out" >/dev/null; then
		fail permissions "output differs from Linux's"
		diff "$perm/native.out" "$perm/guest.out" | head -20 | sed 's/^/    | /'
	else
		pass permissions
	fi
fi

# ukrun refuses a share it cannot make, before QEMU starts.
check_refusal() { # name expected-fragment share-spec
	local out st
	out=$("$ukrun" --accel tcg --share "$3" "$work/p9_files" /x 2>&1 </dev/null)
	st=$?
	if [[ $st == 125 && $out == *"$2"* ]]; then
		pass "$1"
	else
		fail "$1" "status $st, output: $(head -c 200 <<<"$out")"
	fi
}
check_refusal refuse-missing-dir "$work/no-such-dir" "$work/no-such-dir:/x"
check_refusal refuse-file "is not a directory" "$work/p9_files:/x"
check_refusal refuse-relative-guest "absolute path" "$work:x"
exit 0
