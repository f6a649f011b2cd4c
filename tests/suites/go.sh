#!/usr/bin/env bash
# Go with Debian's toolchain: `go build -ldflags='-linkmode=external
# -extld=kraftld'` (kraftld answers the go linker's compiler probes, then
# links go.o), with cgo off and on. tests/suites/go_app prints one line per
# check (goroutines, channels, sync, timers, asynchronous preemption, the
# collector, files on the root and on a 9p share, net/http on loopback,
# os/signal, cgo calls) and the same program run on the host must print the
# same lines and end with the same status; at ukrun's default --mem.
# examples-go/httpd answers HTTP through a port forward on 127.0.0.1, a
# panic ends the image with status 2 and its goroutine trace, and a few of
# Go's own package tests pass under `go test -exec 'ukrun --share-cwd'`
# (tests/apps-check-go.sh runs the longer list). Run from the repository
# root; BUILD names the build tree (default build).
set -uo pipefail
BUILD=${BUILD:-build}
top=$(pwd)
. tests/suite_lib.sh
verdicts go
bin=$(realpath -m "$BUILD/bin")
ukrun=$bin/ukrun
out_dir=$(realpath -m "$BUILD/tests/go")
mkdir -p "$out_dir"

if [[ ! -x $bin/kraftld || ! -x $ukrun ]]; then
	fail built "$bin/kraftld or $ukrun does not exist (make BUILD=$BUILD all)"
	exit 0
fi
if ! command -v go >/dev/null; then
	fail toolchain "go is not installed (tools/deps.sh installs golang-go)"
	exit 0
fi
# Nothing is fetched: the programs use the standard library only.
export GOPROXY=off GOFLAGS=-mod=mod
export PATH=$bin:$PATH
work=$(mktemp -d "${TMPDIR:-/tmp}/uk-go.XXXXXX")
trap 'rm -rf "$work"' EXIT

uk_ldflags='-linkmode=external -extld=kraftld'
show() { printf '%s\n' "$1" | tail -n "${2:-15}" | sed 's/^/    | /'; }

for cgo in 0 1; do
	name=cgo$cgo
	native=$out_dir/goapp-native-$name image=$out_dir/goapp-$name
	if ! step "go/build-$name" "$out_dir/build-$name.log" \
		env -C tests/suites/go_app CGO_ENABLED=$cgo go build -o "$native" . ||
		! step "go/link-$name" "$out_dir/link-$name.log" \
			env -C tests/suites/go_app CGO_ENABLED=$cgo go build -ldflags="$uk_ldflags" -o "$image" .; then
		continue
	fi
	pass "link-$name"
	mkdir -p "$work/host-$name" "$work/share-$name"
	want=$("$native" "$work/host-$name" </dev/null 2>&1)
	want_status=$?
	got=$("$ukrun" --accel tcg --timeout 120 --share "$work/share-$name:/mnt" "$image" /mnt </dev/null 2>&1)
	status=$?
	if [[ $status == "$want_status" && $got == "$want" ]]; then
		pass "run-$name"
	else
		fail "run-$name" "status $status (host $want_status); output differs from the host's:"
		diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | head -20 | sed 's/^/    | /'
	fi
	if [[ -n $(ls -A "$work/share-$name") ]]; then
		fail "share-clean-$name" "the program left files on the share: $(ls -A "$work/share-$name")"
	fi
done

# An unrecovered panic: status 2 and the goroutine trace, as on the host.
image=$out_dir/goapp-cgo0
if [[ -x $image ]]; then
	got=$("$ukrun" --accel tcg --timeout 60 "$image" panic </dev/null 2>&1)
	status=$?
	if [[ $status == 2 && $got == *"panic: goapp: deliberate panic"* &&
		$got == *"goroutine "*"[running]:"* && $got == *"main.main.func"* ]]; then
		pass panic
	else
		fail panic "status $status, want 2 with the panic's goroutine trace"
		show "$got"
	fi
fi

# examples-go/httpd through a port forward on a free port of 127.0.0.1.
httpd=$out_dir/httpd
if step go/link-httpd "$out_dir/link-httpd.log" \
	env -C examples-go/httpd CGO_ENABLED=0 go build -ldflags="$uk_ldflags" -o "$httpd" .; then
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	"$ukrun" --accel tcg --timeout 120 --net "user,hostfwd=tcp:127.0.0.1:$port-:8080" "$httpd" \
		</dev/null >"$out_dir/httpd.log" 2>&1 &
	guest=$!
	answer=''
	for _ in $(seq 100); do
		answer=$(curl -s -m 2 "http://127.0.0.1:$port/" 2>/dev/null) && [[ -n $answer ]] && break
		kill -0 $guest 2>/dev/null || break
		sleep 0.3
	done
	stats=$(curl -s -m 5 "http://127.0.0.1:$port/stats" 2>/dev/null)
	missing=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/nothing" 2>/dev/null)
	kill $guest 2>/dev/null
	wait $guest 2>/dev/null
	if [[ $answer == "hello from Go go"*" on linux" && $stats == *'"requests":'[2-9]* && $missing == 404 ]]; then
		pass httpd-hostfwd
	else
		fail httpd-hostfwd "answers '$answer', '$stats', status '$missing'"
		show "$(cat "$out_dir/httpd.log")"
	fi
fi

# Go's own tests of a few packages, built by `go test` with kraftld and run
# by ukrun in the package's directory (testdata/ is read from there).
packages=(container/list container/ring unicode/utf8 encoding/base64 path)
out=$(cd "$work" && CGO_ENABLED=0 go test -count=1 -ldflags="$uk_ldflags" \
	-exec "$ukrun --accel tcg --timeout 300 --share-cwd" "${packages[@]}" 2>&1)
for p in "${packages[@]}"; do
	if grep -qE "^ok[[:space:]]+$p([[:space:]]|$)" <<<"$out"; then
		pass "test-$p"
	else
		fail "test-$p" "go test $p did not pass in the guest"
		grep -E "^(---|FAIL|panic|ok )|$p" <<<"$out" | head -15 | sed 's/^/    | /'
	fi
done
