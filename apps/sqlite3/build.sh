#!/usr/bin/env bash
# The SQLite shell from Debian's sqlite3 source package, built with SQLite's
# own autoconf build: configured with the host's gcc (the configure checks
# run natively), then `make sqlite3` with CC going through kraftcc, so that
# the compile stays gcc's and the libtool link of the shell is kraftld's.
# CROSS_BUILDING=yes is Debian's switch (30-cross.patch) for building the
# lemon parser generator, which runs during the build, with the build
# machine's compiler. No readline, no zlib and no loadable extensions
# (there is no dlopen in a static image); the rest as Debian's rules set it.
#
#   apps/sqlite3/build.sh          ->  $BUILD/apps/sqlite3
#   apps/sqlite3/build.sh EXTRA... ->  also make EXTRA (e.g. fuzzcheck), into $BUILD/apps/
# shellcheck source=apps/lib.sh
. "$(dirname "$0")/../lib.sh"

src=$(app_source sqlite3)
bld=$src/uk-build
mkdir -p "$bld"
cd "$bld"

debian_cflags=(-O2 -g -fno-strict-aliasing -DSQLITE_SECURE_DELETE -DSQLITE_ENABLE_COLUMN_METADATA
	-DSQLITE_ENABLE_FTS3 -DSQLITE_ENABLE_FTS3_PARENTHESIS -DSQLITE_ENABLE_RTREE=1 -DSQLITE_SOUNDEX=1
	-DSQLITE_ENABLE_UNLOCK_NOTIFY -DSQLITE_OMIT_LOOKASIDE=1 -DSQLITE_ENABLE_DBSTAT_VTAB
	-DSQLITE_ALLOW_ROWID_IN_VIEW -DSQLITE_ENABLE_UPDATE_DELETE_LIMIT=1 -DSQLITE_ENABLE_JSON1
	-DSQLITE_LIKE_DOESNT_MATCH_BLOBS -DSQLITE_THREADSAFE=1 -DSQLITE_ENABLE_FTS3_TOKENIZER=1
	-DSQLITE_USE_URI=1 -DSQLITE_MAX_SCHEMA_RETRY=25 -DSQLITE_ENABLE_PREUPDATE_HOOK
	-DSQLITE_ENABLE_SESSION -DSQLITE_ENABLE_STMTVTAB -DSQLITE_MAX_VARIABLE_NUMBER=250000)
conf=(--disable-shared --disable-tcl --disable-readline --disable-editline --disable-load-extension
	--enable-threadsafe --enable-fts4 --enable-fts5 --enable-json
	ac_cv_header_zlib_h=no ac_cv_search_deflate=no CC=gcc "CFLAGS=${debian_cflags[*]}")
if ! app_configured . "${conf[@]}"; then
	app_log "sqlite3: configure"
	app_run uk-configure.log ../configure "${conf[@]}"
	app_mark_configured . "${conf[@]}"
fi

targets=(sqlite3 "$@")
rm -f "${targets[@]}"
app_log "sqlite3: make ${targets[*]} (log: $bld/uk-build.log)"
app_run uk-build.log make -j"$jobs" CROSS_BUILDING=yes CC="$kraftcc gcc" "${targets[@]}"
for t in "${targets[@]}"; do
	app_install "$t" "$t"
done
