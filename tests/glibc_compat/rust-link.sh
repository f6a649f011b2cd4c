#!/usr/bin/env bash
# Linker for the Rust glibc-compat test, given to rustc as `-C linker=`.
# It links the output twice: as rustc asked (cc, against glibc) into OUT, and
# statically against musl + libunikraft's glibc compatibility layer into
# OUT.musl, from the same objects and .rlib archives.
# Environment: GC_CRT_DIR (crt1.o crti.o crtn.o), GC_COMPAT_OBJS (compat
# objects and the host syscall shim), GC_LIBC (musl's libc.a).
set -euo pipefail
cc "$@"
out=
inputs=()
prev=
for a in "$@"; do
	if [[ $prev == -o ]]; then
		out=$a
	elif [[ $a == *.o || $a == *.rlib || $a == *.a ]]; then
		inputs+=("$a")
	fi
	prev=$a
done
libgcc_dir=$(dirname "$(gcc -print-libgcc-file-name)")
# shellcheck disable=SC2086
ld.lld -static --eh-frame-hdr --gc-sections -o "$out.musl" \
	"$GC_CRT_DIR/crt1.o" "$GC_CRT_DIR/crti.o" "${inputs[@]}" $GC_COMPAT_OBJS \
	"$GC_LIBC" "$libgcc_dir/libgcc_eh.a" "$libgcc_dir/libgcc.a" "$GC_CRT_DIR/crtn.o"
