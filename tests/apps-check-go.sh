#!/usr/bin/env bash
# Go's own package tests (Debian's golang-go sources under GOROOT), part of
# make check-apps (tests/apps-check.sh): each package's test binary built by
# `go test` with kraftld as the external linker and run in the guest by
# `go test -exec 'ukrun --share-cwd'` from the package's directory (its
# testdata/ is read there), then the same package tested on the host.
#
# Prints per package "PASS go-tests/PKG: guest P passed, S skipped; host
# ..." when every test that passes on the host passes in the guest, or a
# FAIL line naming the tests that do not, and a SKIP line per test left out
# below; the caller counts them. Left out (skip_tests, each with its
# reason): tests that start another process (an image is one process: fork
# and execve answer ENOSYS) and tests that read GOROOT beyond the package.
#
# The guest has --mem 512M (GO_TEST_MEM): some tests allocate hundreds of
# MiB (bytes' TestGrow, encoding/json's TestUnmarshalMaxDepth), which at
# ukrun's default 64M end in "uk: out of memory", as a small Linux VM's
# OOM killer would end them.
#
# Env: BUILD; GO_TEST_PACKAGES overrides the package list; GO_TEST_MEM.
set -uo pipefail
export LC_ALL=C
BUILD=${BUILD:-build}
bin=$(realpath -m "$BUILD/bin")
work=$(realpath -m "$BUILD/tests/apps-check/go")
mkdir -p "$work"

if ! command -v go >/dev/null; then
	echo "FAIL go-tests/toolchain: go is not installed (tools/deps.sh installs golang-go)"
	exit 0
fi
export GOPROXY=off PATH=$bin:$PATH CGO_ENABLED=0
# The guest reads the host's time zones, and the /etc and /usr/bin that
# os's tests open, list and chdir into as any Unix system's, read-only.
guest="$bin/ukrun --accel tcg --mem ${GO_TEST_MEM:-512M} --timeout 1500 --share-cwd"
guest+=" --share /usr/share/zoneinfo:/usr/share/zoneinfo:ro --share /etc:/etc:ro"
guest+=" --share /usr/bin:/usr/bin:ro"

packages=(${GO_TEST_PACKAGES:-strings bytes sort container/heap container/list container/ring
	encoding/json encoding/binary strconv unicode/utf8 math bufio regexp time sync
	context os path/filepath io/fs net/url net/http})

# Tests left out, by package, each "Name:reason" with _ for spaces (Go
# 1.19 has no -skip: the package's other tests are named to -run instead).
proc='starts_another_process_(fork/execve_answer_ENOSYS)'
gotool='runs_the_go_tool_(another_process)'
declare -A skip_tests=(
	[os]="TestErrProcessDone:$proc TestExecutable:$proc TestExecutableDeleted:$gotool
		TestStartProcess:$proc TestStatStdin:$proc TestGetppid:$proc TestStdPipe:$proc
		TestReadNonblockingFd:$proc TestKillStartProcess:$proc TestKillFindProcess:$proc"
	[sync]="TestMutexMisuse:$proc"
	[net/http]="TestCmdGoNoHTTPServer:$gotool TestOmitHTTP2:$gotool TestOmitHTTP2Vet:$gotool"
	[path/filepath]='TestBug3486:walks_GOROOT,_which_is_not_shared_with_the_guest'
)

# Build flags by package: time's tests load America/Los_Angeles from
# GOROOT/lib/time/zoneinfo.zip, which Debian's golang-go does not ship;
# with the zone data built in they find it there, host and guest alike.
declare -A test_flags=([time]=-tags=timetzdata)

# run_pattern PKG: a -run pattern naming every test of PKG but the ones
# left out, or "." when none is.
run_pattern() {
	local p=$1 e names=() keep=()
	[[ -n ${skip_tests[$p]:-} ]] || { echo .; return; }
	mapfile -t names < <(cd "$work" && go test -list . "$p" 2>/dev/null | grep -E '^(Test|Example|Fuzz)')
	for t in "${names[@]}"; do
		for e in ${skip_tests[$p]}; do
			[[ $t == "${e%%:*}" ]] && continue 2
		done
		keep+=("$t")
	done
	local IFS='|'
	echo "^(${keep[*]})\$"
}

# tally LOG: "passed failed skipped", counting the tests and subtests of a
# go test -v log.
tally() {
	local p f s
	p=$(grep -cE '^ *--- PASS: ' "$1")
	f=$(grep -cE '^ *--- FAIL: ' "$1")
	s=$(grep -cE '^ *--- SKIP: ' "$1")
	echo "$p $f $s"
}

# failed_tests LOG: the names of the tests and subtests that failed.
failed_tests() {
	sed -n 's/^ *--- FAIL: \([^ ]*\) .*/\1/p' "$1" | sort -u
}

for p in "${packages[@]}"; do
	log=$work/${p//\//_}
	run=$(run_pattern "$p")
	for e in ${skip_tests[$p]:-}; do
		reason=${e#*:}
		echo "SKIP go-tests/$p/${e%%:*}: ${reason//_/ }"
	done
	flags=(${test_flags[$p]:-})
	(cd "$work" && go test -count=1 -v -timeout 20m -run "$run" "${flags[@]}" \
		-ldflags='-linkmode=external -extld=kraftld' -exec "$guest" "$p" >"$log.guest" 2>&1)
	(cd "$work" && go test -count=1 -v -timeout 20m -run "$run" "${flags[@]}" "$p" >"$log.host" 2>&1)
	read -r gp gf gs < <(tally "$log.guest")
	read -r hp hf hs < <(tally "$log.host")
	unexpected=()
	while read -r t; do
		[[ -z $t ]] && continue
		grep -qx -- "$t" <(failed_tests "$log.host") || unexpected+=("$t")
	done < <(failed_tests "$log.guest")
	summary="guest $gp passed, $gf failed, $gs skipped; host $hp passed, $hf failed, $hs skipped"
	if ((gp == 0)) || ((${#unexpected[@]})) ||
		{ ((gf == 0)) && ! grep -qE "^ok[[:space:]]+$p([[:space:]]|$)" "$log.guest"; }; then
		echo "FAIL go-tests/$p: $summary; failing in the guest only: ${unexpected[*]:-(the test binary did not finish: see $log.guest)}"
	else
		echo "PASS go-tests/$p: $summary"
	fi
done
