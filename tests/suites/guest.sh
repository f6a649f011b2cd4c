#!/usr/bin/env bash
# Guest tests: every tests/guest/*.c is compiled with the host's gcc and
# clang, every *.cc with g++ and clang++ (plain -O2 -c, glibc headers),
# linked by kraftld and booted by ukrun.
# Directives in the source say what to run and what must come out:
#   //! cflags: FLAGS                        extra compile flags (e.g. -std=c++20)
#   //! run: [ukrun options] -- [app args]   starts a case (HOST_TIME = date +%s)
#   //! status: N                            the exit status ukrun must return
#   //! expect: TEXT                         a line containing TEXT, in order
#   //! reject: TEXT                         no line may contain TEXT
#   //! native                               the output must equal that of the same
#                                            program built with the host's gcc and run
#                                            on this Linux (with the same args, in a
#                                            fresh directory, stdin from /dev/null)
# Prints PASS/FAIL lines for tests/run.sh to count.
set -uo pipefail
BUILD=${BUILD:-build}
top=$(pwd)
out_dir=$BUILD/tests/guest
kraftld=$BUILD/bin/kraftld
ukrun=$BUILD/bin/ukrun
filter=${GUEST_FILTER:-}
compilers=${GUEST_COMPILERS:-gcc clang}

# Builds src natively once (for //! native); prints the binary's path.
native_binary() { # src cflags
	local src=$1 cflags=$2 base
	base=$(basename "$src")
	local bin=$out_dir/native/${base%.*}
	mkdir -p "$out_dir/native"
	if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ]; then
		local cc=gcc
		[[ $src == *.cc ]] && cc=g++
		$cc -O2 $cflags "$src" -o "$bin" -lpthread -lrt 2>"$bin.log" || return 1
	fi
	echo "$bin"
}

run_case() { # name image opts-and-args expect-status expects rejects native-binary
	local name=$1 image=$2 spec=$3 want=$4 expects=$5 rejects=$6 native=${7:-}
	spec=${spec//HOST_TIME/$(date +%s)}
	local -a words opts args
	eval "words=($spec)"
	local seen_dd=0 w
	for w in "${words[@]}"; do
		if [ $seen_dd = 0 ] && [ "$w" = "--" ]; then seen_dd=1; continue; fi
		if [ $seen_dd = 0 ]; then opts+=("$w"); else args+=("$w"); fi
	done
	local log=$out_dir/$name.log
	mkdir -p "$(dirname "$log")"
	"$ukrun" --accel tcg --timeout 60 "${opts[@]}" "$image" "${args[@]}" >"$log" 2>&1 </dev/null
	local st=$?
	local why=""
	[ "$st" = "$want" ] || why="status $st, want $want"
	if [ -z "$why" ] && [ -n "$expects" ]; then
		# Each expected text must appear, in order, each on its own line.
		local line=0 e found
		while IFS= read -r e; do
			found=$(awk -v s="$e" -v from="$line" 'NR > from && index($0, s) { print NR; exit }' "$log")
			if [ -z "$found" ]; then why="missing '$e' (after line $line)"; break; fi
			line=$found
		done <<<"$expects"
	fi
	if [ -z "$why" ] && [ -n "$rejects" ]; then
		local r
		while IFS= read -r r; do
			if grep -qF -- "$r" "$log"; then why="unexpected '$r'"; break; fi
		done <<<"$rejects"
	fi
	if [ -z "$why" ] && [ -n "$native" ]; then
		local ndir nlog=$out_dir/$name.native.log
		ndir=$(mktemp -d)
		(cd "$ndir" && timeout 60 "$top/$native" "${args[@]}" >"$top/$nlog" 2>&1 </dev/null)
		rm -rf "$ndir"
		if ! cmp -s "$nlog" "$log"; then
			why="output differs from Linux's (< Linux, > guest):"
			diff "$nlog" "$log" | head -20 >"$log.diff"
		fi
	fi
	if [ -z "$why" ]; then
		echo "PASS $name"
	else
		echo "FAIL $name: $why"
		if [ -s "$log.diff" ]; then
			sed 's/^/    | /' "$log.diff"
			rm -f "$log.diff"
		else
			sed 's/^/    | /' "$log" | head -40
		fi
	fi
}

for src in tests/guest/*.c tests/guest/*.cc; do
	base=$(basename "$src")
	base=${base%.*}
	[ -n "$filter" ] && [[ ! $base =~ $filter ]] && continue
	for c in $compilers; do
		cc=$c
		if [[ $src == *.cc ]]; then
			case $c in gcc) cc=g++ ;; clang) cc=clang++ ;; esac
		fi
		dir=$out_dir/$cc
		mkdir -p "$dir"
		cflags=$(sed -n 's|^//! cflags: ||p' "$src")
		if ! $cc -O2 $cflags -c "$src" -o "$dir/$base.o" 2>"$dir/$base.cc.log"; then
			echo "FAIL guest/$base[$cc]: compile: $(head -3 "$dir/$base.cc.log")"
			continue
		fi
		if ! "$kraftld" -o "$dir/$base" "$dir/$base.o" 2>"$dir/$base.ld.log"; then
			echo "FAIL guest/$base[$cc]: link: $(head -5 "$dir/$base.ld.log")"
			continue
		fi
		n=0 spec="" want=0 expects="" rejects="" active=0 native=""
		flush() {
			[ $active = 1 ] || return 0
			n=$((n + 1))
			local nb=""
			if [ -n "$native" ] && ! nb=$(native_binary "$src" "$cflags"); then
				echo "FAIL guest/$base[$cc]#$n: native build failed"
				return 0
			fi
			run_case "guest/$base[$cc]#$n" "$dir/$base" "$spec" "$want" "$expects" "$rejects" "$nb"
		}
		while IFS= read -r line; do
			case $line in
			"//! run:"*) flush; active=1; spec=${line#//! run:}; want=0; expects=""; rejects=""; native="" ;;
			"//! native"*) native=1 ;;
			"//! status:"*) want=$(echo ${line#//! status:}) ;;
			"//! expect: "*) expects+="${expects:+$'\n'}${line#//! expect: }" ;;
			"//! reject: "*) rejects+="${rejects:+$'\n'}${line#//! reject: }" ;;
			esac
		done <"$src"
		flush
	done
done
exit 0
