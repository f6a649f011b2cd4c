#!/usr/bin/env bash
# kraftld end to end, without booting: what it links, what it refuses, and
# what the images look like. Run from the repository root; BUILD names the
# build tree (default build). Prints `PASS name` or `FAIL name: why` per check
# and exits 0.

BUILD=${BUILD:-build}
KRAFTLD=$(realpath -m "$BUILD/bin/kraftld")
LIB=$(realpath -m "$BUILD/lib")

pass() { echo "PASS kraftld-$1"; }
fail() { echo "FAIL kraftld-$1: $2"; }
check() { # check NAME WHY COMMAND...: PASS if COMMAND succeeds.
	local name=$1 why=$2
	shift 2
	if "$@"; then pass "$name"; else fail "$name" "$why"; fi
}

if [[ ! -x $KRAFTLD ]]; then
	fail built "$KRAFTLD does not exist (make BUILD=$BUILD tools)"
	exit 0
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kraftld-suite.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 0

# The linker kraftld drives, as kraftld picks it.
if [[ -n ${KRAFTLD_LD:-} ]]; then LINKER=$KRAFTLD_LD
elif command -v ld.lld >/dev/null; then LINKER=ld.lld
else LINKER=ld; fi

# Version probes and help need no kernel tree.
for probe in --version -v -Wl,--version -Wl,-v; do
	want=$("$LINKER" "${probe#-Wl,}" 2>&1)
	got=$("$KRAFTLD" "$probe" 2>&1)
	rc=$?
	if [[ $rc -eq 0 && -n $got && $got == "$want" ]]; then pass "version$probe"
	else fail "version$probe" "exit $rc, printed '${got:0:80}', $LINKER prints '${want:0:80}'"; fi
done
out=$("$KRAFTLD" --help 2>&1)
check help "--help printed no usage" grep -q '^Usage: kraftld' <<<"$out"

# Objects used below.
cat >hello.c <<'EOF'
#include <stdio.h>
int main(int argc, char** argv) { printf("hello from %s\n", argv[0]); return argc - 1; }
EOF
cat >helper.c <<'EOF'
int helper(int x) { return x * 3; }
EOF
cat >extra.c <<'EOF'
__attribute__((constructor)) void kraftld_extra_unreferenced(void) {}
EOF
cat >usehelper.c <<'EOF'
#include <math.h>
#include <pthread.h>
int helper(int);
int main(void) { return helper(2) + (int)sqrt(16.0) + (pthread_self() != 0); }
EOF
{
	for i in $(seq 1 30); do echo "void undefined_fn_$i(void);"; done
	echo 'int main(void) {'
	for i in $(seq 1 30); do echo "undefined_fn_$i();"; done
	echo 'return 0; }'
} >undef.c
gcc -O2 -c hello.c -o hello.o && gcc -O2 -c helper.c -o helper.o && gcc -c extra.c -o extra.o &&
	gcc -O2 -c usehelper.c -o usehelper.o && gcc -c undef.c -o undef.o || {
	fail objects "gcc -c failed"
	exit 0
}
ar rcs libhelper.a helper.o
ar rcs libextra.a extra.o
mkdir -p rlibs && cp libhelper.a rlibs/libhelper-0123abcd.rlib

# Refusals and input checks need no kernel tree either: they fail first.
expect_failure() { # expect_failure NAME PATTERN ARGS...: non-zero exit, message matches.
	local name=$1 pattern=$2
	shift 2
	local out rc
	out=$("$KRAFTLD" "$@" 2>&1)
	rc=$?
	if [[ $rc -eq 0 ]]; then fail "$name" "exit 0 for: $*"
	elif ! grep -qiE -- "$pattern" <<<"$out"; then fail "$name" "message lacks /$pattern/: ${out:0:200}"
	else pass "$name"; fi
}
expect_failure missing-input 'nosuch\.o.*No such file' -o img nosuch.o
if gcc -m32 -c helper.c -o helper32.o 2>/dev/null; then
	expect_failure other-arch 'helper32\.o.*32-bit' -o img helper32.o
else
	fail other-arch "gcc -m32 -c does not work here"
fi
echo 'not an object' >notes.txt
expect_failure not-an-object 'notes\.txt.*not an object' -o img notes.txt
expect_failure shared-refused '-shared.*(static|shared)' -shared -o img hello.o
expect_failure wl-shared-refused 'shared' -Wl,-shared -o img hello.o
expect_failure relocatable-refused '-r.*relocatable' -r -o img hello.o
expect_failure m32-refused '-m32.*x86_64' -m32 -o img hello.o
expect_failure source-refused 'hello\.c.*source.*compile' -o img hello.c
expect_failure lang-refused '-x c.*compile' -x c -o img hello.o
expect_failure no-inputs 'no input files' -o img
mkdir -p shared-only && cp helper.o shared-only/libdyn.so
expect_failure shared-only-library '-ldyn.*shared' -o img hello.o -Lshared-only -ldyn
expect_failure missing-library '-lnosuchlib.*cannot find' -o img hello.o -lnosuchlib

if [[ ! -f $LIB/libunikraft.a || ! -f $LIB/unikraft.ld || ! -f $LIB/unikraft/libc.a ]]; then
	fail tree "no kernel tree at $LIB (make BUILD=$BUILD kernel); link checks skipped"
	exit 0
fi

# link NAME ARGS...: kraftld must succeed; its output is kept in $WORK/NAME.log.
link() {
	local name=$1
	shift
	"$KRAFTLD" "$@" >"$name.log" 2>&1
	local rc=$?
	if [[ $rc -eq 0 ]]; then pass "$name"; return 0; fi
	fail "$name" "exit $rc: $(head -c 300 "$name.log" | tr '\n' ' ')"
	return 1
}

is_elf64_pvh() { # the image is an x86-64 ELF64 executable with a Xen PHYS32_ENTRY note
	local h
	h=$(od -A n -t x1 -N 20 "$1" | tr -d ' \n')
	[[ ${h:0:10} == 7f454c4602 && ${h:32:4} == 0200 && ${h:36:4} == 3e00 ]] &&
		readelf -nW "$1" | grep -qE '^\s*Xen\s.*(0x00000012|PHYS32)'
}
section_field() { # section_field FILE NAME K: the K-th readelf -S field after the name
	readelf -SW "$1" |
		awk -v n="$2" -v k="$3" '{ for (i = 1; i <= NF; i++) if ($i == n) { print $(i + k); exit } }'
}
section_size() { section_field "$1" "$2" 4; } # hex, empty if there is no such section

if link hello-links -o hello hello.o; then
	check pvh-image "hello is not an ELF64 x86-64 image with the PVH note" is_elf64_pvh hello
	size=$(section_size hello .uk_symtab)
	check symtab-embedded ".uk_symtab has size '${size}'" test -n "$size" -a "$((16#${size:-0}))" -gt 32
	off=$(section_field hello .uk_symtab 3)
	magic=$( [[ -n $off ]] && od -A n -c -j "$((16#$off))" -N 4 hello | tr -d ' ')
	check symtab-magic ".uk_symtab starts with '$magic', not UKST" test "$magic" = UKST
	check symtab-names "no 'main' in .uk_symtab" grep -qa 'main' hello
fi

# The network stack is linked only into images that can use it: through
# libc's socket() (musl calls the kernel's entry directly), or asked for with
# -u uk_net_root (code that makes raw socket system calls).
has_symbol() { readelf -sW "$1" | awk -v s="$2" '$8 == s { found = 1 } END { exit !found }'; }
cat >sock.c <<'EOF2'
#include <sys/socket.h>
int main(void) { return socket(AF_INET, SOCK_STREAM, 0) < 0; }
EOF2
gcc -O2 -c sock.c -o sock.o
if [[ -f hello ]]; then
	check net-absent "hello has the network stack (uk_net_root or lwIP's tcp_input)" \
		bash -c "! readelf -sW hello | grep -qwE 'uk_net_root|tcp_input'"
fi
if link net-socket -o sockimg sock.o; then
	check net-linked-by-socket "socket() did not link uk_net_root and lwIP's tcp_input" \
		bash -c "$(declare -f has_symbol); has_symbol sockimg uk_net_root && has_symbol sockimg tcp_input"
fi
if link net-forced -u uk_net_root -o netforced hello.o; then
	check net-linked-by-u "-u uk_net_root did not link lwIP's tcp_input" has_symbol netforced tcp_input
fi

symtab_empty() { local size; size=$(section_size "$1" .uk_symtab); ((16#${size:-0} == 0)); }
link no-symtab --uk-no-symtab -o nosym hello.o &&
	check no-symtab-empty ".uk_symtab is not empty" symtab_empty nosym
KRAFTLD_NO_SYMTAB=1 link no-symtab-env -o nosym2 hello.o &&
	check no-symtab-env-empty ".uk_symtab is not empty" symtab_empty nosym2

if link strip-all -s -o stripped hello.o; then
	check strip-all-symtab-gone ".symtab still present" \
		bash -c "! readelf -SW stripped | grep -q ' \.symtab '"
	size=$(section_size stripped .uk_symtab)
	check strip-keeps-uk-symtab ".uk_symtab lost by -s" test "$((16#${size:-0}))" -gt 32
	check strip-still-pvh "stripped image lost its PVH note" is_elf64_pvh stripped
fi
link strip-wl -Wl,--strip-all -o stripped2 hello.o
link strip-debug -g -Wl,-S -o stripped3 hello.o

# Undefined symbols: all of them listed, nothing left behind, stale output removed.
mkdir -p undef-dir && echo stale >undef-dir/img
out=$("$KRAFTLD" -o undef-dir/img undef.o 2>&1)
rc=$?
listed=$(grep -oE 'undefined_fn_[0-9]+' <<<"$out" | sort -u | wc -l)
check undefined-fails "exit 0 with undefined symbols" test "$rc" -ne 0
check undefined-listed "listed $listed of 30 undefined symbols" test "$listed" -eq 30
check no-partial-output "left: $(ls -A undef-dir | tr '\n' ' ')" test -z "$(ls -A undef-dir)"

# Argument shapes of the tools that call kraftld like cc.
link automake -O2 -g -Wall -DNDEBUG -I. -o prog usehelper.o libhelper.a -lm -lpthread
link system-libs -o libs usehelper.o helper.o -lc -lm -lpthread -ldl -lrt -lutil -lgcc -lgcc_s \
	-lgcc_eh -lxnet -lcrypt
link search-path -o viapath usehelper.o -L. -lhelper -lm
link rustc-shape -m64 usehelper.o -Wl,--as-needed -Wl,-Bstatic rlibs/libhelper-0123abcd.rlib \
	-Wl,-Bdynamic -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc -L rlibs -B/nonexistent/gcc-ld \
	-fuse-ld=lld -Wl,--eh-frame-hdr -Wl,-z,noexecstack -L rlibs -o rustimg -Wl,--gc-sections \
	-pie -Wl,-z,relro,-z,now -Wl,-O1 -nodefaultlibs
link go-shape -m64 -o goimg -rdynamic -Wl,--compress-debug-sections=zlib hello.o -no-pie
link driver-flags -static -static-pie -nostartfiles -nostdlib -pthread -fuse-ld=gold -B/x \
	-march=x86-64 -std=c11 -Wl,--hash-style=gnu -Wl,--build-id -o drv hello.o
link passthrough -o pass -Wl,--defsym=kraftld_test_sym=0x1234 -Wl,-u,helper -Wl,-Map,pass.map \
	-Wl,--start-group usehelper.o libhelper.a -Wl,--end-group \
	-Wl,--whole-archive libextra.a -Wl,--no-whole-archive -Wl,--wrap=kraftld_unused
check map-written "-Wl,-Map did not write pass.map" test -s pass.map
check defsym-applied "--defsym symbol missing" \
	bash -c "readelf -sW pass | grep -qE '0*1234 .* kraftld_test_sym\$'"
check whole-archive-applied "--whole-archive member not linked" \
	bash -c "readelf -sW pass | grep -q kraftld_extra_unreferenced"

printf '%s\n' "-o 'rsp img' usehelper.o" '@inner.rsp' >outer.rsp
printf '%s\n' '"libhelper.a" -lm' >inner.rsp
link response-file @outer.rsp
check response-file-output "'rsp img' not written" test -f "rsp img"

mkdir -p defaultdir && (cd defaultdir && "$KRAFTLD" ../hello.o >/dev/null 2>&1)
check default-a-out "no a.out without -o" test -f defaultdir/a.out

out=$(KRAFTLD_VERBOSE=1 "$KRAFTLD" -o verbose hello.o 2>&1)
check verbose "KRAFTLD_VERBOSE=1 printed no linker command" grep -q 'unikraft\.ld' <<<"$out"

# Multiboot: an ELF32 wrapper, the Multiboot header in the first 8 KiB, the
# ELF64 image one page further.
multiboot_ok() {
	local h
	h=$(od -A n -t x1 -N 20 "$1" | tr -d ' \n')
	[[ ${h:0:10} == 7f454c4601 && ${h:36:4} == 0300 ]] || return 1
	od -A n -t u4 -N 8192 -v "$1" | tr -s ' ' '\n' | grep -v '^$' | awk '
		{ w[NR] = $1 }
		END { for (i = 1; i + 2 <= NR; i++)
			if (w[i] == 464367618 && (w[i] + w[i + 1] + w[i + 2]) % 4294967296 == 0) exit 0
		      exit 1 }' || return 1
	[[ $(od -A n -t x1 -j 4096 -N 5 "$1" | tr -d ' \n') == 7f454c4602 ]]
}
if link multiboot --uk-format=multiboot -o mb hello.o; then
	check multiboot-image "not an ELF32 with a Multiboot header and the ELF64 image at 4 KiB" \
		multiboot_ok mb
	entry=$(readelf -hW mb | awk '/Entry point/ { print $4 }')
	want=$(readelf -sW hello | awk '$8 == "_uk_multiboot_entry" { print $2 }')
	check multiboot-entry "entry $entry, _uk_multiboot_entry at $want" \
		test -n "$want" -a "$((entry))" -eq "$((16#$want))"
	check multiboot-no-pvh-header "the PVH image carries a Multiboot header" \
		bash -c "! od -A n -t u4 -N 8192 -v hello | tr -s ' ' '\n' | grep -qx 464367618"
fi
UK_FORMAT=multiboot link multiboot-env -s -o mb2 hello.o && check multiboot-env-image \
	"UK_FORMAT=multiboot -s gave no Multiboot image" multiboot_ok mb2

exit 0
