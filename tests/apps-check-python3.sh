#!/usr/bin/env bash
# CPython (apps/python3/build.sh) in the unikernel, part of make check-apps
# (tests/apps-check.sh): first the ways a user runs it, then a curated list
# of CPython's own regression tests (python3 -m test), each module in a VM
# of its own, beside the same modules run on the host by the same
# interpreter linked for Linux.
#
#   python3/run/*     -c, a script from the initrd, the REPL on standard
#                     input, the standard library from a 9p share at a
#                     smaller --mem, and `-m http.server` fetched by the
#                     host's curl through a forwarded port of 127.0.0.1.
#   python3/test/*    one line per module: PASS when every test case that
#                     failed in the guest also failed on the host (the
#                     build leaves out _testcapi, which some tests import)
#                     or failed starting a child process (subprocess,
#                     fork, spawn, multiprocessing: ENOSYS in a unikernel,
#                     told by its traceback); the counts of test cases
#                     run, failed and skipped in the guest and on the host,
#                     and how many of the guest's failed for a child. The test cases
#                     left out of both (left_out below: fork and exec,
#                     what the kernel or musl lacks) are SKIP lines with
#                     their reasons.
#
# Env: BUILD; PY_TESTS overrides the module list; PY_MEM the guest's memory.
set -uo pipefail
export LC_ALL=C
BUILD=${BUILD:-build}
ukrun=$(realpath -m "$BUILD/bin/ukrun")
py=$(realpath -m "$BUILD/apps/python3")
root=$(realpath -m "$BUILD/apps/python3.root")
work=$(realpath -m "$BUILD/tests/apps-check/python3")
mem=${PY_MEM:-512M}
# The host's interpreter: the one apps/python3/build.sh linked for the host
# from the same objects (the same modules, and the same standard library,
# its source tree's).
hostpy=$(realpath -m "$BUILD/apps/src/python3.11/python-host")
rm -rf "$work"
mkdir -p "$work"

curated="test_json test_re test_math test_struct test_datetime test_collections test_itertools"
curated+=" test_os test_socket test_threading test_sqlite3 test_hashlib test_ssl"
read -ra tests <<<"${PY_TESTS:-$curated}"

if [[ ! -x $py || ! -d $root/usr/lib/python3.11 || ! -x $hostpy ]]; then
	echo "FAIL python3/build: $py, $root or $hostpy is missing (make app-python3)"
	exit 0
fi

# boot NAME STDIN UKRUN-ARGS...: the console output in $work/NAME.out (CRs
# removed), ukrun's status in $st.
st=0
boot() {
	local name=$1 input=$2
	shift 2
	"$ukrun" --accel tcg --timeout 900 "$@" <"$input" >"$work/$name.out" 2>&1
	st=$?
	sed -i 's/\r$//' "$work/$name.out"
}

# check NAME WANT: PASS when the boot exited 0 and printed exactly WANT.
check() {
	local name=$1
	printf '%s\n' "$2" >"$work/$name.want"
	if [[ $st == 0 ]] && cmp -s "$work/$name.want" "$work/$name.out"; then
		echo "PASS python3/run/$name"
	else
		echo "FAIL python3/run/$name: status $st: $(head -c 300 "$work/$name.out" | tr '\n' ' ')"
	fi
}

boot c /dev/null --mem "$mem" --initrd "$root" "$py" -c 'print(1+1)'
check c 2

# A script: what it computes, the host computes too.
mkdir -p "$work/script-root"
cp -a "$root/." "$work/script-root/"
cat >"$work/script-root/tmp/script.py" <<'EOF'
import hashlib, json, sqlite3, sys, zlib, datetime, random, struct, math
db = sqlite3.connect(":memory:")
db.execute("create table t(k integer primary key, v text)")
db.executemany("insert into t values (?, ?)", ((i, "v%d" % i) for i in range(1000)))
s = json.dumps({"n": db.execute("select count(*), sum(k) from t").fetchone(), "argv": sys.argv[1:]})
print(s, hashlib.sha256(s.encode()).hexdigest(), zlib.crc32(zlib.compress(s.encode() * 100)))
print(datetime.date(2024, 2, 29) + datetime.timedelta(days=366), struct.pack("<Id", 7, math.pi).hex())
random.seed(5)
print(random.random(), sum(random.randrange(100) for _ in range(1000)))
EOF
"$hostpy" "$work/script-root/tmp/script.py" a b >"$work/script.host"
boot script /dev/null --mem "$mem" --initrd "$work/script-root" "$py" /tmp/script.py a b
check script "$(cat "$work/script.host")"
rm -rf "$work/script-root"

# The REPL (-i: standard input is not a terminal): prompts and echoes as the
# host's interpreter prints them for the same input.
printf 'x = 6 * 7\nx\nimport sys; print(sys.platform, sys.version_info[:2])\nfor i in range(2):\n    print(i)\n\n' \
	>"$work/repl.in"
"$hostpy" -i -q <"$work/repl.in" >"$work/repl.host" 2>&1
boot repl "$work/repl.in" --mem "$mem" --initrd "$root" "$py" -i -q
check repl "$(cat "$work/repl.host")"

# The standard library over 9p: the image's memory holds no initrd.
boot share /dev/null --mem 64M --share "$root/usr/lib/python3.11:/usr/lib/python3.11:ro" "$py" \
	-c 'import json, os; print(json.dumps(sorted(os.listdir("/usr/lib/python3.11/json"))[:2]))'
check share '["__init__.py", "__pycache__"]'

# http.server: the host fetches a file the guest serves from the initrd.
port=$((20000 + RANDOM % 20000))
mkdir -p "$work/www-root"
cp -a "$root/." "$work/www-root/"
mkdir -p "$work/www-root/srv"
head -c 100000 /dev/urandom | base64 >"$work/www-root/srv/page.txt"
"$ukrun" --accel tcg --timeout 300 --mem "$mem" --initrd "$work/www-root" \
	--net "user,hostfwd=tcp:127.0.0.1:$port-:8000" "$py" -m http.server -d /srv 8000 \
	</dev/null >"$work/http.out" 2>&1 &
server=$!
got=no
for _ in $(seq 1 120); do
	if curl -s --max-time 20 -o "$work/http.got" "http://127.0.0.1:$port/page.txt" 2>/dev/null &&
		cmp -s "$work/http.got" "$work/www-root/srv/page.txt"; then
		got=yes
		break
	fi
	kill -0 "$server" 2>/dev/null || break
	sleep 2
done
kill "$server" 2>/dev/null
wait "$server" 2>/dev/null
if [[ $got == yes ]]; then
	echo "PASS python3/run/http.server"
else
	echo "FAIL python3/run/http.server: no copy of page.txt: $(tr -d '\r' <"$work/http.out" | head -c 300 | tr '\n' ' ')"
fi
rm -rf "$work/www-root"

# tally FILE: "run failed skipped" from unittest's summary in FILE (-v output):
# "Ran N tests" and "OK (skipped=K)" or "FAILED (failures=F, errors=E, skipped=K)".
tally() {
	awk '
		/^Ran [0-9]+ tests? in/ { ran += $2 }
		/^(OK|FAILED)( \(|$)/ {
			s = $0
			while (match(s, /(failures|errors|skipped|expected failures|unexpected successes)=[0-9]+/)) {
				kv = substr(s, RSTART, RLENGTH); s = substr(s, RSTART + RLENGTH)
				split(kv, p, "=")
				if (p[1] == "failures" || p[1] == "errors" || p[1] == "unexpected successes") bad += p[2]
				else if (p[1] == "skipped") skip += p[2]
			}
		}
		END { printf "%d %d %d\n", ran, bad, skip }' "$1"
}

# Test cases left out, in the guest and on the host alike (regrtest's
# --ignorefile patterns), each with its reason: MODULE|PATTERN|REASON.
left_out=(
	"test_re|test_locale_caching|musl accepts en_US.ISO8859-1 but has no 8-bit locales: re.L case folding of bytes follows UTF-8/C"
	"test_re|test_locale_compiled|as test_locale_caching"
	"test_os|test_openpty|no pseudo-terminals (/dev/ptmx)"
	"test_os|test.test_os.TestInvalidFD.test_fpathconf|musl's fpathconf answers without looking at the fd (no EBADF)"
	"test_socket|*UDPLITE*|the network stack (lwIP) has no UDP-Lite: socket() answers EPROTONOSUPPORT"
	"test_socket|*RFC3542Ancillary*|IPv6 ancillary data (IPV6_RECVHOPLIMIT, IPV6_TCLASS cmsgs) is not implemented: ENOPROTOOPT"
	"test_socket|test_sethostname|sethostname(2) is not implemented (the node name is fixed)"
	"test_socket|ThreadedVSOCKSocketStreamTest|on a host with vsock loaded its accept never returns (the guest has no AF_VSOCK and skips it)"
)

# failed_ids FILE: the ids of the test cases unittest reports as failed or
# in error in FILE, sorted.
failed_ids() {
	sed -n 's/^\(FAIL\|ERROR\): [^ ]* (\(.*\))$/\2/p' "$1" | sort -u
}

# child_ids FILE: the ids of those whose traceback ends in starting a child
# process (subprocess, os.fork, os.spawn*, multiprocessing), which a
# unikernel cannot do (ENOSYS), sorted.
child_ids() {
	awk '
		/^(FAIL|ERROR): [^ ]* \(.*\)$/ { id = $0; sub(/^[^(]*\(/, "", id); sub(/\)$/, "", id); child = 0; next }
		/^(====|Ran [0-9])/ { if (id != "" && child) print id; id = "" }
		id != "" && /(_fork_exec|os\.fork\(|os\.spawn|_posixsubprocess|popen_fork|os\.forkpty|os\.posix_spawn)/ { child = 1 }
		END { if (id != "" && child) print id }' "$1" | sort -u
}

for t in "${tests[@]}"; do
	: >"$work/$t.ignore"
	for entry in "${left_out[@]}"; do
		IFS='|' read -r m pat why <<<"$entry"
		[[ $m == "$t" ]] || continue
		printf '%s\n' "$pat" >>"$work/$t.ignore"
		echo "SKIP python3/test/$t/$pat: $why"
	done
	boot "$t" /dev/null --mem "$mem" --initrd "$root" --share "$work:$work:ro" "$py" -m test -v \
		--ignorefile "$work/$t.ignore" "$t"
	read -r g_ran g_bad g_skip < <(tally "$work/$t.out")
	(cd "$work" && timeout 900 "$hostpy" -m test -v --ignorefile "$work/$t.ignore" "$t" \
		>"$work/$t.host" 2>&1)
	read -r h_ran h_bad h_skip < <(tally "$work/$t.host")
	counts="guest $g_ran run, $g_bad failed, $g_skip skipped; host $h_ran run, $h_bad failed, $h_skip skipped"
	# The test cases that failed in the guest but not on the host.
	failed_ids "$work/$t.out" >"$work/$t.guest-failed"
	failed_ids "$work/$t.host" >"$work/$t.host-failed"
	child_ids "$work/$t.out" >"$work/$t.guest-child"
	n_child=$(comm -23 "$work/$t.guest-child" "$work/$t.host-failed" | wc -l)
	counts+="; $n_child of the guest's failed need a child process"
	only_guest=$(comm -23 "$work/$t.guest-failed" "$work/$t.host-failed" | comm -23 - "$work/$t.guest-child")
	if [[ $g_ran -gt 0 && $h_ran -gt 0 && -z $only_guest ]] && { [[ $st == 0 ]] || [[ $g_bad -gt 0 ]]; }; then
		echo "PASS python3/test/$t: $counts"
	else
		echo "FAIL python3/test/$t: status $st: $counts; only in the guest: $(echo "$only_guest" | head -n 5 | tr '\n' ' ' | cut -c1-400)"
	fi
done
