# shellcheck shell=bash
# Sourced by apps/*/build.sh: what every recipe shares. A recipe builds one
# existing program from Debian's source package with the program's own build
# system, kraftld (or kraftcc, where the build links through the compiler)
# as its linker, and copies the image into $BUILD/apps/.
#
# Recipes are incremental: the source is unpacked once, configured again only
# when the recipe's configure options change, and `make` is run every time
# (it rebuilds nothing that is built); the program's image is removed first,
# so that it is always linked again against the current kernel.
#
# Env: BUILD (default build), DEPS (tools/deps.sh's directory, default
# build/deps), JOBS (make -j, default 2).
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-build}
[[ $BUILD == /* ]] || BUILD=$top/$BUILD
# shellcheck disable=SC2034 # Used by the recipes that source this file.
jobs=${JOBS:-2}
kraftld=$BUILD/bin/kraftld
kraftcc=$BUILD/lib/unikraft/kraftcc
apps_out=$BUILD/apps
apps_src=$BUILD/apps/src

app_log() { printf 'apps: %s\n' "$*" >&2; }

app_die() {
	app_log "error: $*"
	exit 1
}

[[ -x $kraftld && -x $kraftcc ]] || app_die "$kraftld or $kraftcc is missing: run make first"

# The packages the recipes build with (tools/deps.sh installs them; it does
# nothing when they are there).
deps=${DEPS:-build/deps}
[[ $deps == /* ]] || deps=$top/$deps
bash "$top/tools/deps.sh" "$deps"

# app_source PACKAGE: unpacks Debian's source package once; prints its path.
app_source() {
	local dir=$apps_src/$1
	bash "$top/tools/apt-source.sh" "$1" "$dir" >&2
	echo "$dir"
}

# app_configured DIR OPTIONS...: true when DIR was configured with exactly
# OPTIONS (one word each) by app_mark_configured.
app_configured() {
	local dir=$1
	shift
	[[ -f $dir/.uk-configured ]] && [[ $(cat "$dir/.uk-configured") == "$(printf '%s\n' "$@")" ]]
}

# app_mark_configured DIR OPTIONS...: records that DIR is configured so.
app_mark_configured() {
	local dir=$1
	shift
	printf '%s\n' "$@" >"$dir/.uk-configured"
}

# app_run LOG COMMAND...: runs a build step with its output in LOG; on
# failure shows the log's tail and stops the recipe.
app_run() {
	local log=$1
	shift
	if ! "$@" >"$log" 2>&1; then
		app_log "'$*' failed; the last lines of $log:"
		tail -n 30 "$log" | sed 's/^/    | /' >&2
		exit 1
	fi
}

# app_install IMAGE NAME: copies the linked image to $BUILD/apps/NAME.
app_install() {
	mkdir -p "$apps_out"
	cp "$1" "$apps_out/.$2.tmp"
	mv "$apps_out/.$2.tmp" "$apps_out/$2"
	app_log "built $apps_out/$2"
}
