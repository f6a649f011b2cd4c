#!/usr/bin/env bash
# The ways users link: pkg-config with gcc and clang drivers, the Makefile's
# UK_LDFLAGS/UK_LDEPS, an installed tree, an automake project with
# CCLD=kraftld, link-time optimization (gcc and clang -flto), a Multiboot
# image on QEMU -M pc, and small-memory boots.
set -uo pipefail
BUILD=${BUILD:-build}
top=$(pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/uk-toolchains.XXXXXX")
trap 'rm -rf "$work"' EXIT
ukrun="$top/$BUILD/bin/ukrun"
kraftld="$top/$BUILD/bin/kraftld"

check() { # name expected-status expected-text command...
	local name=$1 want=$2 text=$3
	shift 3
	local out st
	out=$("$@" 2>&1 </dev/null)
	st=$?
	if [ "$st" != "$want" ]; then
		echo "FAIL $name: status $st, want $want"
		printf '%s\n' "$out" | head -20 | sed 's/^/    | /'
	elif [ -n "$text" ] && ! grep -qF -- "$text" <<<"$out"; then
		echo "FAIL $name: no '$text' in the output"
		printf '%s\n' "$out" | head -20 | sed 's/^/    | /'
	else
		echo "PASS $name"
	fi
}

cat >"$work/app.c" <<'C'
#include <stdio.h>
int main(int argc, char **argv) { printf("app says %s\n", argc > 1 ? argv[1] : "-"); return 5; }
C

# pkg-config, from the build tree and from an installed prefix.
for cc in gcc clang; do
	export PKG_CONFIG_PATH="$top/$BUILD/lib/pkgconfig"
	if $cc $(pkg-config --cflags unikraft) -O2 -c "$work/app.c" -o "$work/pc-$cc.o" &&
		$cc -o "$work/pc-$cc" "$work/pc-$cc.o" $(pkg-config --libs unikraft); then
		check "pkg-config/$cc" 5 "app says hi" "$ukrun" --accel tcg --timeout 60 "$work/pc-$cc" hi
	else
		echo "FAIL pkg-config/$cc: compile or link failed"
	fi
done
unset PKG_CONFIG_PATH

# Link-time optimization: gcc's -flto objects, one of them in an archive,
# through GNU ld and gcc's linker plugin (lld cannot read them); clang's
# bitcode through lld. The helper is gone from the image only if the link
# optimized across the objects (inlined, then dropped).
cat >"$work/lto_main.c" <<'C'
#include <stdio.h>
int twice(int x);
int main(int argc, char **argv) { printf("lto says %d\n", twice(argc + 20)); return 6; }
C
echo 'int twice(int x) { return 2 * x; }' >"$work/lto_twice.c"
for cc in gcc clang; do
	ar=ar
	[[ $cc == gcc ]] && ar=gcc-ar
	[[ $cc == clang ]] && ar=llvm-ar
	if $cc -O2 -flto -c "$work/lto_main.c" -o "$work/lto-main-$cc.o" &&
		$cc -O2 -flto -c "$work/lto_twice.c" -o "$work/lto-twice-$cc.o" &&
		rm -f "$work/liblto-$cc.a" && $ar rcs "$work/liblto-$cc.a" "$work/lto-twice-$cc.o" &&
		"$kraftld" -O2 -flto -o "$work/lto-$cc" "$work/lto-main-$cc.o" "$work/liblto-$cc.a" 2>"$work/lto-$cc.log"; then
		check "lto/$cc" 6 "lto says 42" "$ukrun" --accel tcg --timeout 60 "$work/lto-$cc"
		if nm "$work/lto-$cc" | grep -qw twice; then
			echo "FAIL lto/$cc-optimized: twice() is still in the image: the link did not optimize"
		else
			echo "PASS lto/$cc-optimized"
		fi
	else
		echo "FAIL lto/$cc: compile or link failed"
		head -20 "$work/lto-$cc.log" | sed 's/^/    | /'
	fi
done

prefix=$work/prefix
if make --no-print-directory -s BUILD="$BUILD" install PREFIX="$prefix" >"$work/install.log" 2>&1; then
	export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
	if gcc $(pkg-config --cflags unikraft) -c "$work/app.c" -o "$work/inst.o" &&
		gcc -o "$work/inst-pc" "$work/inst.o" $(pkg-config --libs unikraft) &&
		"$prefix/bin/kraftld" -o "$work/inst-kld" "$work/inst.o"; then
		check "install/pkg-config" 5 "app says there" "$prefix/bin/ukrun" --accel tcg --timeout 60 "$work/inst-pc" there
		check "install/kraftld" 5 "app says there" "$prefix/bin/ukrun" --accel tcg --timeout 60 "$work/inst-kld" there
	else
		echo "FAIL install: link from the installed prefix failed"
	fi
	unset PKG_CONFIG_PATH
	if grep -rqs "$top" "$prefix/lib/pkgconfig" "$prefix/lib/unikraft.ld"; then
		echo "FAIL install/relocatable: the installed files name the source tree"
	else
		echo "PASS install/relocatable"
	fi
else
	echo "FAIL install: make install failed"
	tail -5 "$work/install.log"
fi

# make image with Unikraft's variables, relinking when a UK_LDEPS file changes.
gcc -O2 -c "$work/app.c" -o "$work/ukapp.o"
if make --no-print-directory -s BUILD="$BUILD" image UK_LDFLAGS="$work/ukapp.o" UK_LDEPS="$work/ukapp.o" IMAGE="$work/ukimage" >/dev/null 2>&1; then
	check "make-image" 5 "app says uk" "$ukrun" --accel tcg --timeout 60 "$work/ukimage" uk
	sed -i 's/app says/app now says/' "$work/app.c"
	sleep 1
	gcc -O2 -c "$work/app.c" -o "$work/ukapp.o"
	make --no-print-directory -s BUILD="$BUILD" image UK_LDFLAGS="$work/ukapp.o" UK_LDEPS="$work/ukapp.o" IMAGE="$work/ukimage" >/dev/null 2>&1
	check "make-image/relink" 5 "app now says uk" "$ukrun" --accel tcg --timeout 60 "$work/ukimage" uk
else
	echo "FAIL make-image: make image failed"
fi

# An automake project, configured for the host, linked with CCLD=kraftld.
cp -r tests/fixtures/automake "$work/am"
if (cd "$work/am" && autoreconf -fi >/dev/null 2>&1 && ./configure -q >/dev/null 2>&1 &&
	make -s CCLD="$kraftld" >/dev/null 2>&1); then
	check "automake/CCLD" 7 "automake says hello to vm, sqrt(2)=1.414" "$ukrun" --accel tcg --timeout 60 "$work/am/demo" vm
else
	echo "FAIL automake/CCLD: configure or make failed"
fi

# Multiboot1 image on QEMU -M pc; a PVH image on pc too.
gcc -O2 -c "$work/app.c" -o "$work/mb.o"
if "$kraftld" --uk-format=multiboot -o "$work/mb" "$work/mb.o"; then
	check "multiboot/pc" 5 "app now says mb" "$ukrun" --accel tcg --timeout 60 --machine pc "$work/mb" mb
else
	echo "FAIL multiboot/pc: kraftld --uk-format=multiboot failed"
fi
"$kraftld" -o "$work/pvh" "$work/mb.o" && check "pvh/pc" 5 "app now says pc" "$ukrun" --accel tcg --timeout 60 --machine pc "$work/pvh" pc

# Small memory: hello runs in 2 MiB.
check "memory/2M" 5 "app now says small" "$ukrun" --accel tcg --timeout 60 --mem 2M "$work/pvh" small
exit 0
