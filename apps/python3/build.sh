#!/usr/bin/env bash
# CPython 3.11 from Debian's python3.11 source package, built by its own
# configure and Makefile: configure runs its checks with the host's gcc
# (against glibc), every extension module of Modules/Setup.stdlib that it
# finds is compiled into the interpreter (MODULE_BUILDTYPE=static, no shared
# libpython), and the link of `python` is kraftld's (LINKCC). What the build
# runs on the host (Programs/_freeze_module, _bootstrap_python, and the
# interpreter itself, which writes the sysconfig data) is linked for the host
# by gcc first, from the same objects.
#
# _ssl and _hashlib link Debian's static libssl.a and libcrypto.a (configure's
# PY_UNSUPPORTED_OPENSSL_BUILD=static: -l:libssl.a -l:libcrypto.a, for the
# host's interpreter too, so both run the same OpenSSL): the image loads no
# shared objects. libcrypto's ASYNC jobs use getcontext, makecontext and
# setcontext, which the kernel's glibc-ABI glue provides. OpenSSL's legacy
# provider (md4, ...) is a shared module, which the host does not load by
# default either: its hashes are in neither interpreter.
#
# Left out: _gdbm (Debian has no static gdbm), nis and _tkinter; and what
# 3.11 still builds with setup.py only (_ctypes, readline, _curses, _dbm),
# since the image loads no shared extension modules.
#
# The root directory is the standard library at the prefix the interpreter
# looks in (/usr/lib/python3.11, the `test` package included, compiled to
# .pyc so that the guest writes nothing at start), its empty lib-dynload,
# the /etc files the library reads and the host's time zone files.
#
#   apps/python3/build.sh  ->  $BUILD/apps/python3, $BUILD/apps/python3.root/
# shellcheck source=apps/lib.sh
. "$(dirname "$0")/../lib.sh"

src=$(app_source python3.11)
cd "$src"

conf=(--prefix=/usr --disable-shared --disable-test-modules --without-ensurepip --enable-optimizations --with-lto
	CC=gcc MODULE_BUILDTYPE=static PY_UNSUPPORTED_OPENSSL_BUILD=static
	py_cv_module__gdbm=n/a py_cv_module_nis=n/a py_cv_module__tkinter=n/a)
if ! app_configured . "${conf[@]}"; then
	app_log "python3: configure (log: $src/uk-configure.log)"
	[[ ! -f Makefile ]] || make distclean >/dev/null 2>&1 || true
	app_run uk-configure.log ./configure "${conf[@]}"
	app_mark_configured . "${conf[@]}"
fi

# CPython 3.11 builds the modules of Setup.stdlib with setup.py unless
# Setup.local names them (its own note in Setup.stdlib); named there,
# makesetup puts them in the Makefile and Modules/config.c. The C API test
# module, which many regression tests import, is compiled in as well
# (_testinternalcapi cannot be: the build's _freeze_module lacks what it
# calls).
setup_local="$(cat Modules/Setup.stdlib)
*static*
_testcapi _testcapimodule.c"
[[ -f Modules/Setup.local && $(cat Modules/Setup.local) == "$setup_local" ]] ||
	printf '%s\n' "$setup_local" >Modules/Setup.local

# The host's interpreter and helpers, linked by LINKCC as configure set it
# (gcc): the build runs them, and the host interpreter writes the sysconfig
# data. It stays as python-host, the same interpreter for the host, which
# tests/apps-check-python3.sh can run beside the image.
#
# Profile-guided and link-time optimized, as Debian builds its own
# (--enable-optimizations --with-lto): the objects are compiled
# instrumented, the host's interpreter runs CPython's own training set
# (regrtest --pgo, about a minute), and they are compiled again with the
# profile; the image links those same objects, through gcc's linker plugin
# (kraftld sees their -flto sections). test_embed is left out of the
# training: it fails in this configuration, which fails the task.
pgo_tests=$(python3 -c 'exec(open("Lib/test/libregrtest/pgo.py").read())
print(" ".join(t for t in PGO_TESTS if t != "test_embed"))')
rm -f python
# A training that did not finish is started again from its instrumented
# build (the Makefile's stamps would skip that build).
[[ -f profile-run-stamp ]] || rm -f profile-gen-stamp profile-clean-stamp
app_log "python3: make the host's interpreter, profile-guided (log: $src/uk-host.log)"
app_run uk-host.log make -j"$jobs" profile-opt PROFILE_TASK="-m test --pgo --timeout=1200 $pgo_tests"
mv python python-host

# The interpreter, linked by kraftld: no -export-dynamic (no modules are
# loaded at run time).
app_log "python3: make python (log: $src/uk-build.log)"
app_run uk-build.log make -j"$jobs" python LINKCC="$kraftld" LINKFORSHARED=

root=$apps_out/python3.root
lib=$root/usr/lib/python3.11
stamp=$root/.uk-stdlib
if [[ ! -f $stamp || Lib -nt $stamp ]]; then
	app_log "python3: laying out $root"
	rm -rf "$root.tmp"
	mkdir -p "$root.tmp/usr/lib" "$root.tmp/etc" "$root.tmp/tmp"
	cp -a Lib "$root.tmp/usr/lib/python3.11"
	rm -rf "$root.tmp/usr/lib/python3.11/"{idlelib,tkinter,turtledemo,ensurepip,lib2to3/tests}
	find "$root.tmp" -name __pycache__ -prune -exec rm -rf {} +
	mkdir -p "$root.tmp/usr/lib/python3.11/lib-dynload"
	# Compiled by the host's interpreter of the same version, the way
	# Debian's packages ship them; files that are test data, not code,
	# do not compile and are left as they are.
	/usr/bin/python3.11 -m compileall -q -j "$jobs" "$root.tmp/usr/lib/python3.11" >/dev/null 2>&1 || true
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' \
		>"$root.tmp/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$root.tmp/etc/group"
	printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$root.tmp/etc/hosts"
	cp /etc/services /etc/protocols "$root.tmp/etc/"
	# Time zones for zoneinfo and time.tzset, Debian's tzdata as the host has it.
	mkdir -p "$root.tmp/usr/share"
	cp -a /usr/share/zoneinfo "$root.tmp/usr/share/"
	rm -rf "$root"
	mv "$root.tmp" "$root"
	touch "$stamp"
fi
# The sysconfig data the host's interpreter wrote (written again by every
# build, with the same content).
for f in "$(cat pybuilddir.txt)"/_sysconfigdata_*.py; do
	cmp -s "$f" "$lib/${f##*/}" || cp "$f" "$lib/"
done
app_install python python3
