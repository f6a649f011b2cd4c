#!/usr/bin/env bash
# The initrd end to end: the host tests of vfs::initrd::populate
# (tests/unit/vfs_initrd.mk), then the real kernel booted with --initrd of a
# directory (packed by ukrun) and of an archive made by the host's
# `cpio -o -H newc`, on microvm and pc. The guest (initrd_app.c) lists the
# tree (modes, owners, mtimes, links, symlinks, device numbers, file hashes)
# and writes into it, and sendfiles from it; the same program run natively
# on the host tree must print the same (a Multiboot image gets the archive
# as a module). Then the
# refusals: a corrupt, a truncated archive and a name with "..", which stop
# the boot (250) with a message naming the byte offset and the entry, or
# are skipped with vfs.initrd_errors=warn; an initrd that does not fit
# beside the image (125, before QEMU starts); an entry ukrun cannot read.
# Run from the repo root with BUILD set; prints PASS/FAIL lines, exits 0.
set -uo pipefail
export LC_ALL=C
BUILD=${BUILD:-build}
ukrun=$BUILD/bin/ukrun
kraftld=$BUILD/bin/kraftld
work=$BUILD/tests/initrd
rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)

pass() { echo "PASS initrd/$1"; }
fail() { echo "FAIL initrd/$1: $2"; }
skip() { echo "SKIP initrd/$1: $2"; }

# ---------------------------------------------------------------- host tests

bin=$BUILD/tests/initrd_tests
log=$work/initrd_tests.log
if [ -x "$bin" ]; then
	"$bin" >"$log" 2>&1
	rc=$?
	sed -n 's/^\[       OK \] \([^ ]*\).*/PASS initrd\/host\/\1/p' "$log"
	sed -n 's/^\[  FAILED  \] \([^ ,]*\) (.*/FAIL initrd\/host\/\1: see '"${log//\//\\/}"'/p' "$log"
	if [ $rc != 0 ] && ! grep -q '^\[  FAILED  \]' "$log"; then
		fail host "the test binary exited with $rc"
	fi
else
	fail host "$bin was not built"
fi

# ---------------------------------------------------------------- guest

if [[ ! -x $ukrun || ! -x $kraftld ]]; then
	fail build "$ukrun or $kraftld not built"
	exit 0
fi
if ! command -v cpio >/dev/null 2>&1; then
	fail build "no cpio command (tools/deps.sh installs it)"
	exit 0
fi
app=$work/app
app_mb=$work/app.mb
native=$work/app.native
if ! gcc -O2 -c tests/suites/initrd_app.c -o "$work/app.o" 2>"$work/build.log" ||
	! "$kraftld" -o "$app" "$work/app.o" 2>>"$work/build.log" ||
	! "$kraftld" --uk-format=multiboot -o "$app_mb" "$work/app.o" 2>>"$work/build.log" ||
	! gcc -O2 -o "$native" tests/suites/initrd_app.c 2>>"$work/build.log"; then
	fail build-app "$(head -c 300 "$work/build.log")"
	exit 0
fi

# The tree: under t/, since the kernel adds /dev, /proc, /sys and /tmp to
# the root. Owners other than ours need root.
root=$work/root
t=$root/t
mkdir -p "$t/data" "$t/etc/sub/deeper" "$t/bin" "$t/empty"
printf 'abcdefgh' >"$t/data/file"
ln "$t/data/file" "$t/data/link"
printf 'other!' >"$t/data/other"
printf 'abcdefgh' >"$t/data/copy"
head -c 300000 /dev/urandom >"$t/bin/blob"
: >"$t/etc/empty-file"
echo 'root:x:0:0::/:/bin/sh' >"$t/etc/passwd"
ln -s ../data/file "$t/etc/sym"
ln -s /t/etc/passwd "$t/etc/abs-sym"
mkfifo "$t/etc/fifo"
if [[ $(id -u) == 0 ]]; then
	chown 1000:100 "$t/etc/passwd"
	chown -h 5:6 "$t/etc/sym"
	chown 42:43 "$t/etc/sub"
	mknod "$t/etc/null" c 1 3
fi
chmod 4750 "$t/etc/passwd"
chmod 0700 "$t/etc/sub/deeper"
chmod 0640 "$t/data/other"
chmod 0751 "$t/bin"
chmod 0600 "$t/etc/fifo"
touch -d @1234567890 "$t/etc/passwd"
touch -h -d @1000000000 "$t/etc/sym"
touch -d @1100000000 "$t/bin/blob"
touch -d @1500000000 "$t/etc/sub/deeper" "$t/etc/sub" "$t/etc" "$t/bin" "$t"

"$native" list "$t" >"$work/want.list" 2>&1
cp -a "$root" "$work/copy"
"$native" cow "$work/copy/t" >"$work/want.cow" 2>&1
rm -rf "$work/copy"
cp -a "$root" "$work/copy"
"$native" sendfile "$work/copy/t" "$work/copy" >"$work/want.sendfile" 2>&1
(cd "$root" && find . | sort | cpio -o -H newc --quiet >"$work/host.cpio") ||
	fail build-cpio "cpio -o failed"

out=$work/out
err=$work/err
st=0
run() { # ukrun args...
	timeout 120 "$ukrun" --accel tcg --timeout 60 "$@" >"$out" 2>"$err" </dev/null
	st=$?
}

expect_same() { # name want-file ukrun args...
	local name=$1 want=$2
	shift 2
	run "$@"
	if [[ $st != 0 ]]; then
		fail "$name" "status $st; $(head -c 400 "$out" "$err" | tr '\n' ' ')"
	elif ! diff -u "$want" "$out" >"$work/$name.diff"; then
		fail "$name" "output differs from the native run: $(head -c 600 "$work/$name.diff" | tr '\n' ' ')"
	else
		pass "$name"
	fi
}

for machine in microvm pc; do
	expect_same "dir-$machine" "$work/want.list" --machine "$machine" --initrd "$root" "$app" list /t
	expect_same "cpio-$machine" "$work/want.list" --machine "$machine" --initrd "$work/host.cpio" \
		"$app" list /t
	expect_same "write-$machine" "$work/want.cow" --machine "$machine" --initrd "$root" "$app" cow /t
	# sendfile takes the initrd's bytes in place, and a file's own pages
	# once it was written.
	expect_same "sendfile-$machine" "$work/want.sendfile" --machine "$machine" --initrd "$root" \
		"$app" sendfile /t /tmp
	# A Multiboot image gets the archive as a Multiboot module.
	expect_same "multiboot-$machine" "$work/want.list" --machine "$machine" \
		--initrd "$work/host.cpio" "$app_mb" list /t
done

# An archive in a directory given with a trailing slash, and an archive
# file whose name has a comma (QEMU's -initrd splits a list at commas: ukrun
# hands it a descriptor).
cp "$work/host.cpio" "$work/with,comma.cpio"
expect_same "comma-name" "$work/want.list" --initrd "$work/with,comma.cpio" "$app" list /t
expect_same "dir-slash" "$work/want.list" --initrd "$root/" "$app" list /t

# expect_refused NAME ARCHIVE TEXT...: status 250 and every TEXT in the
# message; then with vfs.initrd_errors=warn status 0 and `have` (a path
# relative to /t) listed.
expect_refused() {
	local name=$1 archive=$2 have=$3
	shift 3
	run --initrd "$archive" "$app" list /t
	local why=""
	[[ $st == 250 ]] || why="status $st, want 250"
	local text
	for text in "$@"; do
		[[ -n $why ]] || grep -qF -- "$text" "$out" || why="no '$text' in the message"
	done
	if [[ -z $why ]]; then pass "$name"; else fail "$name" "$why: $(head -c 400 "$out" | tr '\n' ' ')"; fi
	run --param vfs.initrd_errors=warn --initrd "$archive" "$app" list /t
	if [[ $st == 0 ]] && grep -q "^$have " "$out"; then
		pass "$name-warn"
	else
		fail "$name-warn" "status $st; $(head -c 400 "$out" | tr '\n' ' ')"
	fi
}

# Offsets in the host's archive: the header of ./t/etc/passwd, and the
# middle of ./t/bin/blob's data.
read -r passwd_at blob_at < <(python3 - "$work/host.cpio" <<'PY'
import re, sys
d = open(sys.argv[1], "rb").read()
# GNU cpio stores "./t/x" as "t/x".
def header(name):
    return re.search(rb"07070[12][0-9A-Fa-f]{104}(\./)?" + name + rb"\0", d).start()
print(header(rb"t/etc/passwd"), header(rb"t/bin/blob") + 400)
PY
)
# A corrupt header: the entry names itself by its offset.
python3 -c "
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
d[int(sys.argv[2]) + 20] = ord('z')
open(sys.argv[3], 'wb').write(d)" "$work/host.cpio" "$passwd_at" "$work/corrupt.cpio"
expect_refused corrupt "$work/corrupt.cpio" bin/blob "at byte $((passwd_at + 6 + 8 * 1))" \
	"t/etc/passwd\"" "header at byte $passwd_at" "8 hexadecimal digits"

# Truncated in the middle of a file's data.
head -c "$blob_at" "$work/host.cpio" >"$work/truncated.cpio"
expect_refused truncated "$work/truncated.cpio" bin "at byte $blob_at" "t/bin/blob\"" \
	"truncated"

# A name with "..": refused, the rest kept with warn. An absolute name is
# taken from the root, as Linux does.
mkdir -p "$work/names/in/t" "$work/names/outside"
echo evil >"$work/names/outside/x"
echo fine >"$work/names/in/t/ok"
(cd "$work/names/in" && printf '.\nt\nt/ok\n../outside/x\n' | cpio -o -H newc --quiet >"$work/dotdot.cpio")
expect_refused dotdot "$work/dotdot.cpio" ok "\"../outside/x\"" '".." component'
run --param vfs.initrd_errors=warn --initrd "$work/dotdot.cpio" "$app" list /
if [[ $st == 0 ]] && ! grep -v '^uk:' "$out" | grep -q "outside\|^x "; then
	pass dotdot-nothing-outside
else
	fail dotdot-nothing-outside "status $st; $(head -c 400 "$out" | tr '\n' ' ')"
fi
(cd "$work/names/in" && printf '%s\n' "$work/names/in/t/ok" | cpio -o -H newc --quiet >"$work/abs.cpio")
run --initrd "$work/abs.cpio" "$app" list "$work/names/in/t"
if [[ $st == 0 ]] && grep -q "^ok 100644 .* size=5/5" "$out"; then
	pass absolute-name
else
	fail absolute-name "status $st; $(head -c 400 "$out" "$err" | tr '\n' ' ')"
fi

# vfs.fstab's list value (Unikraft's syntax) reaches the VFS whole: through
# ukrun, which quotes it, and written plainly on QEMU's -append.
fstab='vfs.fstab=[ "none:/mnt/a:tmpfs" "none:/mnt/b:ramfs" ]'
run --param "$fstab" "$app" list /mnt
if [[ $st == 0 ]] && grep -q '^a 041777 ' "$out" && grep -q '^b 040755 ' "$out"; then
	pass fstab-list-ukrun
else
	fail fstab-list-ukrun "status $st; $(head -c 400 "$out" "$err" | tr '\n' ' ')"
fi
qemu_cmd=$("$ukrun" --verbose --accel tcg "$app" 2>&1 >/dev/null </dev/null |
	sed -n 's|^ukrun: \(/.*\)|\1|p' | head -1 | sed "s|path=/proc/self/fd/3|path=$work/debugcon.out|")
eval "qemu_argv=($qemu_cmd)"
for i in "${!qemu_argv[@]}"; do
	[[ ${qemu_argv[$i]} == -append ]] && qemu_argv[$((i + 1))]="app $fstab -- list /mnt"
done
# Without ukrun there is no one to relay the virtio console's socket: drop
# it (the guest then writes to COM1).
plain_argv=()
skip=0
for i in "${!qemu_argv[@]}"; do
	a=${qemu_argv[$i]}
	if [[ $skip == 1 ]]; then skip=0; continue; fi
	next=${qemu_argv[$((i + 1))]:-}
	if [[ ($a == -chardev && $next == socket,id=ukcon*) || ($a == -device && ($next == virtio-serial* || $next == virtserialport*)) ]]; then
		skip=1
		continue
	fi
	plain_argv+=("$a")
done
qemu_argv=("${plain_argv[@]}")
timeout 60 "${qemu_argv[@]}" >"$out" 2>"$err" </dev/null
if grep -q '^a 041777 ' "$out" && grep -q '^b 040755 ' "$out"; then
	pass fstab-list-append
else
	fail fstab-list-append "$(head -c 400 "$out" "$err" | tr '\n' ' ')"
fi

# An empty archive (only the trailer) gives an empty root.
printf '' | cpio -o -H newc --quiet >"$work/empty.cpio"
run --initrd "$work/empty.cpio" "$app" list /t
if [[ $st == 0 ]] && grep -q "^: lstat: No such file or directory\|^\.: lstat" "$out"; then
	pass empty-archive
else
	fail empty-archive "status $st; $(head -c 400 "$out" | tr '\n' ' ')"
fi

# Too large to fit beside the image: refused by ukrun before QEMU starts.
head -c $((60 << 20)) /dev/zero >"$work/big.bin"
run --mem 60M --initrd "$work/big.bin" "$app" list /t
if [[ $st == 125 ]] && grep -q "do not fit in the 60M of --mem" "$err"; then
	pass too-large
else
	fail too-large "status $st; $(head -c 300 "$err" | tr '\n' ' ')"
fi
rm -f "$work/big.bin"

# An entry ukrun cannot read is named (root reads everything: as nobody).
if [[ $(id -u) == 0 ]] && command -v setpriv >/dev/null 2>&1; then
	mkdir -p "$work/unreadable/d"
	echo s >"$work/unreadable/d/secret"
	chmod -R o+rX "$work/unreadable"
	chmod 0 "$work/unreadable/d/secret"
	chmod o+rx "$work" "$(dirname "$work")" "$(dirname "$(dirname "$work")")" 2>/dev/null
	chmod o+r "$app"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$ukrun" --accel tcg \
		--initrd "$work/unreadable" "$app" list /t >"$out" 2>"$err" </dev/null
	st=$?
	if [[ $st == 125 ]] && grep -q "cannot read $work/unreadable/d/secret: Permission denied" "$err"; then
		pass unreadable-entry
	else
		fail unreadable-entry "status $st; $(head -c 300 "$err" | tr '\n' ' ')"
	fi
else
	skip unreadable-entry "needs root and setpriv to run ukrun as another user"
fi
exit 0
