#!/usr/bin/env bash
# Existing programs built by their own build systems (make apps, apps/): Lua
# runs a script from an initrd and from a 9p share and reads stdin as a
# script, as REPL input and as data; the SQLite shell keeps a database on a
# 9p share that the host's sqlite3 reads (and reads one the host wrote), and
# one on ramfs with PRAGMA mmap_size set, in rollback and WAL mode; GNU find
# walks the same tree from an initrd and from a share and prints what the
# host's find prints for it. Each result is checked against what the host
# computes for the same input (coreutils, the host's sqlite3 and find).
# Everything runs on microvm (virtio-mmio) and on -M pc (virtio-pci).
# Prints PASS/FAIL lines for tests/run.sh to count.
set -uo pipefail
BUILD=${BUILD:-build}
if [[ -z ${APPS_MACHINE:-} ]]; then
	for machine in microvm pc; do
		APPS_MACHINE=$machine bash "$0"
	done
	exit 0
fi
machine=$APPS_MACHINE
apps=$BUILD/apps
ukrun=$BUILD/bin/ukrun
work=$BUILD/tests/apps/$machine
fixtures=tests/apps
rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)

pass() { echo "PASS apps/$machine/$1"; }

# fail NAME WHY [FILE...]: a FAIL line and the first lines of each FILE.
fail() {
	local name=$1 why=$2 f
	shift 2
	echo "FAIL apps/$machine/$name: $why"
	for f in "$@"; do
		[[ -f $f ]] || continue
		echo "    $f:"
		head -n 20 "$f" | cut -c1-200 | sed 's/^/    | /'
	done
}

# boot NAME STDIN UKRUN-ARGS...: boots with STDIN (a file) as standard input;
# the console output goes to $work/NAME.out, ukrun's status to $st.
st=0
boot() {
	local name=$1 input=$2
	shift 2
	"$ukrun" --accel tcg --machine "$machine" --timeout 120 --mem 256M "$@" <"$input" >"$work/$name.out" 2>"$work/$name.err"
	st=$?
	# A serial console may end lines with CR LF.
	sed -i 's/\r$//' "$work/$name.out"
}

# same NAME WANT-FILE GOT-FILE: PASS when the guest exited 0 and GOT equals
# WANT. (The boot's files are named NAME with / as -.)
same() {
	local name=$1 want=$2 got=$3 f=$work/${1//\//-}
	if [[ $st != 0 ]]; then
		fail "$name" "status $st, want 0" "$got" "$f.err"
	elif ! cmp -s "$want" "$got"; then
		diff "$want" "$got" >"$f.diff"
		fail "$name" "output differs from the host's (< host, > guest)" "$f.diff"
	else
		pass "$name"
	fi
}

# has NAME FILE TEXT...: PASS when the guest exited 0 and FILE has a line
# equal to each TEXT, in order.
has() {
	local name=$1 file=$2 line=0 text found
	shift 2
	if [[ $st != 0 ]]; then
		fail "$name" "status $st, want 0" "$file" "$work/$name.err"
		return
	fi
	for text; do
		found=$(awk -v s="$text" -v from="$line" 'NR > from && $0 == s { print NR; exit }' "$file")
		if [[ -z $found ]]; then
			fail "$name" "no line '$text' (after line $line)" "$file"
			return
		fi
		line=$found
	done
	pass "$name"
}

missing=()
for p in lua sqlite3 find; do
	[[ -x $apps/$p ]] || missing+=("$p")
done
if ((${#missing[@]})) || [[ ! -x $ukrun ]]; then
	fail build "not built: ${missing[*]} $([[ -x $ukrun ]] || echo ukrun) (make apps)"
	exit 0
fi

# ---------------------------------------------------------------- Lua

# The data the script reads, and what the host makes of it.
lua_tree() { # DIR: scripts/ and data/
	mkdir -p "$1/scripts" "$1/data"
	cp "$fixtures/lua/main.lua" "$fixtures/lua/stats.lua" "$1/scripts/"
	seq 1 1000 | awk '{ print ($1 * 7919) % 10007 - 5000 }' >"$1/data/numbers.txt"
	awk 'BEGIN { for (i = 1; i <= 300; i++) { s = ""; for (j = 0; j <= i % 13; j++) s = s " w" i "_" j; print s } }' \
		>"$1/data/text.txt"
}
lua_want() { # DATADIR-AS-THE-GUEST-SEES-IT HOST-DATADIR
	local d=$2
	printf 'numbers: count %d sum %d min %d max %d\n' "$(wc -l <"$d/numbers.txt")" \
		"$(awk '{ s += $1 } END { print s }' "$d/numbers.txt")" \
		"$(sort -n "$d/numbers.txt" | head -n 1)" "$(sort -n "$d/numbers.txt" | tail -n 1)"
	printf 'text: lines %d words %d\n' "$(wc -l <"$d/text.txt")" "$(wc -w <"$d/text.txt")"
	printf 'out: %d bytes, at 5: 1\n' "$(seq 1 1000 | sed 's/^/line /' | wc -c)"
	printf 'tmp gone:\ttrue\n'
	printf 'remove missing:\t%s/missing: No such file or directory\t2\n' "$1"
}

lua_tree "$work/lua-initrd"
lua_want /data "$work/lua-initrd/data" >"$work/lua-want-initrd"
boot lua-initrd /dev/null --initrd "$work/lua-initrd" "$apps/lua" /scripts/main.lua /data
same lua-initrd "$work/lua-want-initrd" "$work/lua-initrd.out"

lua_tree "$work/lua-share"
lua_want /mnt/data "$work/lua-share/data" >"$work/lua-want-share"
boot lua-share /dev/null --share "$work/lua-share:/mnt" "$apps/lua" /mnt/scripts/main.lua /mnt/data
same lua-share "$work/lua-want-share" "$work/lua-share.out"
# What the script wrote through the share is on the host, renamed.
seq 1 1000 | sed 's/^/line /' >"$work/lua-out-want"
if [[ $st != 0 ]]; then
	fail lua-share-written "the run failed"
elif [[ -e $work/lua-share/data/out.tmp ]] || ! cmp -s "$work/lua-out-want" "$work/lua-share/data/out.txt"; then
	fail lua-share-written "data/out.txt on the host is not what the guest wrote (or out.tmp is left)"
else
	pass lua-share-written
fi

# Standard input as the script (lua -), as the REPL's input (lua -i), and
# as data: every byte value, 200 000 of them.
echo 'print(1+1)' >"$work/lua-stdin.in"
boot lua-stdin-script "$work/lua-stdin.in" "$apps/lua" -
printf '2\n' >"$work/lua-stdin-script.want"
same lua-stdin-script "$work/lua-stdin-script.want" "$work/lua-stdin-script.out"

printf 'x = 6 * 7\nprint(x)\nprint(("ab"):rep(3))\nprint(io.read("l"))\nline for io.read\n' >"$work/lua-repl.in"
boot lua-repl "$work/lua-repl.in" "$apps/lua" -i
has lua-repl "$work/lua-repl.out" '> > 42' '> ababab' '> line for io.read'

python3 -c 'import sys; sys.stdout.buffer.write(bytes((i * 131 + i // 256) % 256 for i in range(200000)))' \
	>"$work/lua-bytes.in"
python3 - "$work/lua-bytes.in" >"$work/lua-bytes.want" <<'EOF'
import sys
data = open(sys.argv[1], "rb").read()
print("%d\t%d" % (len(data), sum(b * (i % 1000 + 1) for i, b in enumerate(data)) % 4294967296))
EOF
boot lua-bytes "$work/lua-bytes.in" "$apps/lua" -e \
	'local s = io.read("a") local t = 0 for i = 1, #s do t = (t + s:byte(i) * ((i - 1) % 1000 + 1)) % 4294967296 end print(#s, t)'
same lua-bytes "$work/lua-bytes.want" "$work/lua-bytes.out"

# ---------------------------------------------------------------- SQLite

# A table with an index, deletes and updates: enough pages, journal writes
# and syncs that a lost or misplaced write shows in integrity_check. The
# shell reads the statements from a file (.read), on the share or on an
# initrd: a kernel command line carries no newlines. -batch because the
# guest's stdin is its console, a terminal, whatever ukrun's own stdin is.
sq_fill="CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT, h BLOB);
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 5000)
  INSERT INTO t SELECT i, printf('row %d', i), zeroblob(i % 300) FROM c;
CREATE INDEX tv ON t(v);
DELETE FROM t WHERE k % 7 = 0;
UPDATE t SET v = v || '!' WHERE k % 11 = 0;"
sq_query="SELECT count(*), sum(k), sum(length(v)), sum(length(h)) FROM t;
SELECT v FROM t WHERE v > 'row 4990' ORDER BY v;
PRAGMA integrity_check;"
mkdir -p "$work/sq-share" "$work/sq-initrd/sql"
printf '%s\n' "$sq_fill" >"$work/sq-share/fill.sql"
printf '%s\n' "$sq_query" >"$work/sq-share/query.sql"

# The host's answer: the same statements on a database in a host directory.
mkdir -p "$work/sq-host"
sqlite3 "$work/sq-host/want.db" <"$work/sq-share/fill.sql" >/dev/null
sqlite3 "$work/sq-host/want.db" <"$work/sq-share/query.sql" >"$work/sq-want"

boot sqlite-share-write /dev/null --share "$work/sq-share:/data" "$apps/sqlite3" -batch /data/guest.db \
	".read /data/fill.sql"
if [[ $st != 0 ]]; then
	fail sqlite-share-write "status $st, want 0" "$work/sqlite-share-write.out" "$work/sqlite-share-write.err"
else
	pass sqlite-share-write
	sqlite3 "$work/sq-share/guest.db" <"$work/sq-share/query.sql" >"$work/sqlite-share-host-reads.out" 2>&1
	same sqlite-share-host-reads "$work/sq-want" "$work/sqlite-share-host-reads.out"
	if [[ -e $work/sq-share/guest.db-journal ]]; then
		fail sqlite-share-journal "guest.db-journal is left on the share"
	else
		pass sqlite-share-journal
	fi
fi

# A database the host wrote, queried in the guest through the share.
cp "$work/sq-host/want.db" "$work/sq-share/host.db"
boot sqlite-share-read /dev/null --share "$work/sq-share:/data" "$apps/sqlite3" -batch /data/host.db \
	".read /data/query.sql"
same sqlite-share-read "$work/sq-want" "$work/sqlite-share-read.out"

# On ramfs, with reads through a mapping of the file (mmap_size), in
# rollback and in WAL mode (whose -shm index is a shared writable mapping).
for mode in delete wal; do
	printf 'PRAGMA mmap_size = 268435456;\nPRAGMA journal_mode = %s;\n%s\nPRAGMA mmap_size;\n%s\n' \
		"$mode" "$sq_fill" "$sq_query" >"$work/sq-initrd/sql/mmap-$mode.sql"
	rm -f "$work/sq-host/mmap.db"*
	sqlite3 "$work/sq-host/mmap.db" <"$work/sq-initrd/sql/mmap-$mode.sql" >"$work/sq-mmap-$mode-want"
	boot sqlite-ramfs-mmap-$mode /dev/null --initrd "$work/sq-initrd" "$apps/sqlite3" -batch /tmp/mmap.db \
		".read /sql/mmap-$mode.sql"
	same sqlite-ramfs-mmap-$mode "$work/sq-mmap-$mode-want" "$work/sqlite-ramfs-mmap-$mode.out"
done

# ---------------------------------------------------------------- find

# A tree with what a walk meets: nesting, empty files and directories,
# symbolic links to files, directories and nothing, hard links, modes, old
# and new mtimes, names with spaces and non-ASCII bytes.
t=$work/find-data/tree
mkdir -p "$t/a/b/c/d" "$t/empty dir" "$t/x" "$t/ünï"
for i in $(seq 1 40); do
	head -c $((i * 97)) /dev/zero | tr '\0' 'x' >"$t/a/f$i.txt"
done
printf 'deep\n' >"$t/a/b/c/d/deep.txt"
: >"$t/a/b/empty"
printf 'spaced\n' >"$t/x/with space.dat"
printf 'ü\n' >"$t/ünï/ö.txt"
ln "$t/a/f1.txt" "$t/x/hard1"
ln -s ../a/f2.txt "$t/x/to-file"
ln -s ../a/b "$t/x/to-dir"
ln -s nowhere "$t/x/dangling"
chmod 0600 "$t/a/f3.txt"
chmod 0755 "$t/a/f4.txt"
chmod 0444 "$t/a/f5.txt"
chmod 0700 "$t/a/b/c"
touch -d '2001-02-03 04:05:06' "$t/a/f6.txt" "$t/x/with space.dat"
touch -d '2020-01-01 00:00:00' "$work/find-data/ref"
touch -h -d '2002-02-02 02:02:02' "$t/x/to-file"
# The initrd's root holds the same data/ as the share: /data/tree and
# /data/ref in the guest either way.
mkdir "$work/find-initrd"
cp -a "$work/find-data" "$work/find-initrd/data"

# Each walk as find ARGS... over DIR/tree. Lines are sorted: the order of
# directory entries is each file system's own.
find_walks=(
	"all|-printf %p|%y|%m|%n|%l\n"
	"files|-type f -printf %p|%s|%n|%TY-%Tm-%Td.%TH:%TM\n"
	"empty|-empty"
	"newer|-newer REF"
	"name-size|-name *.txt -size +2k"
	"depth|-mindepth 2 -maxdepth 3 -type d"
	"perm|-perm -u+x -type f"
	"dangling|-xtype l"
	"link-to-dir|-type l -xtype d"
)
for entry in "${find_walks[@]}"; do
	label=${entry%%|*}
	walk=${entry#*|}
	read -r -a words <<<"$walk"
	# The host's find over the host's copy, names as the guest sees them.
	host=("${words[@]//REF/$work/find-data/ref}")
	(cd "$work/find-data" && TZ=UTC find "$work/find-data/tree" "${host[@]}") 2>&1 |
		sed "s|$work/find-data/tree|/data/tree|g" | LC_ALL=C sort >"$work/find-$label.want"
	guest=("${words[@]//REF/\/data/ref}")
	for fs in initrd share; do
		if [[ $fs == initrd ]]; then
			boot find-$fs-$label /dev/null --initrd "$work/find-initrd" "$apps/find" /data/tree "${guest[@]}"
		else
			boot find-$fs-$label /dev/null --share "$work/find-data:/data" "$apps/find" /data/tree "${guest[@]}"
		fi
		LC_ALL=C sort -o "$work/find-$fs-$label.out" "$work/find-$fs-$label.out"
		same find-$fs/$label "$work/find-$label.want" "$work/find-$fs-$label.out"
	done
done

# find -delete on a share: the tree is gone from the host afterwards.
cp -a "$work/find-data/tree" "$work/find-data/doomed"
boot find-delete /dev/null --share "$work/find-data:/data" "$apps/find" /data/doomed -delete
if [[ $st != 0 ]]; then
	fail find-share/delete "status $st, want 0" "$work/find-delete.out" "$work/find-delete.err"
elif [[ -e $work/find-data/doomed ]]; then
	fail find-share/delete "the host still has: $(cd "$work/find-data" && find doomed | head -n 5 | tr '\n' ' ')"
else
	pass find-share/delete
fi
exit 0
