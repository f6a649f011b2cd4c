#!/usr/bin/env bash
# ukrun end to end, with a stand-in guest (tests/suites/ukrun_guest.c) that
# echoes its command line and ends the way its first app argument says, so
# these checks do not depend on the real kernel: exit statuses, panics,
# timeouts, resets, usage errors, argument quoting, stdin's route, both machine
# types, signals, and the KVM probe and its cache.
# Run from the repo root with BUILD set; prints PASS/FAIL lines, exits 0.
set -uo pipefail
BUILD=${BUILD:-build}
ukrun=$BUILD/bin/ukrun
work=$BUILD/tests/ukrun
mkdir -p "$work"

# The host variables ukrun passes by default would change what the guest's
# command line holds; the checks that want them set them.
unset RUST_BACKTRACE RUST_LOG GODEBUG GOMAXPROCS TZ LANG ${!LC_*}

pass() { echo "PASS ukrun/$1"; }
fail() { echo "FAIL ukrun/$1: $2"; }

if [[ ! -x $ukrun ]]; then
	fail build "$ukrun not built"
	exit 0
fi

# The stand-in guest: 32-bit freestanding C, no libc, a PVH note (and a
# Multiboot variant).
guest=$work/guest
guest_mb=$work/guest-mb
build_guest() { # output [cflags...]
	local output=$1
	shift
	gcc -m32 -O2 -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
		-fno-asynchronous-unwind-tables -Wall -Wextra -Werror "$@" \
		-c tests/suites/ukrun_guest.c -o "$output.o" 2>>"$work/build.log" &&
		ld -m elf_i386 --no-warn-rwx-segments -T tests/suites/ukrun_guest.ld \
			-o "$output" "$output.o" 2>>"$work/build.log"
}
: >"$work/build.log"
if ! build_guest "$guest" || ! build_guest "$guest_mb" -DUKRUN_GUEST_MULTIBOOT; then
	fail build-guest "$(head -c 300 "$work/build.log")"
	exit 0
fi
pass build-guest

# Runs ukrun; leaves the console in $out, stderr in $err, status in $st.
out=$work/out
err=$work/err
st=0
run() {
	timeout 60 "$ukrun" "$@" >"$out" 2>"$err" </dev/null
	st=$?
}

brief() { head -c 300 "$1" | tr '\n' ' '; }

expect_status() { # name want [ukrun args...]
	local name=$1 want=$2
	shift 2
	run "$@"
	if [[ $st == "$want" ]]; then
		pass "$name"
	else
		fail "$name" "status $st, want $want; stderr: $(brief "$err")"
	fi
}

for machine in microvm pc; do
	for n in 0 1 134 255; do
		expect_status "status-$n-$machine" "$n" --accel tcg --machine "$machine" "$guest" exit "$n"
	done
done

# A panic keeps the kernel's status and adds a note.
run --accel tcg "$guest" panic 139
if [[ $st == 139 ]] && grep -q 'panicked.*SIGSEGV' "$err"; then
	pass panic-note
else
	fail panic-note "status $st; stderr: $(brief "$err")"
fi

# Timeout: 124, promptly, and no QEMU left behind.
start=$(date +%s%N)
run --accel tcg --timeout 0.5 "$guest" hang timeout-marker
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
if [[ $st == 124 ]] && ((elapsed_ms < 5000)) && grep -q 'timed out after 0.5 s' "$err"; then
	pass timeout
else
	fail timeout "status $st after ${elapsed_ms} ms; stderr: $(brief "$err")"
fi
sleep 0.2
if pgrep -f 'timeout-marker' >/dev/null; then
	fail timeout-kills-qemu "QEMU still runs after the timeout"
else
	pass timeout-kills-qemu
fi

# A guest that stops without a report: 126.
expect_status reset-no-status 126 --accel tcg "$guest" reset
expect_status reset-no-status-pc 126 --accel tcg --machine pc "$guest" reset
expect_status debug-exit-no-status 126 --accel tcg "$guest" bare 5
expect_status partial-record 126 --accel tcg "$guest" partial

# Usage errors and QEMU failures: 125 with a message.
expect_usage() { # name message-fragment [ukrun args...]
	local name=$1 fragment=$2
	shift 2
	run "$@"
	if [[ $st == 125 ]] && grep -qF -- "$fragment" "$err"; then
		pass "$name"
	else
		fail "$name" "status $st, want 125 with '$fragment'; stderr: $(brief "$err")"
	fi
}
expect_usage bad-option "unknown option '--bogus'" --bogus "$guest"
expect_usage bad-mem "invalid memory size" --mem 12X "$guest"
expect_usage bad-machine "invalid machine" --machine q35 "$guest"
expect_usage bad-accel "invalid accelerator" --accel xen "$guest"
expect_usage bad-timeout "invalid timeout" --timeout soon "$guest"
expect_usage bad-param "invalid kernel parameter" --param 'not a name=1' "$guest"
expect_usage missing-value "--mem needs a value" --mem
expect_usage no-image "no image given"
expect_usage missing-image "no-such-image: cannot read the image: No such file" "$work/no-such-image"
expect_usage newline-arg "contains a newline" "$guest" $'two\nlines'
expect_usage missing-qemu "no-such-qemu" --qemu "$work/no-such-qemu" "$guest"
expect_usage missing-qemu-in-path "not found in PATH" --qemu no-such-qemu-here "$guest"
# QEMU's own failure passes through: a QEMU that fails at once.
failing_qemu=$work/failing-qemu
printf '#!/bin/sh\necho "qemu-system-x86_64: cannot start" >&2\nexit 1\n' >"$failing_qemu"
chmod +x "$failing_qemu"
expect_usage qemu-error "QEMU exited with status 1" --accel tcg --qemu "$failing_qemu" "$guest"

# Files that are not images are refused before QEMU starts, each with a
# line that says what it is (QEMU would say "Error loading uncompressed
# kernel without PVH ELF Note", or "Error while loading elf kernel").
# A QEMU that must not run proves ukrun stopped first.
never_qemu=$work/never-qemu
printf '#!/bin/sh\necho QEMU-STARTED >&2\nexit 1\n' >"$never_qemu"
chmod +x "$never_qemu"
expect_refused() { # name message [image]
	local name=$1 message=$2 image=$3
	run --accel tcg --qemu "$never_qemu" "$image" exit 0
	if [[ $st == 125 ]] && [[ $(cat "$err") == "ukrun: $image: $message" ]]; then
		pass "$name"
	else
		fail "$name" "status $st, want 125 and 'ukrun: $image: $message'; stderr: $(brief "$err")"
	fi
}
not_image="not a libunikraft image (link it with kraftld)"
printf 'just some text\n' >"$work/text-file"
expect_refused not-image-text "$not_image: not an ELF file" "$work/text-file"
: >"$work/empty-file"
expect_refused not-image-empty "$not_image: an empty file" "$work/empty-file"
printf 'int main(void) { return 0; }\n' >"$work/host.c"
if gcc -O2 -o "$work/host-program" "$work/host.c" 2>>"$work/build.log"; then
	expect_refused not-image-host-program \
		"$not_image: a program or shared library for the host (an x86-64 ELF with no PVH entry note or Multiboot header)" \
		"$work/host-program"
	gcc -O2 -no-pie -o "$work/host-program-static" "$work/host.c" 2>>"$work/build.log" &&
		expect_refused not-image-host-program-no-pie \
			"$not_image: a program for the host (an x86-64 ELF with no PVH entry note or Multiboot header)" \
			"$work/host-program-static"
	gcc -O2 -c -o "$work/host.o" "$work/host.c" &&
		expect_refused not-image-object \
			"$not_image: an object file (.o), not linked (an x86-64 ELF with no PVH entry note or Multiboot header)" \
			"$work/host.o"
else
	fail not-image-host-program "cannot build a host program"
fi
# Another machine's ELF: a bare header (ELF64 for aarch64, ELF32 for i386
# with no PVH note), as a cross toolchain would start one.
python3 - "$work/aarch64.elf" "$work/i386.elf" <<'PY'
import struct, sys
def elf(path, cls, machine):
    ehsize = 64 if cls == 2 else 52
    ident = b"\x7fELF" + bytes([cls, 1, 1]) + bytes(9)
    if cls == 2:
        hdr = ident + struct.pack("<HHIQQQIHHHHHH", 2, machine, 1, 0x400000, 0, 0, 0, ehsize, 56, 0, 64, 0, 0)
    else:
        hdr = ident + struct.pack("<HHIIIIIHHHHHH", 2, machine, 1, 0x8048000, 0, 0, 0, ehsize, 32, 0, 40, 0, 0)
    open(path, "wb").write(hdr + bytes(64))
elf(sys.argv[1], 2, 183)
elf(sys.argv[2], 1, 3)
PY
expect_refused other-arch-aarch64 "$not_image: an ELF for aarch64, not x86-64" "$work/aarch64.elf"
expect_refused other-arch-i386 "$not_image: an ELF for i386, not x86-64" "$work/i386.elf"
# A truncated image: the stand-in guest cut inside its program headers, and
# inside its first segment.
head -c 60 "$guest" >"$work/truncated-headers"
expect_refused truncated-headers \
	"truncated image: the program header table ends at byte $(python3 -c 'import struct,sys; d=open(sys.argv[1],"rb").read(52); o,=struct.unpack_from("<I",d,28); e,n=struct.unpack_from("<HH",d,42); print(o+e*n)' "$guest"), past the end of the file (60 bytes)" \
	"$work/truncated-headers"
size=$(stat -c %s "$guest")
head -c $((size / 2)) "$guest" >"$work/truncated-image"
run --accel tcg --qemu "$never_qemu" "$work/truncated-image" exit 0
if [[ $st == 125 ]] && grep -qE "^ukrun: $work/truncated-image: truncated image: segment [0-9]+ \(PT_(LOAD|NOTE)\) ends at byte [0-9]+, past the end of the file \($((size / 2)) bytes\)$" "$err"; then
	pass truncated-image
else
	fail truncated-image "status $st; stderr: $(brief "$err")"
fi
expect_refused directory "is a directory, not a libunikraft image" "$work"
# Root reads any file: as root, ukrun runs as nobody for this one (from a
# directory nobody may enter, so only the file's mode stands in the way).
pub=$(mktemp -d "${TMPDIR:-/tmp}/ukrun-pub.XXXXXX")
chmod 755 "$pub"
cp "$guest" "$pub/unreadable"
chmod 000 "$pub/unreadable"
as_user=()
if [[ -r $pub/unreadable ]]; then
	as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi
timeout 60 "${as_user[@]}" "$ukrun" --accel tcg --qemu "$never_qemu" "$pub/unreadable" exit 0 \
	>"$out" 2>"$err" </dev/null
st=$?
if [[ $st == 125 ]] && [[ $(cat "$err") == "ukrun: $pub/unreadable: cannot read the image: Permission denied" ]]; then
	pass unreadable-image
else
	fail unreadable-image "status $st, want 125 and a permission message; stderr: $(brief "$err")"
fi
rm -rf "$pub"

run --help
if [[ $st == 0 ]] && grep -q '^  124' "$out" && grep -q '^  125' "$out" && grep -q '^  126' "$out"; then
	pass help
else
	fail help "status $st"
fi

# Arguments reach the kernel command line intact: the guest splits it by
# the kernel's rules and prints each token between < and >. None of
# ukrun's streams is a terminal here, which console.tty=none tells the
# kernel.
args=(exit 0 'two words' '' '"quoted"' 'back\slash' $'tab\there' '-x' '--' '--mem' 'k=v' "it's")
run --accel tcg --param uk.a=1 --param 'uk.b=x y' "$guest" "${args[@]}"
expected=$(
	printf 'tok[0]=<%s>\n' "$(basename "$guest")"
	printf 'tok[1]=<uk.a=1>\ntok[2]=<uk.b=x y>\ntok[3]=<console.tty=none>\ntok[4]=<-->\n'
	i=5
	for a in "${args[@]}"; do
		printf 'tok[%d]=<%s>\n' $i "$a"
		i=$((i + 1))
	done
)
if [[ $st == 0 ]] && [[ $(grep '^tok\[' "$out") == "$expected" ]]; then
	pass args-intact
else
	fail args-intact "status $st; got: $(grep '^tok\[' "$out" | tr '\n' ' ')"
fi

# The image's base name is argv0, even with spaces and '=' in it.
odd=$work/'odd name=1'
cp "$guest" "$odd"
run --accel tcg "$odd" exit 0
if [[ $st == 0 ]] && grep -qxF 'tok[0]=<odd name=1>' "$out" &&
	grep -qF 'cmdline="odd name\=1" console.tty=none --' "$out"; then
	pass argv0-escaped
else
	fail argv0-escaped "status $st; got: $(grep '^tok\[0\]' "$out")"
fi

# QEMU's Multiboot loader puts the -kernel path first on the command line,
# so ukrun must not add the image name again.
run --accel tcg "$guest_mb" exit 0 'a b'
want_mb=$(printf 'tok[0]=<%s>\ntok[1]=<console.tty=none>\ntok[2]=<-->\ntok[3]=<exit>\ntok[4]=<0>\ntok[5]=<a b>' "$guest_mb")
if [[ $st == 0 ]] && [[ $(grep '^tok\[' "$out") == "$want_mb" ]]; then
	pass multiboot-argv0
else
	fail multiboot-argv0 "status $st; got: $(grep '^tok\[' "$out" | tr '\n' ' ')"
fi

# --mem reaches the guest's memory map.
run --accel tcg --mem 8M "$guest" exit 0
ram_kib=$(sed -n 's/^ram_kib=//p' "$out")
if [[ $st == 0 ]] && ((ram_kib > 6 * 1024 && ram_kib <= 8 * 1024)); then
	pass mem-size
else
	fail mem-size "status $st, guest saw ${ram_kib:-no} KiB of RAM for --mem 8M"
fi

# An image that cannot fit in --mem is refused up front (the firmware
# would spin forever).
expect_usage mem-too-small "more than the 1M of --mem" --accel tcg --mem 1M "$guest" exit 0

# Standard input goes to the guest's console device (tests/suites/console.sh
# checks it with the real kernel), never to COM1, which only carries the
# kernel's early messages: the stand-in guest reading COM1 finds nothing.
timeout 60 "$ukrun" --accel tcg "$guest" echo <<<"typed-input" >"$out" 2>"$err"
st=$?
if [[ $st == 0 ]] && grep -q 'cmdline=' "$out" && ! grep -q 'typed-input' "$out"; then
	pass stdin-not-on-serial
else
	fail stdin-not-on-serial "status $st; console: $(brief "$out")"
fi

# QEMU makes its stdin and stdout non-blocking; the pipes ukrun shares
# with its caller must stay blocking while it runs.
flags_file=$work/stdio-flags
rm -f "$flags_file"
{
	timeout 60 "$ukrun" --accel tcg --timeout 1 "$guest" hang 2>/dev/null &
	sleep 0.5
	python3 -c 'import fcntl, os, sys
state = ["nonblock" if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_NONBLOCK else "blocking" for fd in (0, 1)]
open(sys.argv[1], "w").write("stdin %s stdout %s" % tuple(state))' "$flags_file"
	wait
} < <(sleep 3) | cat >/dev/null
flags=$(cat "$flags_file" 2>/dev/null)
if [[ $flags == "stdin blocking stdout blocking" ]]; then
	pass stdio-stays-blocking
else
	fail stdio-stays-blocking "${flags:-no result}"
fi

# SIGTERM to ukrun stops QEMU and ukrun dies by the same signal.
timeout 60 "$ukrun" --accel tcg "$guest" hang sigterm-marker >"$out" 2>"$err" </dev/null &
pid=$!
sleep 0.5
kill -TERM $pid
wait $pid
st=$?
sleep 0.2
if [[ $st == 143 ]] && ! pgrep -f 'sigterm-marker' >/dev/null; then
	pass sigterm-stops-qemu
else
	fail sigterm-stops-qemu "status $st (want 143); QEMU left: $(pgrep -f sigterm-marker | tr '\n' ' ')"
fi

# SIGKILL to ukrun: QEMU must die with it (PR_SET_PDEATHSIG).
"$ukrun" --accel tcg "$guest" hang sigkill-marker >/dev/null 2>&1 </dev/null &
pid=$!
sleep 0.5
{
	kill -KILL $pid
	wait $pid
} 2>/dev/null
sleep 0.3
if pgrep -f 'sigkill-marker' >/dev/null; then
	fail sigkill-stops-qemu "QEMU outlived ukrun"
	pkill -KILL -f sigkill-marker
else
	pass sigkill-stops-qemu
fi

# --accel auto: the probe runs once, its verdict is cached, and the choice
# boots the guest. Where forcing KVM cannot boot even the stand-in guest
# (this machine's kvm-pvm), auto must have chosen TCG.
# XDG_CACHE_HOME must be absolute to count.
cache=$PWD/$work/cache
rm -rf "$cache"
XDG_CACHE_HOME=$cache run --verbose "$guest" exit 0
first_st=$st
first=$(grep -o 'accelerator: .*' "$err")
XDG_CACHE_HOME=$cache run --verbose "$guest" exit 0
second=$(grep -o 'accelerator: .*' "$err")
if [[ ! -e /dev/kvm ]]; then
	[[ $first_st == 0 && $first == *tcg* ]] && pass auto-without-kvm || fail auto-without-kvm "$first"
else
	if [[ $first_st == 0 && $st == 0 && $first == *"probed now"* && $second == *cached* ]] &&
		[[ -s $cache/ukrun/kvm-probe ]]; then
		pass auto-probe-cached
	else
		fail auto-probe-cached "first: $first (status $first_st); second: $second (status $st)"
	fi
	XDG_CACHE_HOME=$cache run --accel kvm --timeout 10 "$guest" exit 0
	if [[ $st != 0 && $first == *tcg* ]]; then
		pass "auto-picks-tcg (KVM cannot boot a guest here)"
	elif [[ $st == 0 && $first == kvm* ]]; then
		pass "auto-picks-kvm (KVM works here)"
	elif [[ $st == 0 && $first == *tcg* ]]; then
		# KVM boots the SSE-free stand-in but failed the SSE/AVX probe.
		pass "auto-picks-tcg (KVM fails the SSE/AVX probe)"
	else
		fail auto-choice "auto chose '$first' but forced KVM gave status $st"
	fi
fi

# Where the probe passes, auto uses KVM with -cpu host. A stand-in QEMU
# that runs TCG whenever it is asked for KVM makes every probe pass.
fake_qemu=$work/fake-kvm-qemu
cat >"$fake_qemu" <<'FAKE'
#!/usr/bin/env bash
args=()
for a in "$@"; do
	case $a in kvm) a=tcg ;; host) a=max ;; esac
	args+=("$a")
done
exec qemu-system-x86_64 "${args[@]}"
FAKE
chmod +x "$fake_qemu"
rm -rf "$cache"
if [[ -e /dev/kvm ]]; then
	XDG_CACHE_HOME=$cache run --verbose --qemu "$fake_qemu" "$guest" exit 5
	if [[ $st == 5 ]] && grep -q 'accelerator: kvm (kvm probe: cpu-host, probed now)' "$err" &&
		grep -q -- '-accel kvm -cpu host' "$err"; then
		pass auto-picks-kvm-where-probe-passes
	else
		fail auto-picks-kvm-where-probe-passes "status $st; stderr: $(brief "$err")"
	fi
fi

# ---- With the real kernel: what the guest sees of the host (environment,
# working directory, argv[0], which standard streams are terminals), with
# tests/suites/ukrun_app.c as the app.
kraftld=$BUILD/bin/kraftld
app=$work/app
app_mb=$work/app-mb
if ! gcc -O2 -c tests/suites/ukrun_app.c -o "$work/app.o" 2>>"$work/build.log" ||
	! "$kraftld" -o "$app" "$work/app.o" 2>>"$work/build.log" ||
	! "$kraftld" --uk-format=multiboot -o "$app_mb" "$work/app.o" 2>>"$work/build.log" ||
	! gcc -O2 -o "$work/app-native" tests/suites/ukrun_app.c 2>>"$work/build.log"; then
	fail build-app "$(tail -c 300 "$work/build.log")"
	exit 0
fi
app=$(realpath "$app")
app_mb=$(realpath "$app_mb")
ukrun_abs=$(realpath "$ukrun")

expect_lines() { # name want-status expected-lines (the console's lines, in order)
	local name=$1 want=$2 expected=$3
	if [[ $st == "$want" ]] && [[ $(tr -d '\r' <"$out") == "$expected" ]]; then
		pass "$name"
	else
		fail "$name" "status $st (want $want); got: $(brief "$out") stderr: $(brief "$err")"
	fi
}

# -e NAME=VALUE, and -e NAME with the host's value; an unset NAME passes nothing.
FROM_HOST='a value' run --accel tcg -e FROM_HOST -e GIVEN=1 -e NOT_SET_HERE -e 'SPACED=a b' \
	"$app" env FROM_HOST GIVEN NOT_SET_HERE SPACED
expect_lines env-explicit 0 "$(printf 'FROM_HOST=<a value> x1\nGIVEN=<1> x1\nNOT_SET_HERE unset\nSPACED=<a b> x1')"

# The default set passes when set on the host; other variables do not.
env -i PATH="$PATH" RUST_BACKTRACE=1 RUST_LOG=debug GODEBUG=gctrace=1 GOMAXPROCS=3 TZ=UTC \
	LANG=C.UTF-8 LC_ALL=C LC_TIME=en_GB.UTF-8 NOT_DEFAULT=1 \
	timeout 60 "$ukrun" --accel tcg "$app" env RUST_BACKTRACE RUST_LOG GODEBUG GOMAXPROCS TZ LANG \
	LC_ALL LC_TIME NOT_DEFAULT >"$out" 2>"$err" </dev/null
st=$?
expect_lines env-default-set 0 "$(printf '%s\n' 'RUST_BACKTRACE=<1> x1' 'RUST_LOG=<debug> x1' \
	'GODEBUG=<gctrace=1> x1' 'GOMAXPROCS=<3> x1' 'TZ=<UTC> x1' 'LANG=<C.UTF-8> x1' 'LC_ALL=<C> x1' \
	'LC_TIME=<en_GB.UTF-8> x1' 'NOT_DEFAULT unset')"

# -e and --param env= win over the default set, the later of two over the
# earlier, and over the kernel's own HOME and TERM.
TZ=UTC LANG=C.UTF-8 run --accel tcg -e TZ=Europe/Paris --param env=LANG=fr_FR.UTF-8 -e X=1 \
	--param env=X=2 -e HOME=/root -e TERM=xterm "$app" env TZ LANG X HOME TERM
expect_lines env-explicit-wins 0 "$(printf '%s\n' 'TZ=<Europe/Paris> x1' 'LANG=<fr_FR.UTF-8> x1' \
	'X=<2> x1' 'HOME=</root> x1' 'TERM=<xterm> x1')"

expect_usage env-empty-name "invalid environment variable -e '=x': the name is empty" -e =x "$app"
expect_usage env-name-newline "the name contains a newline" -e $'A\nB=1' "$app"
expect_usage env-param-empty-name "invalid environment variable in --param 'env==x'" \
	--param env==x "$app"

# What a self-booting image runs: ukrun --share-cwd --argv0 ARGV0 -- IMAGE
# ARGS, from a build directory. The app reads a file there by a relative
# path, writes one the host then sees, and is named ARGV0.
cwd_dir=$work/cwd-dir
rm -rf "$cwd_dir"
mkdir -p "$cwd_dir"
cwd_dir=$(realpath "$cwd_dir")
echo 'written by the host' >"$cwd_dir/from-host.txt"
(cd "$cwd_dir" && timeout 60 "$ukrun_abs" --accel tcg --share-cwd --argv0 ./my-tool -- "$app" cwd) \
	>"$out" 2>"$err" </dev/null
st=$?
expect_lines share-cwd 0 "$(printf '%s\n' 'argv0=./my-tool' "cwd=$cwd_dir" \
	'read written by the host' 'wrote from-guest.txt')"
if [[ $(cat "$cwd_dir/from-guest.txt" 2>/dev/null) == 'written by the guest' ]]; then
	pass share-cwd-host-sees-write
else
	fail share-cwd-host-sees-write "from-guest.txt: $(cat "$cwd_dir/from-guest.txt" 2>&1)"
fi
# A Multiboot image gets its --argv0 too (through fw_cfg, since QEMU's loader
# puts the image path first on -append).
(cd "$cwd_dir" && timeout 60 "$ukrun_abs" --accel tcg --share-cwd --argv0 mb-tool -- "$app_mb" cwd) \
	>"$out" 2>"$err" </dev/null
st=$?
expect_lines share-cwd-multiboot 0 "$(printf '%s\n' 'argv0=mb-tool' "cwd=$cwd_dir" \
	'read written by the host' 'wrote from-guest.txt')"
# From /, nothing is shared and the app starts in /.
(cd / && timeout 60 "$ukrun_abs" --accel tcg --share-cwd --argv0 root-tool -- "$app" cwd) \
	>"$out" 2>"$err" </dev/null
st=$?
if [[ $st == 1 ]] && grep -qx 'argv0=root-tool' "$out" && grep -qx 'cwd=/' "$out" &&
	grep -qx 'read from-host.txt: No such file or directory' "$out"; then
	pass share-cwd-from-root
else
	fail share-cwd-from-root "status $st; got: $(brief "$out")"
fi
# vfs.cwd names a directory the guest must have: otherwise the boot stops.
run --accel tcg --param vfs.cwd=/no/such/dir "$app" cwd
if [[ $st == 250 ]] && grep -q '^uk: vfs.cwd=/no/such/dir: no such directory' "$out"; then
	pass vfs-cwd-missing
else
	fail vfs-cwd-missing "status $st; got: $(brief "$out")"
fi

# isatty() on fds 0-2 answers as the host's would for ukrun's own streams:
# the app (its "tty" mode reports isatty, tcgetattr, ttyname, the fstat
# type and access mode of each, then acts as gzip -c, which refuses to
# write binary data to a terminal) runs under ukrun and natively with the
# same streams: a pty (python3's pty module), a pipe, /dev/null. Where the
# host stream is /dev/null the guest shows a pipe (S_IFIFO), so the type is
# left out of that comparison.
tty_case() { # name stdin stdout stderr (each pty, pipe or null)
	local name=$1
	shift
	python3 - "$@" "$ukrun_abs" "$app" "$work/app-native" <<'PY' >"$work/tty-$name" 2>&1
import os, pty, subprocess, sys
kinds, ukrun, image, native = sys.argv[1:4], sys.argv[4], sys.argv[5], sys.argv[6]

def run(cmd):
    master, slave = pty.openpty()
    fds, readers = [], [master]
    for i, kind in enumerate(kinds):
        if kind == "pty":
            fds.append(slave)
        elif kind == "null":
            fds.append(os.open("/dev/null", os.O_RDONLY if i == 0 else os.O_WRONLY))
        else:
            r, w = os.pipe()
            if i == 0:  # an empty input, at its end at once
                os.close(w)
                fds.append(r)
            else:
                readers.append(r)
                fds.append(w)
    p = subprocess.Popen(cmd, stdin=fds[0], stdout=fds[1], stderr=fds[2], start_new_session=True)
    for fd in set(fds + [slave]):
        os.close(fd)
    out = b""
    for fd in readers:
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the pty's master once no slave is open
                break
            if not chunk:
                break
            out += chunk
        os.close(fd)
    status = p.wait()
    return status, out.replace(b"\r\n", b"\n")

def report(status, out):
    lines = []
    for line in out.decode("latin-1").splitlines():
        if line.startswith("fd ") or line.startswith("gzip:"):
            fields = line.split()
            if line.startswith("fd ") and kinds[int(fields[1])] == "null":
                i = fields.index("type")
                del fields[i:i + 2]
            lines.append(" ".join(fields))
    binary = b"\x1f\x8b\x08\x00\xff\x00" in out
    return "\n".join(lines + ["status %d binary %s" % (status, binary)])

guest = report(*run([ukrun, "--accel", "tcg", image, "tty"]))
host = report(*run([native, "tty"]))
print(guest)
print("==" if guest == host else "!= native:\n" + host)
PY
	if [[ $(tail -1 "$work/tty-$name") == "==" ]]; then
		pass "isatty-$name"
	else
		fail "isatty-$name" "$(tr '\n' '|' <"$work/tty-$name")"
	fi
}
tty_case all-terminal pty pty pty
tty_case stdout-piped pty pipe pty
tty_case stdin-null null pty pty
tty_case no-terminal null pipe pipe
tty_case stdin-pipe pipe pty pty
exit 0
