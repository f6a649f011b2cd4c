#!/usr/bin/env bash
# Images run on the host boot themselves: `./app args` execs ukrun (found
# through $UKRUN, PATH, then beside the kraftld that linked the image) with
# the current directory shared, so a build's test programs and configure's
# run tests work as they do natively. Also what happens with no ukrun.
set -uo pipefail
BUILD=${BUILD:-build}
top=$(pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/uk-hostrun.XXXXXX")
trap 'rm -rf "$work"' EXIT
kraftld="$top/$BUILD/bin/kraftld"
ukrun="$top/$BUILD/bin/ukrun"
kraftcc="$top/$BUILD/lib/unikraft/kraftcc"
# No test here may wait for ever on a guest.
limit=300

# check NAME WANT-STATUS WANT-OUTPUT COMMAND...: the command's status and
# its whole output (stdout and stderr).
check() {
	local name=$1 want=$2 text=$3
	shift 3
	local out st
	out=$(timeout $limit "$@" 2>&1 </dev/null)
	st=$?
	if [ "$st" != "$want" ]; then
		echo "FAIL hostrun/$name: status $st, want $want"
		printf '%s\n' "$out" | head -20 | sed 's/^/    | /'
	elif [ "$out" != "$text" ]; then
		echo "FAIL hostrun/$name: output differs"
		diff <(printf '%s\n' "$text") <(printf '%s\n' "$out") | head -20 | sed 's/^/    | /'
	else
		echo "PASS hostrun/$name"
	fi
}

cat >"$work/args.c" <<'C'
#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	char cwd[4096];
	printf("argv0=%s cwd=%s\n", argv[0], getcwd(cwd, sizeof cwd));
	for (int i = 1; i < argc; i++)
		printf("[%s]\n", argv[i]);
	FILE *f = fopen("from-guest.txt", "w");
	if (f) {
		fprintf(f, "%d arguments\n", argc - 1);
		fclose(f);
	}
	int c, n = 0;
	while ((c = getchar()) != EOF)
		n++;
	printf("stdin %d bytes\n", n);
	return 3;
}
C
gcc -O2 -c "$work/args.c" -o "$work/args.o"
gcc -O2 "$work/args.c" -o "$work/args-native"
if ! "$kraftld" -o "$work/args" "$work/args.o"; then
	echo "FAIL hostrun/link: kraftld failed"
	exit 0
fi
mkdir -p "$work/run"

# The same program, natively and as an image run the same way: same
# output, same status, a file written in the current directory.
native=$(cd "$work/run" && printf 'four' | ../args-native 'a b' -x 2>&1)
native_st=$?
out=$(cd "$work/run" && printf 'four' | timeout $limit ../args 'a b' -x 2>&1)
st=$?
native=${native//args-native/args}
if [ "$st" = "$native_st" ] && [ "$out" = "$native" ] &&
	[ "$(cat "$work/run/from-guest.txt" 2>/dev/null)" = "2 arguments" ]; then
	echo "PASS hostrun/as-native"
else
	echo "FAIL hostrun/as-native: status $st (native $native_st)"
	diff <(printf '%s\n' "$native") <(printf '%s\n' "$out") | head -20 | sed 's/^/    | /'
fi

# $UKRUN first; one that cannot be run is an error of its own (126, as a
# shell's "cannot execute").
check ukrun-env 3 "argv0=$work/args cwd=$work
stdin 0 bytes" env -C "$work" UKRUN="$ukrun" PATH=/usr/bin:/bin "$work/args"
check ukrun-env-bad 126 "$work/args: a libunikraft image; UKRUN names /nonexistent/ukrun, which cannot be run" \
	env UKRUN=/nonexistent/ukrun "$work/args"

# A tree whose kraftld has no ukrun beside it: the image knows of none, so
# PATH decides.
mkdir -p "$work/tree/bin" "$work/onpath"
cp "$kraftld" "$work/tree/bin/kraftld"
ln -s "$top/$BUILD/lib" "$work/tree/lib"
ln -s "$ukrun" "$work/onpath/ukrun"
if "$work/tree/bin/kraftld" -o "$work/lone" "$work/args.o"; then
	check path 3 "argv0=./lone cwd=$work
stdin 0 bytes" env -C "$work" -u UKRUN PATH="/usr/bin:$work/onpath:/bin" ./lone
	check no-ukrun 126 "./lone: this is a libunikraft image, a VM that ukrun boots (ukrun ./lone ARGS...), and no ukrun was found: set UKRUN to its path or put it on PATH" \
		env -C "$work" -u UKRUN PATH=/usr/bin:/bin ./lone
else
	echo "FAIL hostrun/path: kraftld without ukrun beside it failed to link"
fi

# An autotools project configured with kraftcc as its compiler: configure's
# run tests and `make check`'s test programs are images, run in the VM.
cat >"$work/release.c" <<'C'
#include <stdio.h>
#include <sys/utsname.h>
int main(void)
{
	struct utsname u;
	uname(&u);
	printf("%s\n", u.release);
	return 0;
}
C
gcc -O2 -c "$work/release.c" -o "$work/release.o"
"$kraftld" -o "$work/release" "$work/release.o"
guest_release=$(timeout $limit "$ukrun" "$work/release" 2>&1)

cp -r tests/fixtures/autotest "$work/at"
if ! (cd "$work/at" && autoreconf -fi >"$work/at.log" 2>&1); then
	echo "FAIL hostrun/autotools: autoreconf failed"
	sed 's/^/    | /' "$work/at.log" | tail -20
	exit 0
fi
cp -r "$work/at" "$work/at-ccld"
if (cd "$work/at" && timeout 900 ./configure CC="$kraftcc gcc" >"$work/configure.log" 2>&1); then
	# AC_FUNC_FORK's run test forks in main: the VM's answer is no, and the
	# kernel says where the program asked.
	if grep -qx 'ac_cv_func_fork_works=no' "$work/at/config.log" &&
		grep -q '^checking for working fork\.\.\. uk: fork() cannot start a process in a unikernel (ENOSYS), called from main+' "$work/configure.log" &&
		grep -qx "checking the kernel release test programs see\.\.\. $guest_release" "$work/configure.log" &&
		[ "$guest_release" != "$(uname -r)" ]; then
		echo "PASS hostrun/configure-runs-images"
	else
		echo "FAIL hostrun/configure-runs-images: fork should not work and the release be the guest's ($guest_release)"
		grep -E 'cross|fork|release' "$work/configure.log" | sed 's/^/    | /'
	fi
	if (cd "$work/at" && timeout 900 make -s check >"$work/check.log" 2>&1); then :; fi
	summary=$(grep -E '^# (TOTAL|PASS|SKIP|XFAIL|FAIL|XPASS|ERROR):' "$work/at/test-suite.log" 2>/dev/null | tr -s ' ' | tr '\n' ' ')
	if [ "$summary" = "# TOTAL: 5 # PASS: 3 # SKIP: 1 # XFAIL: 1 # FAIL: 0 # XPASS: 0 # ERROR: 0 " ] &&
		[ "$(cat "$work/at/t_files.out" 2>/dev/null)" = "written by t_files" ]; then
		echo "PASS hostrun/make-check"
	else
		echo "FAIL hostrun/make-check: $summary"
		tail -30 "$work/check.log" | sed 's/^/    | /'
	fi
else
	echo "FAIL hostrun/configure-runs-images: configure failed"
	tail -30 "$work/configure.log" | sed 's/^/    | /'
fi

# Configured natively, linked with CCLD=kraftld: the test programs are
# images all the same.
if (cd "$work/at-ccld" && ./configure -q >/dev/null 2>&1 &&
	timeout 900 make -s check CCLD="$kraftld" TESTS="t_args t_files t_skip t_xfail" >"$work/ccld.log" 2>&1) &&
	readelf -n "$work/at-ccld/t_args" | grep -q 'Xen'; then
	echo "PASS hostrun/make-check-ccld"
else
	echo "FAIL hostrun/make-check-ccld"
	tail -30 "$work/ccld.log" | sed 's/^/    | /'
fi
exit 0
