#!/usr/bin/env bash
# Rust with stock cargo: examples-rust/hello (std, a build script and a local
# derive macro) built with kraftld as the linker, release and debug, booted
# with ukrun; kraftld links cargo's host artifacts with cc and still refuses
# -shared elsewhere. Run from the repository root; BUILD names the build tree
# (default build). Prints `PASS name` or `FAIL name: why` per check (one
# SKIP line without cargo) and exits 0. Needs no network: the example has no
# crates.io dependencies.
set -uo pipefail
BUILD=${BUILD:-build}
top=$(pwd)
kraftld=$(realpath -m "$BUILD/bin/kraftld")
ukrun=$(realpath -m "$BUILD/bin/ukrun")
example=$top/examples-rust/hello

if [[ ! -x $kraftld || ! -x $ukrun ]]; then
	echo "FAIL rust/built: $kraftld or $ukrun does not exist (make BUILD=$BUILD all)"
	exit 0
fi
if ! command -v cargo >/dev/null; then
	echo "SKIP rust: cargo is not installed (https://rustup.rs)"
	exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/uk-rust.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The suite may itself run under cargo; kraftld must not see its variables
# where a check means "outside cargo".
unset CARGO CARGO_CRATE_NAME
export CARGO_NET_OFFLINE=true
# Builds go under $BUILD so the source tree stays clean.
CARGO_TARGET_DIR=$(realpath -m "$BUILD/rust/hello")
export CARGO_TARGET_DIR
# .cargo/config.toml names ../../build/bin/kraftld; another build tree is
# named through cargo's environment variable, which overrides the file.
if [[ $kraftld != "$top/build/bin/kraftld" ]]; then
	export CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER=$kraftld
	export CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER=$ukrun
else
	unset CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER
fi

show() { printf '%s\n' "$1" | tail -n "${2:-15}" | sed 's/^/    | /'; }

# cargo reads .cargo/config.toml from the directory it runs in.
cargo_in_example() { (cd "$example" && cargo "$@" --offline --locked); }

# The ELF e_type of a file: 2 for an executable (the image), 3 for a shared
# object or a position-independent executable (host programs).
elf_type() { od -An -tu2 -j16 -N2 "$1" 2>/dev/null | tr -d ' '; }

expected_lines=("hello from Rust on libunikraft" "ok collections" "ok threads" "ok mutex"
	"ok channel" "ok sleep" "ok catch_unwind" "ok derive" "ok build_script"
	"all 8 checks passed")

# check_output NAME STATUS OUTPUT: the app's status 0 and every expected line.
check_output() {
	local name=$1 status=$2 out=$3 line
	if [[ $status != 0 ]]; then
		echo "FAIL $name: status $status, want 0"
		show "$out"
		return
	fi
	for line in "${expected_lines[@]}"; do
		if ! grep -qxF -- "$line" <<<"$out"; then
			echo "FAIL $name: no line '$line' in the output"
			show "$out"
			return
		fi
	done
	echo "PASS $name"
}

for profile in release debug; do
	flags=()
	[[ $profile == release ]] && flags=(--release)
	if ! out=$(cargo_in_example build "${flags[@]}" 2>&1); then
		echo "FAIL rust/build-$profile: cargo build (${profile}) failed"
		show "$out"
		continue
	fi
	echo "PASS rust/build-$profile"
	dir=$CARGO_TARGET_DIR/$profile
	image=$dir/hello
	script='' macro=''
	for file in "$dir"/build/hello-*/build_script_build-*; do
		[[ -f $file && $file != *.d ]] && script=$file
	done
	for file in "$dir"/deps/libhello_derive-*.so; do
		[[ -f $file ]] && macro=$file
	done
	if [[ $(elf_type "$image") == 2 && -n $script && $(elf_type "$script") == 3 &&
		-n $macro && $(elf_type "$macro") == 3 ]]; then
		echo "PASS rust/host-artifacts-$profile"
	else
		echo "FAIL rust/host-artifacts-$profile: want a static image, a host build script" \
			"and a host proc-macro; got '$image' '$script' '$macro'"
	fi
	out=$("$ukrun" --accel tcg --timeout 60 "$image" </dev/null 2>&1)
	check_output "rust/boot-$profile" $? "$out"
done

# `cargo run` boots the image through the runner in .cargo/config.toml.
out=$(CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER="$ukrun --accel tcg --timeout 60" \
	cargo_in_example run --release -q </dev/null 2>&1)
check_output rust/cargo-run $? "$out"

# The config file's paths are relative to examples-rust/hello, whichever
# directory below it cargo runs in.
out=$(cd "$example/src" && env -u CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER \
	CARGO_TARGET_DIR="$work/config" cargo build --offline --locked -v 2>&1)
linker=$(grep -o -- '-C linker=[^ ]*' <<<"$out" | head -1)
linker=${linker#-C linker=}
if [[ -n $linker && $(realpath -m "$linker") == "$top/build/bin/kraftld" ]]; then
	echo "PASS rust/config-linker"
else
	echo "FAIL rust/config-linker: .cargo/config.toml gave the linker '$linker'"
fi

if [[ ! -e $example/target ]] &&
	{ ! git -C "$top" rev-parse 2>/dev/null || git -C "$top" diff --quiet -- "$example/Cargo.lock"; }; then
	echo "PASS rust/source-clean"
else
	echo "FAIL rust/source-clean: the build wrote into $example"
fi

# kraftld directly: a proc-macro-shaped -shared link is handed to cc only
# inside cargo's environment.
printf 'int answer(void) { return 42; }\n' >"$work/x.c"
if ! cc -fPIC -c "$work/x.c" -o "$work/x.o"; then
	echo "FAIL rust/shared: cc cannot compile a test object"
	exit 0
fi
out=$("$kraftld" -shared -o "$work/libx-0a1b.so" "$work/x.o" 2>&1)
if [[ $? != 0 && $out == *"-shared"*"static executable"* && ! -e $work/libx-0a1b.so ]]; then
	echo "PASS rust/shared-refused-outside-cargo"
else
	echo "FAIL rust/shared-refused-outside-cargo: kraftld accepted -shared or said '$out'"
fi
out=$(CARGO=cargo CARGO_CRATE_NAME=x "$kraftld" -shared -o "$work/libx.so" "$work/x.o" 2>&1)
if [[ $? != 0 && $out == *"-shared"* ]]; then
	echo "PASS rust/shared-refused-for-cdylib"
else
	echo "FAIL rust/shared-refused-for-cdylib: kraftld accepted a cdylib-named -shared link"
fi
out=$(CARGO=cargo CARGO_CRATE_NAME=x "$kraftld" -shared -o "$work/libx-0a1b.so" "$work/x.o" 2>&1)
if [[ $? == 0 && $(elf_type "$work/libx-0a1b.so") == 3 ]]; then
	echo "PASS rust/shared-proc-macro-to-cc"
else
	echo "FAIL rust/shared-proc-macro-to-cc: no host shared object"
	show "$out"
fi
exit 0
