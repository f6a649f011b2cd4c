#!/usr/bin/env bash
# glibc-ABI compatibility layer (libunikraft/libc/glibc_compat*.cc).
#
# Run from the repository root; BUILD (default build) names the build tree.
# Prints `PASS name`, `FAIL name: why` or `SKIP ...` per check; exits 0.
#
# Host layer (needs only build/musl): the compatibility sources are compiled
# with the kernel's flags (g++ and clang++), checked (no constructors, no
# clash with musl, exported visibility, required symbols), and linked into
# test programs statically with musl's libc.a, the host libstdc++/libgcc and
# a host-only syscall shim (tests/glibc_compat/host_shim.c), so they run as
# Linux processes. Each test object is compiled once against glibc headers
# and also linked against the host glibc: the two runs must agree
# (differential testing against the real glibc).
#
# Guest layer: when $BUILD/bin/kraftld and ukrun can boot hello, the same C
# and C++ objects are linked with kraftld and booted with `ukrun --accel tcg`.
set -uo pipefail

BUILD=${BUILD:-build}
MUSL=${MUSL:-build/musl}
DEPS=${DEPS:-build/deps}
src=tests/glibc_compat
out=$BUILD/tests/glibc_compat
top=$(pwd)

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }

if [[ ! -f $MUSL/root/lib/libc.a || ! -d $DEPS/musl/crt ]]; then
	fail glibc-compat-setup "$MUSL/root/lib/libc.a or $DEPS/musl is missing (run make deps / build musl)"
	exit 0
fi
rm -rf "$out"
mkdir -p "$out"
# musl's libc.a as images get it: with the symbols the compatibility layer
# takes over renamed (tools/musl-image-syms.txt, as the Makefile does).
libc_a=$(realpath -m "$out/libc.a")
if ! objcopy --redefine-syms=tools/musl-image-syms.txt "$MUSL/root/lib/libc.a" "$libc_a"; then
	fail glibc-compat-setup "cannot rename musl's symbols with objcopy"
	exit 0
fi
gcc_dir=$(dirname "$(gcc -print-libgcc-file-name)")
# The first lines of a log, on one line, for a FAIL message.
brief() { head -c 600 "$1" | tr '\n' ' '; }

# ---------------------------------------------------------------- compile the layer

compat_srcs=(libunikraft/libc/glibc_compat*.cc)
# The brief's flags plus what the top Makefile adds for kernel C++ sources.
compat_flags=(-std=c++20 -ffreestanding -fno-exceptions -fno-rtti -fno-threadsafe-statics
	-fno-stack-protector -fno-pic -fno-pie -mno-red-zone -fvisibility=hidden -O2 -g
	-fno-use-cxa-atexit -ffunction-sections -fdata-sections -fno-omit-frame-pointer
	-fno-asynchronous-unwind-tables -fno-unwind-tables
	-Wall -Wextra -Werror -Wno-unused-parameter -isystem "$MUSL/root/include" -Iinclude -Ilibunikraft)
for cxx in g++ clang++; do
	mkdir -p "$out/$cxx"
	ok=1
	for f in "${compat_srcs[@]}"; do
		if ! "$cxx" "${compat_flags[@]}" -c "$f" -o "$out/$cxx/$(basename "$f" .cc).o" >"$out/$cxx.log" 2>&1; then
			ok=0
			break
		fi
	done
	if ((ok)); then pass "compile-$cxx"; else fail "compile-$cxx" "$(brief "$out/$cxx.log")"; fi
done
compat_objs=("$out"/g++/*.o)
# What the layer takes from the kernel proper: backtrace_symbols() names
# frames through the image's symbol table (host_shim.c has an empty one).
g++ "${compat_flags[@]}" -c libunikraft/lib/symtab.cc -o "$out/symtab.o" >"$out/symtab.log" 2>&1 ||
	fail compile-symtab "$(brief "$out/symtab.log")"

# ---------------------------------------------------------------- object checks

for cxx in g++ clang++; do
	bad=$(for o in "$out/$cxx"/*.o; do readelf -SW "$o" | grep -oE '\.(init_array|ctors|fini_array|dtors)' ; done | sort -u | tr '\n' ' ')
	if [[ -z $bad ]]; then pass "no-static-constructors-$cxx"; else fail "no-static-constructors-$cxx" "sections $bad"; fi
done

# Global symbols the layer defines: name, binding, visibility.
readelf -sW "${compat_objs[@]}" 2>/dev/null | awk '($5=="GLOBAL"||$5=="WEAK") && $7!="UND" {print $8, $5, $6}' |
	sort -u >"$out/ours.txt"
nm -g --defined-only "$libc_a" 2>/dev/null | awk 'NF==3 {print $3}' | sort -u >"$out/musl.txt"

clash=$(awk '$2=="GLOBAL" {print $1}' "$out/ours.txt" | sort -u | comm -12 - "$out/musl.txt" | tr '\n' ' ')
if [[ -z $clash ]]; then pass no-musl-clash; else fail no-musl-clash "defined strongly here and in musl: $clash"; fi

# Symbols musl also has may only be weak here, and only these: musl's copies
# differ from glibc's for glibc-compiled code (the ctype tables), or say what
# an image does not have (system(NULL): a shell).
shadow=$(awk '$2=="WEAK" {print $1}' "$out/ours.txt" | sort -u | comm -12 - "$out/musl.txt" | tr '\n' ' ')
if [[ $shadow == "__ctype_tolower_loc __ctype_toupper_loc system " ]]; then pass weak-overrides-of-musl
else fail weak-overrides-of-musl "unexpected set: '$shadow'"; fi

hidden=$(awk '$3!="DEFAULT" && $1!="uk_libc_note_threaded" {print $1}' "$out/ours.txt" | tr '\n' ' ')
if [[ -z $hidden ]]; then pass exported-visibility; else fail exported-visibility "not default visibility: $hidden"; fi
if grep -q '^uk_libc_note_threaded GLOBAL HIDDEN' "$out/ours.txt"; then pass kernel-hook-hidden
else fail kernel-hook-hidden "uk_libc_note_threaded should be a hidden global"; fi

# The symbols objects built against glibc 2.36 headers, libstdc++ 12,
# libgcc_eh 12 and Rust std need that musl 1.2.3 lacks, plus the glibc names
# musl already provides (which must stay reachable).
required=(
	__libc_single_threaded __dso_handle _dl_find_object __cxa_thread_atexit_impl
	arc4random arc4random_buf arc4random_uniform
	error error_at_line error_message_count error_one_per_line error_print_progname
	__errno_location program_invocation_name program_invocation_short_name
	__isoc99_scanf __isoc99_fscanf __isoc99_sscanf __isoc99_vscanf __isoc99_vfscanf __isoc99_vsscanf
	__isoc99_wscanf __isoc99_fwscanf __isoc99_swscanf __isoc99_vwscanf __isoc99_vfwscanf __isoc99_vswscanf
	__isoc23_strtol __isoc23_strtoul __isoc23_strtoll __isoc23_strtoull __isoc23_strtoimax __isoc23_strtoumax
	__isoc23_wcstol __isoc23_wcstoul __isoc23_wcstoll __isoc23_wcstoull __isoc23_sscanf __isoc23_scanf
	__isoc23_fscanf __isoc23_vsscanf __isoc23_vscanf __isoc23_vfscanf
	__ctype_b_loc __ctype_tolower_loc __ctype_toupper_loc __ctype_get_mb_cur_max __xpg_basename
	__register_atfork gnu_get_libc_version gnu_get_libc_release
	__libc_current_sigrtmin __libc_current_sigrtmax secure_getenv __sched_cpucount
	__sched_cpualloc __sched_cpufree __cmsg_nxthdr gnu_dev_major gnu_dev_minor gnu_dev_makedev
	__assert_perror_fail __res_init fcntl64 rawmemchr wmempcpy getwd canonicalize_file_name on_exit
	strerrorname_np strerrordesc_np sigabbrev_np sigdescr_np
	pthread_cond_clockwait pthread_mutex_clocklock pthread_rwlock_clockrdlock pthread_rwlock_clockwrlock
	sem_clockwait pthread_clockjoin_np pthread_rwlockattr_setkind_np pthread_rwlockattr_getkind_np
	__pthread_register_cancel __pthread_unregister_cancel __pthread_unwind_next
	open64 openat64 fopen64 lseek64 pread64 pwrite64 stat64 fstat64 lstat64 fstatat64 mmap64 ftruncate64
	readdir64 getrlimit64 prlimit64 sendfile64 fseeko64 ftello64 statfs64 statvfs64 glob64 nftw64
	__chk_fail __memcpy_chk __memmove_chk __mempcpy_chk __memset_chk __explicit_bzero_chk
	__strcpy_chk __stpcpy_chk __strncpy_chk __stpncpy_chk __strcat_chk __strncat_chk
	__strlcpy_chk __strlcat_chk
	__sprintf_chk __vsprintf_chk __snprintf_chk __vsnprintf_chk __printf_chk __vprintf_chk
	__fprintf_chk __vfprintf_chk __dprintf_chk __vdprintf_chk __asprintf_chk __vasprintf_chk
	__syslog_chk __vsyslog_chk
	__swprintf_chk __vswprintf_chk __wprintf_chk __vwprintf_chk __fwprintf_chk __vfwprintf_chk
	__fgets_chk __fgets_unlocked_chk __fgetws_chk __fgetws_unlocked_chk __fread_chk __fread_unlocked_chk
	__gets_chk
	__read_chk __pread_chk __pread64_chk __recv_chk __recvfrom_chk __readlink_chk __readlinkat_chk
	__getcwd_chk __getwd_chk __realpath_chk __confstr_chk __getgroups_chk __ttyname_r_chk
	__getlogin_r_chk __gethostname_chk __getdomainname_chk __ptsname_r_chk __poll_chk __ppoll_chk
	__fdelt_chk __fdelt_warn __open_2 __open64_2 __openat_2 __openat64_2 __mq_open_2 __longjmp_chk
	__wmemcpy_chk __wmemmove_chk __wmempcpy_chk __wmemset_chk __wcscpy_chk __wcpcpy_chk
	__wcsncpy_chk __wcpncpy_chk __wcscat_chk __wcsncat_chk
	__wctomb_chk __wcrtomb_chk __mbstowcs_chk __wcstombs_chk __mbsrtowcs_chk __mbsnrtowcs_chk
	__wcsrtombs_chk __wcsnrtombs_chk
)
awk '{print $1}' "$out/ours.txt" | sort -u >"$out/ours-names.txt"
missing=$(printf '%s\n' "${required[@]}" | sort -u | comm -23 - <(sort -u "$out/ours-names.txt" "$out/musl.txt") | tr '\n' ' ')
if [[ -z $missing ]]; then pass "required-symbols (${#required[@]})"; else fail required-symbols "missing: $missing"; fi

# ---------------------------------------------------------------- start files, shim, link helper

musl_inc=(-I"$DEPS/musl/arch/x86_64" -I"$DEPS/musl/arch/generic" -I"$DEPS/musl/src/include"
	-I"$DEPS/musl/src/internal" -I"$DEPS/musl/include" -I"$MUSL/root/include")
mkdir -p "$out/crt"
if gcc -O2 -fno-pic -fno-stack-protector -nostdinc "${musl_inc[@]}" -c "$DEPS/musl/crt/crt1.c" -o "$out/crt/crt1.o" \
	&& gcc -c "$DEPS/musl/crt/x86_64/crti.s" -o "$out/crt/crti.o" \
	&& gcc -c "$DEPS/musl/crt/x86_64/crtn.s" -o "$out/crt/crtn.o" \
	&& gcc -O2 -c "$src/host_shim.c" -o "$out/host_shim.o" 2>"$out/crt.log"; then
	pass host-start-files
else
	fail host-start-files "$(brief "$out/crt.log")"
	exit 0
fi

# link_musl OUT LOG INPUTS... : a static Linux executable on musl + the layer.
link_musl() {
	local o=$1 log=$2
	shift 2
	ld.lld -static --eh-frame-hdr --error-limit=0 -o "$o" "$out/crt/crt1.o" "$out/crt/crti.o" "$@" \
		"${compat_objs[@]}" "$out/symtab.o" "$out/host_shim.o" "$libc_a" "$gcc_dir/libgcc_eh.a" "$gcc_dir/libgcc.a" \
		"$out/crt/crtn.o" >"$log" 2>&1
}

# ---------------------------------------------------------------- link coverage

probe_link() {
	local name=$1 obj=$2
	shift 2
	if link_musl "$out/$name" "$out/$name.log" "$obj" "$@"; then
		pass "$name"
	else
		fail "$name" "$(grep -o 'undefined symbol: [^ ]*' "$out/$name.log" | sort -u | tr '\n' ' ' || true)$(brief "$out/$name.log")"
	fi
}
i=0
for cc_flags in "gcc -O0" "gcc -O2" "gcc -O2 -D_FORTIFY_SOURCE=2" "gcc -O2 -D_FORTIFY_SOURCE=3" \
	"gcc -O2 -D_FORTIFY_SOURCE=2 -D_FILE_OFFSET_BITS=64" "clang -O2 -D_FORTIFY_SOURCE=2" "clang -O0"; do
	i=$((i + 1))
	# shellcheck disable=SC2086
	if $cc_flags -w -c "$src/probe_c.c" -o "$out/probe_c$i.o" 2>"$out/probe_c$i.cc.log"; then
		probe_link "link-probe-c[$cc_flags]" "$out/probe_c$i.o"
	else
		fail "link-probe-c[$cc_flags]" "compile: $(brief "$out/probe_c$i.cc.log")"
	fi
done
for cxx in g++ clang++; do
	if $cxx -O2 -std=c++20 -w -c "$src/probe_cxx.cc" -o "$out/probe_cxx-$cxx.o" 2>"$out/probe_cxx-$cxx.cc.log"; then
		probe_link "link-probe-c++[$cxx]" "$out/probe_cxx-$cxx.o" "$gcc_dir/libstdc++.a" "$libc_a"
	else
		fail "link-probe-c++[$cxx]" "compile: $(brief "$out/probe_cxx-$cxx.cc.log")"
	fi
done

# ---------------------------------------------------------------- differential runs against glibc

# build NAME COMPILER FLAGS... SOURCE : compile once, link for glibc and musl.
build_pair() {
	local name=$1 compiler=$2
	shift 2
	local extra=()
	[[ $compiler == *++ ]] && extra=("$gcc_dir/libstdc++.a" "$libc_a")
	if ! $compiler "$@" -w -c -o "$out/$name.o" 2>"$out/$name.cc.log"; then
		fail "build-$name" "compile: $(brief "$out/$name.cc.log")"
		return 1
	fi
	if ! $compiler -pthread -o "$out/$name.glibc" "$out/$name.o" 2>"$out/$name.glibc.log"; then
		fail "build-$name" "glibc link: $(brief "$out/$name.glibc.log")"
		return 1
	fi
	if ! link_musl "$out/$name.musl" "$out/$name.musl.log" "$out/$name.o" "${extra[@]}"; then
		fail "build-$name" "musl link: $(brief "$out/$name.musl.log")"
		return 1
	fi
	return 0
}

argv0=/opt/demo/glibc-compat-test
# run_as ERRFILE ARGV0 PROGRAM ARGS...: run with a fixed argv[0], stderr to
# ERRFILE ("-": to stdout) and a time limit. The shell's own report of a
# program killed by a signal ("Aborted") goes to the caller's stderr.
run_as() {
	# shellcheck disable=SC2016 # The inner shell expands these.
	timeout 60 bash -c 'f=$1; shift; if [ "$f" = - ]; then exec -a "$0" "$@" 2>&1; fi; exec -a "$0" "$@" 2>"$f"' \
		"$2" "$1" "${@:3}"
}
# normalize FILE NAME: FILE without carriage returns and with the program's
# name NAME (full or short, as error() and assert print them) as PROG.
normalize() {
	sed -e 's/\r$//' -e "s#$2#PROG#g" -e "s#$(basename "$2")#PROG#g" "$1"
}

# check NAME BINARY EXPECTED_STATUS STDIN [ARGS...]: run the glibc and the
# musl build; stdout, stderr and status must agree, and the status must be
# EXPECTED_STATUS ("-" for any).
check() {
	local name=$1 bin=$2 want=$3 input=$4
	shift 4
	local v st
	for v in glibc musl; do
		run_as "$out/$name.$v.err" "$argv0" "$out/$bin.$v" "$@" <"$input" >"$out/$name.$v.out" 2>/dev/null
		st=$?
		echo "$st" >"$out/$name.$v.status"
	done
	local gs ms
	gs=$(cat "$out/$name.glibc.status")
	ms=$(cat "$out/$name.musl.status")
	if [[ $want != - && $gs != "$want" ]]; then
		fail "$name" "glibc build exited $gs, expected $want (test bug)"
	elif [[ $ms != "$gs" ]]; then
		fail "$name" "exit status $ms, glibc $gs; stderr: $(brief "$out/$name.musl.err")"
	elif ! cmp -s "$out/$name.glibc.out" "$out/$name.musl.out"; then
		fail "$name" "stdout differs from glibc: $(diff "$out/$name.glibc.out" "$out/$name.musl.out" | head -6 | tr '\n' ' ')"
	elif ! cmp -s "$out/$name.glibc.err" "$out/$name.musl.err"; then
		fail "$name" "stderr differs from glibc: $(diff "$out/$name.glibc.err" "$out/$name.musl.err" | head -6 | tr '\n' ' ')"
	else
		pass "$name"
	fi
}

# expect NAME FILE PATTERN: the musl run's FILE (out or err) has PATTERN.
expect() {
	if grep -qE -- "$3" "$out/$1.musl.$2"; then pass "$1-content"; else fail "$1-content" "no '$3' in std$2"; fi
}

printf '42 hello\n7\nthe rest of the line\n' >"$out/stdin.txt"
printf 'short\n' >"$out/short-line.txt"
head -c 300 /dev/zero | tr '\0' 'x' >"$out/long-line.txt"
: >"$out/empty.txt"

if build_pair c_basic gcc -O2 -D_FORTIFY_SOURCE=2 "$src/c_basic.c"; then
	check ctype-table c_basic 0 "$out/empty.txt" ctype
	check numbers-scanf-basename c_basic 0 "$out/empty.txt" numbers
	check scanf-stdin c_basic 0 "$out/stdin.txt" stdin
	check error-format-and-status c_basic 3 "$out/empty.txt" error
	expect error-format-and-status err "^$argv0:file.c:12: at line 12: Invalid argument\$"
	check errno-signal-names c_basic 0 "$out/empty.txt" names
	check misc-arc4random-devnum-cmsg-cpuset c_basic 0 "$out/empty.txt" misc
	expect misc-arc4random-devnum-cmsg-cpuset out 'arc4random_uniform\(7\) in range: 1, all 7 values seen'
	check dl-find-object c_basic 0 "$out/empty.txt" dlfo
	expect dl-find-object out '^code: 0 in map 1 eh_frame 1$'
	check getwd-canonicalize c_basic 0 "$out/empty.txt" fs
	check pthread-clock-waits-and-cleanup c_basic 0 "$out/empty.txt" threads
	expect pthread-clock-waits-and-cleanup out '^joined after pthread_exit: exit value$'
	check assert-perror c_basic 134 "$out/empty.txt" assert
	# The same program on the layer as clang++ compiles it.
	saved=("${compat_objs[@]}")
	compat_objs=("$out"/clang++/*.o)
	if link_musl "$out/c_basic_clang.musl" "$out/c_basic_clang.log" "$out/c_basic.o"; then
		cp "$out/c_basic.glibc" "$out/c_basic_clang.glibc"
		check clang-built-layer-misc c_basic_clang 0 "$out/empty.txt" misc
		check clang-built-layer-threads c_basic_clang 0 "$out/empty.txt" threads
	else
		fail clang-built-layer "$(brief "$out/c_basic_clang.log")"
	fi
	compat_objs=("${saved[@]}")
fi

# glibc 2.36 has no __isoc23_* names: expected values live in the program.
if gcc -O2 -w -c "$src/c_c23.c" -o "$out/c_c23.o" 2>"$out/c_c23.cc.log" &&
	link_musl "$out/c_c23.musl" "$out/c_c23.log" "$out/c_c23.o"; then
	if run_as "$out/c23.err" "$argv0" "$out/c_c23.musl" >"$out/c23.out" 2>/dev/null && grep -q '^c23 ok$' "$out/c23.out"; then
		pass isoc23-strtol-family
	else
		fail isoc23-strtol-family "$(brief "$out/c23.out")"
	fi
else
	fail isoc23-strtol-family "build: $(brief "$out/c_c23.cc.log") $(brief "$out/c_c23.log" 2>/dev/null)"
fi

fortify_cases=(memcpy memmove mempcpy memset explicit_bzero strcpy stpcpy strncpy stpncpy strcat strncat
	sprintf vsprintf snprintf vsnprintf fread read pread readlink getcwd confstr gethostname
	wmemcpy wmemmove wmemset wcscpy wcsncpy mbstowcs wcstombs poll fd_set open longjmp)
for level in 2 3; do
	if build_pair "c_fortify$level" gcc -O2 -D_FORTIFY_SOURCE=$level "$src/c_fortify.c"; then
		chk=$(nm -u "$out/c_fortify$level.o" | grep -cE '__[a-z0-9_]+(_chk|_2)$')
		if ((chk >= 30)); then pass "fortify$level-emits-chk-calls ($chk)"
		else fail "fortify$level-emits-chk-calls" "only $chk __*_chk references"; fi
		check "fortify$level-in-bounds" "c_fortify$level" 0 "$out/empty.txt" ok 8
		expect "fortify$level-in-bounds" out '^longjmp\(8\) ok$'
		for c in "${fortify_cases[@]}"; do
			check "fortify$level-$c" "c_fortify$level" 134 "$out/long-line.txt" "$c" 12
		done
		check "fortify$level-fgets-fits" "c_fortify$level" 0 "$out/short-line.txt" fgets 12
		check "fortify$level-fgets-overflow" "c_fortify$level" 134 "$out/long-line.txt" fgets 12
		expect "fortify$level-fgets-overflow" err '^\*\*\* buffer overflow detected \*\*\*: terminated$'
		check "fortify$level-realpath-small-buffer" "c_fortify$level" 134 "$out/empty.txt" realpath 8
	fi
done

for cxx in g++ clang++; do
	if build_pair "cxx_runtime-$cxx" "$cxx" -O2 -std=c++20 "$src/cxx_runtime.cc"; then
		check "c++-runtime[$cxx]" "cxx_runtime-$cxx" 0 "$out/empty.txt"
		expect "c++-runtime[$cxx]" out '^caught: bad token line 3$'
		expect "c++-runtime[$cxx]" out '^thread_local destructor id=100$'
	fi
done

# ---------------------------------------------------------------- Rust std

if command -v cargo >/dev/null && command -v rustc >/dev/null; then
	rm -rf "$out/rust"
	cp -r "$src/rust" "$out/rust"
	if (cd "$out/rust" && env -u RUSTFLAGS -u CARGO_BUILD_RUSTFLAGS \
		RUSTFLAGS="-C linker=$top/$src/rust-link.sh" CARGO_TARGET_DIR="$top/$out/rust/target" \
		GC_CRT_DIR="$top/$out/crt" GC_COMPAT_OBJS="$(cd "$top" && realpath "${compat_objs[@]}" "$out/host_shim.o" | tr '\n' ' ')" \
		GC_LIBC="$libc_a" \
		cargo build --release --offline --quiet) >"$out/rust.log" 2>&1; then
		pass rust-std-links
		# rustc links into deps/ under the crate's name; cargo then copies
		# the glibc build to release/.
		musl_bin=$(find "$out/rust/target/release/deps" -name 'glibc_compat_probe-*.musl' | head -1)
		cp "$out/rust/target/release/glibc-compat-probe" "$out/rust_probe.glibc"
		cp "${musl_bin:-/dev/null}" "$out/rust_probe.musl"
		chmod +x "$out/rust_probe.musl"
		check rust-std-runtime rust_probe 3 "$out/empty.txt"
		expect rust-std-runtime out '^caught panic: true$'
		expect rust-std-runtime out '^thread-local destructor: worker$'
	else
		fail rust-std-links "$(grep -o 'undefined symbol: [^ ]*' "$out/rust.log" | sort -u | tr '\n' ' ')$(brief "$out/rust.log")"
	fi
else
	echo "SKIP rust-std: cargo/rustc not installed"
fi

# ---------------------------------------------------------------- guest layer

kraftld=$BUILD/bin/kraftld
ukrun=$BUILD/bin/ukrun
guest=$out/guest
mkdir -p "$guest"
guest_why=
if [[ ! -x $kraftld || ! -x $ukrun ]]; then
	guest_why="$kraftld or $ukrun not built"
elif ! gcc -O2 -c examples-c/hello/hello.c -o "$guest/hello.o" 2>"$guest/hello.log" ||
	! "$kraftld" -o "$guest/hello" "$guest/hello.o" >>"$guest/hello.log" 2>&1 ||
	! timeout 120 "$ukrun" --accel tcg --timeout 60 "$guest/hello" >>"$guest/hello.log" 2>&1; then
	guest_why="kraftld/ukrun cannot boot examples-c/hello yet ($(brief "$guest/hello.log"))"
fi

# guest_check NAME IMAGE EXPECTED_STATUS HOST_BINARY [ARGS...]: boot the image
# and compare its console output (stdout and stderr share it) with the glibc
# build's combined output, the program name normalised in both.
guest_check() {
	local name=$1 image=$2 want=$3 host=$4
	shift 4
	run_as - "$argv0" "$out/$host.glibc" "$@" </dev/null >"$guest/$name.host" 2>/dev/null
	timeout 180 "$ukrun" --accel tcg --timeout 120 "$guest/$image" "$@" >"$guest/$name.console" 2>"$guest/$name.ukrun"
	local st=$?
	# The guest's argv[0] is whatever ukrun passes; the program prints it first.
	local g0
	g0=$(sed -n 's/\r$//; s/^argv0=//p' "$guest/$name.console" | head -1)
	normalize "$guest/$name.host" "$argv0" >"$guest/$name.host.norm"
	normalize "$guest/$name.console" "${g0:-/no-argv0-line}" >"$guest/$name.console.norm"
	if [[ $st != "$want" ]]; then
		fail "guest-$name" "exit status $st, expected $want: $(tail -c 400 "$guest/$name.console" | tr '\n' ' ') $(brief "$guest/$name.ukrun")"
	elif ! cmp -s "$guest/$name.host.norm" "$guest/$name.console.norm"; then
		fail "guest-$name" "console differs from glibc: $(diff "$guest/$name.host.norm" "$guest/$name.console.norm" | head -6 | tr '\n' ' ')"
	else
		pass "guest-$name"
	fi
}

guest_link() {
	local image=$1
	shift
	if "$kraftld" -o "$guest/$image" "$@" >"$guest/$image.link.log" 2>&1; then
		return 0
	fi
	fail "guest-link-$image" "$(brief "$guest/$image.link.log")"
	return 1
}

if [[ -n $guest_why ]]; then
	echo "SKIP guest layer: $guest_why"
else
	if [[ -f $out/c_basic.o ]] && guest_link uktest-basic "$out/c_basic.o"; then
		for m in ctype numbers names misc dlfo threads; do
			guest_check "c_basic-$m" uktest-basic 0 c_basic "$m"
		done
		guest_check c_basic-error uktest-basic 3 c_basic error
		guest_check c_basic-assert uktest-basic 134 c_basic assert
	fi
	if [[ -f $out/c_fortify2.o ]] && guest_link uktest-fortify "$out/c_fortify2.o"; then
		guest_check fortify-in-bounds uktest-fortify 0 c_fortify2 ok 8
		for c in memcpy strcpy sprintf snprintf wmemcpy poll fd_set open longjmp getcwd; do
			guest_check "fortify-$c" uktest-fortify 134 c_fortify2 "$c" 12
		done
	fi
	if [[ -f $out/cxx_runtime-g++.o ]] && guest_link uktest-cxx "$out/cxx_runtime-g++.o"; then
		guest_check c++-runtime uktest-cxx 0 cxx_runtime-g++
	fi
fi
exit 0
