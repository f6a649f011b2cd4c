#!/usr/bin/env bash
# Long kernel command lines, end to end with the real kernel: thousands of
# arguments and hundreds of KiB of them, env= variables, every byte value but
# NUL and newline, on microvm and pc, PVH and Multiboot, on both sides of the
# 4095 bytes that go on -append (longer ones go through fw_cfg); what the
# kernel makes of uk.cmdline=fw_cfg and of a bad fw_cfg file (QEMU run
# directly); and the refusals: beyond Linux's execve limits (ukrun, 125) and
# beyond a quarter of the main stack (the kernel, 250). The app
# (cmdline_app.c) prints a summary of what it received; the expected summary
# is computed here from what was passed.
# Run from the repo root with BUILD set; prints PASS/FAIL lines, exits 0.
set -uo pipefail
# The host variables ukrun passes by default would lengthen the command
# lines whose sizes these checks count (LC_ALL, which the tools here want,
# is left out where ukrun runs).
unset RUST_BACKTRACE RUST_LOG GODEBUG GOMAXPROCS TZ LANG ${!LC_*}
export LC_ALL=C
BUILD=${BUILD:-build}
ukrun=$BUILD/bin/ukrun
kraftld=$BUILD/bin/kraftld
work=$BUILD/tests/cmdline
mkdir -p "$work"

pass() { echo "PASS cmdline/$1"; }
fail() { echo "FAIL cmdline/$1: $2"; }
skip() { echo "SKIP cmdline/$1: $2"; }

if [[ ! -x $ukrun || ! -x $kraftld ]]; then
	fail build "$ukrun or $kraftld not built"
	exit 0
fi

app=$work/app
app_mb=$work/app.mb
if ! gcc -O2 -c tests/suites/cmdline_app.c -o "$work/app.o" 2>"$work/build.log" ||
	! "$kraftld" -o "$app" "$work/app.o" 2>>"$work/build.log" ||
	! "$kraftld" --uk-format=multiboot -o "$app_mb" "$work/app.o" 2>>"$work/build.log"; then
	fail build-app "$(head -c 300 "$work/build.log")"
	exit 0
fi

# gen NAME KIND: writes NAME.args and NAME.env (NUL-separated; the env
# entries are NAME=VALUE for --param env=...) and NAME.want, the app's
# summary of them (argc, args and env lines; argv0 is checked apart).
#   big       3000 arguments of random bytes (all but NUL and newline), one
#             of 50000 bytes, about 200 KiB in all; six UKT_ variables
#   many      300 arguments, 100 env= variables and 40 other parameters,
#             all on -append: more than the kernel's static slots hold
#   plain:N   one argument of N 'a's
gen() {
	python3 - "$work/$1" "$2" <<'PY'
import random, sys
out, kind = sys.argv[1], sys.argv[2]
rng = random.Random(20240611)
alphabet = bytes(b for b in range(1, 256) if b != 10)
def rand(n):
    return bytes(rng.choice(alphabet) for _ in range(n))
args, env, params = [], [], []
if kind == "big":
    args = [b"", b"--", b"-x", b"uk.cmdline=fw_cfg", b'"', b"\\", b" ", b"a b\tc"]
    args.append(rand(50000))
    while len(args) < 3000:
        args.append(rand(rng.randrange(0, 101)))
    env = [b"UKT_%d=" % i + rand(rng.randrange(1, 2000)) for i in range(6)]
elif kind == "many":
    args = [b"%d" % i for i in range(300)]
    env = [b"UKT_%d=v%d" % (i, i) for i in range(100)]
    params = [b"p%d=%d" % (i, i) for i in range(40)]
elif kind.startswith("plain:"):
    args = [b"a" * int(kind[6:])]
def fnv(strings):
    h = 0xcbf29ce484222325
    for s in strings:
        for b in s + b"\0":
            h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    return h
open(out + ".args", "wb").write(b"".join(a + b"\0" for a in args))
open(out + ".env", "wb").write(b"".join(e + b"\0" for e in env))
open(out + ".params", "wb").write(b"".join(p + b"\0" for p in params))
with open(out + ".want", "w") as f:
    f.write("argc=%d\n" % (len(args) + 1))
    f.write("args bytes=%d sum=%016x\n" % (sum(map(len, args)), fnv(args)))
    f.write("env count=%d bytes=%d sum=%016x\n" % (len(env), sum(map(len, env)), fnv(env)))
PY
}

out=$work/out
err=$work/err
st=0
# boot NAME IMAGE [ukrun options...]: boots IMAGE with NAME's arguments,
# variables and parameters; status in $st, console in $out, stderr in $err.
boot() {
	local name=$1 image=$2
	shift 2
	local -a args env params opts=()
	mapfile -d '' args <"$work/$name.args"
	mapfile -d '' env <"$work/$name.env"
	mapfile -d '' params <"$work/$name.params"
	local e
	for e in "${env[@]}"; do opts+=(--param "env=$e"); done
	for e in "${params[@]}"; do opts+=(--param "$e"); done
	env -u LC_ALL timeout 120 "$ukrun" --accel tcg --timeout 60 --verbose "$@" "${opts[@]}" "$image" "${args[@]}" \
		>"$out" 2>"$err" </dev/null
	st=$?
}

brief() { head -c 300 "$1" | tr -c '[:print:]' ' '; }

# check CASE NAME ARGV0 ROUTE: the app saw exactly NAME's data, with argv0
# ARGV0, and the command line went by ROUTE (-append or fw_cfg).
check() {
	local case=$1 name=$2 argv0=$3 route=$4
	local got
	got=$(grep -E '^(argc=|args bytes=|env count=)' "$out")
	local why=""
	if [[ $st != 0 ]]; then
		why="status $st; stderr: $(brief "$err"); console: $(brief "$out")"
	elif [[ $got != "$(cat "$work/$name.want")" ]]; then
		why="got '$got', want '$(tr '\n' ' ' <"$work/$name.want")'"
	elif ! grep -qxF "argv0=$argv0" "$out"; then
		why="argv0: $(grep '^argv0=' "$out"), want $argv0"
	elif [[ $route == fw_cfg ]] && ! grep -q -- '-append uk.cmdline=fw_cfg -fw_cfg name=opt/uk/cmdline' "$err"; then
		why="the command line did not go through fw_cfg"
	elif [[ $route == -append ]] && grep -q -- '-fw_cfg' "$err"; then
		why="the command line went through fw_cfg, not -append"
	fi
	if [[ -z $why ]]; then pass "$case"; else fail "$case" "$why"; fi
}

gen big big
gen many many
for machine in microvm pc; do
	boot big "$app" --machine "$machine"
	check "big-$machine" big app fw_cfg
done
# QEMU's Multiboot loader puts the image path first on its own command line;
# the fw_cfg one leaves argv0 to it.
boot big "$app_mb" --machine pc
check big-multiboot-pc big "$app_mb" fw_cfg

boot many "$app"
check many-params many app -append

# "app console.tty=none -- " and one argument (ukrun's streams are no
# terminals here): 4095 bytes go on -append, 4096 through fw_cfg.
gen append "plain:$((4095 - 24))"
gen fw_cfg "plain:$((4096 - 24))"
boot append "$app" --machine pc
check longest-append-pc append app -append
boot fw_cfg "$app" --machine pc
check shortest-fw_cfg-pc fw_cfg app fw_cfg

# The kernel's side on its own, with QEMU run directly: what it makes of
# uk.cmdline=fw_cfg and of the fw_cfg file, which is outside input.
# raw CASE APPEND FILE-CONTENT|- WANT-STATUS WANT-TEXT
raw() {
	local case=$1 append=$2 content=$3 want_st=$4 want=$5
	local -a fw=()
	if [[ $content != - ]]; then
		printf '%b' "$content" >"$work/raw-cmdline"
		fw=(-fw_cfg "name=opt/uk/cmdline,file=$work/raw-cmdline")
	fi
	: >"$work/raw-exit"
	timeout 60 qemu-system-x86_64 -nodefaults -no-user-config -display none \
		-M microvm,x-option-roms=off,acpi=off,isa-serial=on,auto-kernel-cmdline=off \
		-accel tcg -m 64M -no-reboot -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4 \
		-chardev "file,id=ukexit,path=$work/raw-exit" -device isa-debugcon,iobase=0xe9,chardev=ukexit \
		-kernel "$app" -append "$append" "${fw[@]}" >"$out" 2>"$err" </dev/null
	local got
	got=$(sed -n 's/^uk\(exit\|panic\)://p' "$work/raw-exit")
	if [[ $got == "$want_st" ]] && grep -qF -- "$want" "$out"; then
		pass "$case"
	else
		fail "$case" "status ${got:-none}, want $want_st with '$want'; console: $(brief "$out")"
	fi
}
raw fw_cfg-missing 'uk.cmdline=fw_cfg' - 250 'uk.cmdline=fw_cfg, but fw_cfg has no file: opt/uk/cmdline'
raw fw_cfg-bad-value 'uk.cmdline=elsewhere' - 250 'uk.cmdline takes one value, fw_cfg: elsewhere'
raw fw_cfg-args-twice 'uk.cmdline=fw_cfg -- x' 'app -- y' 250 "boot loader's command line has app arguments"
raw fw_cfg-nested 'uk.cmdline=fw_cfg' 'app uk.cmdline=fw_cfg -- y' 250 'uk.cmdline cannot appear in the fw_cfg command line'
raw fw_cfg-syntax 'uk.cmdline=fw_cfg' 'app -- "open' 250 'command line (fw_cfg opt/uk/cmdline), at byte 7: unterminated quote'
raw fw_cfg-nul 'uk.cmdline=fw_cfg' 'app -- a\0b' 250 'the fw_cfg command line contains a NUL byte'
# uk.tlb_flush_ms takes milliseconds up to 10 s, 0 included (never).
raw tlb-flush-bad 'uk.tlb_flush_ms=5ms' - 250 'uk.tlb_flush_ms needs milliseconds from 0 to 10000: 5ms'
raw tlb-flush-big 'uk.tlb_flush_ms=10001' - 250 'uk.tlb_flush_ms needs milliseconds from 0 to 10000: 10001'
raw tlb-flush-off 'uk.tlb_flush_ms=0 -- a' - 0 'argc=2'
# Both lines' parameters apply, the boot loader's first; the file's argv0
# and arguments are the app's.
raw fw_cfg-merged 'uk.cmdline=fw_cfg env=UKT_1=one' 'app env=UKT_2=two -- a' 0 'argv0=app'
want_env=$(python3 -c '
h = 0xcbf29ce484222325
for s in (b"UKT_1=one", b"UKT_2=two"):
    for b in s + b"\0":
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
print("env count=2 bytes=18 sum=%016x" % h)')
if grep -qxF "$want_env" "$out" && grep -qxF 'argc=2' "$out"; then
	pass fw_cfg-merged-env
else
	fail fw_cfg-merged-env "want '$want_env'; console: $(brief "$out")"
fi

# The kernel refuses arguments taking more than a quarter of the main stack.
boot big "$app" --param uk.stack_size=262144
if [[ $st == 250 ]] && grep -q 'more than a quarter of the 262144-byte main stack: raise uk.stack_size' "$out"; then
	pass stack-quarter
else
	fail stack-quarter "status $st; console: $(brief "$out")"
fi

# Beyond 2 MiB ukrun refuses as Linux's execve would. ukrun itself only
# receives that much with a stack limit above 8 MiB.
if (ulimit -s unlimited) 2>/dev/null; then
	big=$(head -c 100000 /dev/zero | tr '\0' a)
	many=()
	for i in $(seq 21); do many+=("$big"); done
	(
		ulimit -s unlimited
		"$ukrun" --accel tcg "$app" "${many[@]}" >"$out" 2>"$err" </dev/null
	)
	st=$?
	if [[ $st == 125 ]] && grep -q 'more than the 2097152 Linux passes to a program (E2BIG)' "$err"; then
		pass e2big
	else
		fail e2big "status $st; stderr: $(brief "$err")"
	fi
else
	skip e2big "cannot raise the stack limit to pass ukrun more than 2 MiB"
fi
exit 0
