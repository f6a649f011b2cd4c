#!/usr/bin/env bash
# The console as the app's stdin and stdout, end to end with the real
# kernel and ukrun's relay, on microvm and pc (tests/suites/console_app.c
# is the app): 10 MiB through a cat-like app byte for byte, 10 MiB in and
# 10 MiB out alone (hashes computed here), bytes that need escaping, reads
# that block until ukrun's input comes, O_NONBLOCK, poll, FIONREAD, the end
# of file and what follows it, a signal during a read (EINTR, SA_RESTART),
# and a terminal (a pty): its size, its lines, Ctrl-D as one end of file at
# a time, a resize as SIGWINCH, and a ukrun in the background that is not
# stopped for reading its terminal.
# Run from the repo root with BUILD set; prints PASS/FAIL lines, exits 0.
set -uo pipefail
BUILD=${BUILD:-build}
ukrun=$BUILD/bin/ukrun
kraftld=$BUILD/bin/kraftld
work=$BUILD/tests/console
mkdir -p "$work"

pass() { echo "PASS console/$1"; }
fail() { echo "FAIL console/$1: $2"; }

if [[ ! -x $ukrun || ! -x $kraftld ]]; then
	fail build "$ukrun or $kraftld not built"
	exit 0
fi
app=$work/app
if ! gcc -O2 -c tests/suites/console_app.c -o "$work/app.o" 2>"$work/build.log" ||
	! "$kraftld" -o "$app" "$work/app.o" 2>>"$work/build.log"; then
	fail build-app "$(head -c 300 "$work/build.log")"
	exit 0
fi

# Input data: 10 MiB of random bytes behind a run of the bytes the framing
# escapes, alone, doubled and before each of its marks.
python3 - "$work/in.bin" <<'PY'
import random, sys
rng = random.Random(7)
head = b"\xff" * 1000 + b"\xff\xff" + b"\xffE\xffD\xffW\x00\x01\x00\x02" * 100 + b"end of head\n"
body = rng.randbytes(10 * 1024 * 1024 - len(head))
open(sys.argv[1], "wb").write(head + body)
PY
in_sha=$(sha256sum <"$work/in.bin" | cut -d' ' -f1)
in_sum=$(python3 - "$work/in.bin" <<'PY'
import sys
h = 0xcbf29ce484222325
data = open(sys.argv[1], "rb").read()
for b in data:
    h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
print("%d %016x" % (len(data), h))
PY
)
gen_sha=$(python3 - <<'PY'
import hashlib
s, out, mask = 88172645463325252, bytearray(), (1 << 64) - 1
for _ in range(10 * 1024 * 1024):
    s ^= s >> 12
    s ^= (s << 25) & mask
    s ^= s >> 27
    out.append(((s * 0x2545f4914f6cdd1d) & mask) >> 56)
print(hashlib.sha256(out).hexdigest())
PY
)

for machine in microvm pc; do
	run=("$ukrun" --accel tcg --machine "$machine" --timeout 120)

	# 10 MiB both ways at once through a cat-like app.
	out_sha=$("${run[@]}" "$app" cat 65536 <"$work/in.bin" 2>"$work/err" | sha256sum | cut -d' ' -f1)
	st=${PIPESTATUS[0]}
	if [[ $st == 0 && $out_sha == "$in_sha" ]]; then
		pass "cat-10MiB[$machine]"
	else
		fail "cat-10MiB[$machine]" "status $st, sha256 $out_sha, want $in_sha; $(head -c 200 "$work/err")"
	fi

	# Small reads: every boundary of the escaped bytes falls somewhere.
	head -c 300000 "$work/in.bin" >"$work/small.bin"
	want=$(sha256sum <"$work/small.bin" | cut -d' ' -f1)
	got=$("${run[@]}" "$app" cat 777 <"$work/small.bin" 2>"$work/err" | sha256sum | cut -d' ' -f1)
	if [[ $got == "$want" ]]; then
		pass "cat-small-reads[$machine]"
	else
		fail "cat-small-reads[$machine]" "sha256 $got, want $want; $(head -c 200 "$work/err")"
	fi

	# 10 MiB in alone: the length and hash the app computes.
	got=$("${run[@]}" "$app" sum <"$work/in.bin" 2>"$work/err")
	st=$?
	if [[ $st == 0 && $got == "$in_sum" ]]; then
		pass "in-10MiB[$machine]"
	else
		fail "in-10MiB[$machine]" "status $st, app saw '$got', want '$in_sum'"
	fi

	# 10 MiB out alone.
	got=$("${run[@]}" "$app" gen 10485760 </dev/null 2>"$work/err" | sha256sum | cut -d' ' -f1)
	st=${PIPESTATUS[0]}
	if [[ $st == 0 && $got == "$gen_sha" ]]; then
		pass "out-10MiB[$machine]"
	else
		fail "out-10MiB[$machine]" "status $st, sha256 $got, want $gen_sha"
	fi

	# Blocking, non-blocking and polled reads, the end of file and after:
	# input is sent only once the app says it waits for it.
	if got=$(python3 - "${run[@]}" "$app" wait 2>&1 <<'PY'
import subprocess, sys
p = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
lines = []
def until(word):
    while True:
        line = p.stdout.readline().decode(errors="replace")
        if not line:
            raise SystemExit("output ended before %r: %r" % (word, lines))
        lines.append(line.rstrip("\n"))
        if line.startswith(word):
            return
until("ready")
until("poll0")
p.stdin.write(b"first\n")
p.stdin.flush()
until("got")
p.stdin.write(b"abcdef")
p.stdin.flush()
until("read3")
p.stdin.write(b"x" * 100000)
p.stdin.close()
lines += [l.decode().rstrip("\n") for l in p.stdout]
print("\n".join(lines))
print("status %d" % p.wait())
PY
	); then :; fi
	want="ready
nonblock -1 EAGAIN
poll0 0
poll 1 POLLIN
read 6 first
got
read3 3 abc fionread 3
rest 100003 end 0
after 0 poll 1 POLLIN
status 0"
	if [[ $got == "$want" ]]; then
		pass "blocking-read[$machine]"
	else
		fail "blocking-read[$machine]" "got: $(echo "$got" | tr '\n' '|')"
	fi

	# A signal during a read that waits for input: EINTR, or with
	# SA_RESTART the read made again.
	if got=$(python3 - "${run[@]}" "$app" signal 2>&1 <<'PY'
import subprocess, sys
p = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
lines = []
def until(word):
    while True:
        line = p.stdout.readline().decode(errors="replace")
        if not line:
            raise SystemExit("output ended before %r: %r" % (word, lines))
        lines.append(line.rstrip("\n"))
        if line.startswith(word):
            return
until("ready")
until("alarm")
p.stdin.write(b"data\n")
p.stdin.close()
lines += [l.decode().rstrip("\n") for l in p.stdout]
print("\n".join(lines))
print("status %d" % p.wait())
PY
	); then :; fi
	want="alarm
plain -1 EINTR
ready
alarm
restarted 5 data
status 0"
	if [[ $got == "$want" ]]; then
		pass "signal-during-read[$machine]"
	else
		fail "signal-during-read[$machine]" "got: $(echo "$got" | tr '\n' '|')"
	fi

	# A terminal: the size ukrun passes on (at boot, and as SIGWINCH when it
	# changes), a line per read, Ctrl-D as one end of file at a time.
	if got=$(python3 - "${run[@]}" "$app" tty 2>&1 <<'PY'
import fcntl, os, pty, select, struct, subprocess, sys, termios
master, slave = pty.openpty()
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 101, 0, 0))
def child():
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
p = subprocess.Popen(sys.argv[1:], stdin=slave, stdout=slave, stderr=subprocess.DEVNULL,
                     preexec_fn=child)
os.close(slave)
buf, lines = b"", []
def until(prefix):
    global buf
    while True:
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            line = line.decode(errors="replace").rstrip("\r")
            # The terminal echoes what is typed: keep the app's lines.
            if line.startswith(("ready", "[")):
                lines.append(line)
                if line.startswith(prefix):
                    return
        r, _, _ = select.select([master], [], [], 60)
        if not r:
            raise SystemExit("timeout waiting for %r: %r" % (prefix, lines))
        try:
            data = os.read(master, 4096)
        except OSError:
            data = b""
        if not data:
            raise SystemExit("terminal closed before %r: %r" % (prefix, lines))
        buf += data
until("ready")
fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
until("[winch")
for typed, reply in ((b"hello\n", "[6:hello]"), (b"\x04", "[0:]"), (b"again\n", "[6:again]"),
                     (b"\x04", "[0:]")):
    os.write(master, typed)
    until(reply)
print("\n".join(lines))
print("status %d" % p.wait())
PY
	); then :; fi
	want="ready isatty 1 size 0 33x101
[winch 40x120]
[6:hello]
[0:]
[6:again]
[0:]
status 0"
	if [[ $got == "$want" ]]; then
		pass "terminal[$machine]"
	else
		fail "terminal[$machine]" "got: $(echo "$got" | tr '\n' '|')"
	fi

	# A ukrun in the background of its terminal (a job of a shell with job
	# control), with a line typed there already: reading it would stop
	# ukrun (SIGTTIN); it must leave the line alone and run on, here until
	# its --timeout, as the app waits for input that cannot come.
	if got=$(python3 - "$ukrun" --accel tcg --machine "$machine" --timeout 3 "$app" sum 2>&1 <<'PY'
import fcntl, os, pty, select, subprocess, sys, termios
master, slave = pty.openpty()
os.write(master, b"typed\n")
def child():
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
script = 'set -m; "$@" & wait $!; echo "status $?"'
p = subprocess.Popen(["sh", "-c", script, "sh"] + sys.argv[1:], stdin=slave, stdout=slave,
                     stderr=slave, preexec_fn=child)
os.close(slave)
out = b""
while True:
    r, _, _ = select.select([master], [], [], 60)
    if not r:
        p.kill()
        raise SystemExit("hung: %r" % out)
    try:
        data = os.read(master, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
p.wait()
print([l for l in out.decode(errors="replace").splitlines() if l.startswith("status")][-1])
PY
	); then :; fi
	if [[ $got == "status 124" ]]; then
		pass "terminal-background[$machine]"
	else
		fail "terminal-background[$machine]" "got: $got"
	fi
done
exit 0
