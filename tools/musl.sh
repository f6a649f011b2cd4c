#!/usr/bin/env bash
# Builds musl's libc.a for libunikraft from the unpacked Debian source in
# $1 into $2: system calls become direct calls into the kernel (the
# syscall_arch.h in $3, which tools/gen-syscall-arch.sh writes, for C code;
# __uk_syscall_entry for the assembly files that issue `syscall` by hand),
# and a_crash panics the kernel instead of `hlt`, which in ring 0 would just
# wait for the next interrupt. The allocator is musl's oldmalloc (MUSL_MALLOC
# picks another): under emulation mallocng's bookkeeping makes malloc-heavy
# programs two to three times slower. In front of oldmalloc each thread
# keeps a cache of small freed chunks (libunikraft/libc/musl_malloc_cache.c).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
src=$(realpath "$1")
mkdir -p "$(dirname "$2")"
out=$(realpath "$2")
[ -f "${3:-}" ] || { echo "musl.sh: no syscall_arch.h given" >&2; exit 1; }
jobs=${JOBS:-$(nproc)}

rm -rf "$out.tmp"
mkdir -p "$out.tmp"
cp -a "$src/." "$out.tmp/src"
s="$out.tmp/src"

cp "$3" "$s/arch/x86_64/syscall_arch.h"
for f in src/thread/x86_64/clone.s src/thread/x86_64/syscall_cp.s \
	src/thread/x86_64/__unmapself.s src/thread/x86_64/__set_thread_area.s \
	src/process/x86_64/vfork.s src/signal/x86_64/restore.s; do
	sed -i -E 's/^([[:space:]]*)syscall\b/\1call __uk_syscall_entry/' "$s/$f"
	if grep -qE '^[[:space:]]*syscall\b' "$s/$f"; then
		echo "musl.sh: $f still issues a raw syscall" >&2
		exit 1
	fi
done
grep -q '"hlt"' "$s/arch/x86_64/atomic_arch.h"
sed -i 's/__asm__ __volatile__( "hlt" : : : "memory" );/{ extern _Noreturn void __uk_libc_crash(void); __uk_libc_crash(); }/' \
	"$s/arch/x86_64/atomic_arch.h"
grep -q __uk_libc_crash "$s/arch/x86_64/atomic_arch.h"
# memcmp, strchr, strcasecmp and strncasecmp 8 bytes a pass, with case
# folding inline (libunikraft/libc/musl_string.c).
cp "$top/libunikraft/libc/musl_string.c" "$s/src/string/uk_string.c"
rm "$s/src/string/memcmp.c" "$s/src/string/strchr.c" "$s/src/string/strcasecmp.c" \
	"$s/src/string/strncasecmp.c"
# oldmalloc gets a per-thread cache of small chunks in front of it, which
# defines malloc and free (libunikraft/libc/musl_malloc_cache.c).
if [ "${MUSL_MALLOC:-oldmalloc}" = oldmalloc ]; then
	cp "$top/libunikraft/libc/musl_malloc_cache.c" "$s/src/malloc/oldmalloc/malloc_cache.c"
	rm "$s/src/malloc/free.c"
fi

cd "$s"
CC=${MUSL_CC:-gcc} ./configure --prefix=/ --target=x86_64 --disable-shared --with-malloc=${MUSL_MALLOC:-oldmalloc} \
	CFLAGS="${MUSL_OPT:--O2} -g -fno-pic -fno-stack-protector" >/dev/null
make -s -j"$jobs" CROSS_COMPILE= lib/libc.a lib/crt1.o >/dev/null
make -s CROSS_COMPILE= install-headers DESTDIR="$out.tmp/root" >/dev/null
mkdir -p "$out.tmp/root/lib"
cp lib/libc.a "$out.tmp/root/lib/libc.a"
cd "$top"
rm -rf "$out"
mv "$out.tmp" "$out"
