#!/usr/bin/env bash
# nginx from Debian's nginx source package (1.22), configured by its own
# configure with the host's gcc and built by its Makefile, with kraftld as
# the linker (`make LINK=kraftld`). The modules are nginx's defaults (static
# files, proxy, FastCGI, rewrite with PCRE2, gzip with zlib: Debian's static
# libpcre2-8.a and libz.a), with none of Debian's extra modules (they need
# OpenSSL, libxslt, GeoIP, ...); the paths are Debian's, so the root below is
# laid out as Debian's nginx-common package lays it out. Worker processes
# cannot be forked in the unikernel: the configuration runs nginx as one
# process (`daemon off; master_process off;`).
#
#   apps/nginx/build.sh    ->  $BUILD/apps/nginx, $BUILD/apps/nginx.root/
#
# nginx.root/ is the root file system to boot it with (`ukrun --initrd`):
# /etc/nginx (nginx.conf, mime.types), /etc/passwd and /etc/group with the
# www-data user of the configuration (nginx started as root looks it up;
# only worker processes switch to it, and there are none), /var/log/nginx,
# /var/lib/nginx for the temp files, and the document root /var/www/html: index.html and static files of
# 4 KiB, 64 KiB, 1 MiB and 8 MiB of pseudo-random bytes.
# shellcheck source=apps/lib.sh
. "$(dirname "$0")/../lib.sh"

src=$(app_source nginx)
cd "$src"

conf=(
	--prefix=/usr/share/nginx
	--conf-path=/etc/nginx/nginx.conf
	--http-log-path=/var/log/nginx/access.log
	--error-log-path=/var/log/nginx/error.log
	--lock-path=/var/lock/nginx.lock
	--pid-path=/run/nginx.pid
	--modules-path=/usr/lib/nginx/modules
	--http-client-body-temp-path=/var/lib/nginx/body
	--http-fastcgi-temp-path=/var/lib/nginx/fastcgi
	--http-proxy-temp-path=/var/lib/nginx/proxy
	--http-scgi-temp-path=/var/lib/nginx/scgi
	--http-uwsgi-temp-path=/var/lib/nginx/uwsgi
	--user=www-data
	--group=www-data
	--with-cc=gcc
	--with-cc-opt=-O2
	--with-http_stub_status_module
)
if ! app_configured . "${conf[@]}"; then
	app_log "nginx: configure (log: $src/uk-configure.log)"
	rm -f Makefile
	app_run uk-configure.log ./configure "${conf[@]}"
	app_mark_configured . "${conf[@]}"
fi

rm -f objs/nginx
app_log "nginx: make (log: $src/uk-build.log)"
app_run uk-build.log make -j"$jobs" -f objs/Makefile LINK="$kraftld" objs/nginx
app_install objs/nginx nginx

# ---------------------------------------------------------------- root

root=$apps_out/nginx.root
tmp=$apps_out/.nginx.root.tmp
rm -rf "$tmp"
mkdir -p "$tmp"/etc/nginx "$tmp"/var/log/nginx "$tmp"/var/lib/nginx "$tmp"/var/www/html \
	"$tmp"/run "$tmp"/var/lock "$tmp"/tmp
cp conf/mime.types "$tmp/etc/nginx/mime.types"
cat >"$tmp/etc/nginx/nginx.conf" <<'EOF'
# One process: the unikernel has no fork, so no master and no workers.
daemon off;
master_process off;
user www-data;
worker_processes 1;
# Errors on the console (nginx still opens its built-in error log,
# /var/log/nginx/error.log, before it reads this file).
error_log stderr;
pid /run/nginx.pid;

events {
	worker_connections 1024;
	use epoll;
}

http {
	include /etc/nginx/mime.types;
	default_type application/octet-stream;
	sendfile on;
	tcp_nopush on;
	keepalive_timeout 65;
	access_log off;

	server {
		listen 80 default_server;
		server_name _;
		root /var/www/html;
		index index.html;
		location / {
			try_files $uri $uri/ =404;
		}
		location = /status {
			stub_status;
		}
	}
}
EOF
printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin' \
	'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin' >"$tmp/etc/passwd"
printf '%s\n' 'root:x:0:' 'www-data:x:33:' 'nogroup:x:65534:' >"$tmp/etc/group"
cat >"$tmp/var/www/html/index.html" <<'EOF'
<!DOCTYPE html>
<html>
<head><title>nginx in libunikraft</title></head>
<body>
<h1>nginx in libunikraft</h1>
<p>nginx from Debian's source package, linked by kraftld, serving its static files.</p>
</body>
</html>
EOF
# Static files of known sizes; their bytes are a fixed pseudo-random stream,
# so the same recipe makes the same root.
for f in 4k:4096 64k:65536 1m:1048576 8m:8388608; do
	python3 -c 'import random, sys; sys.stdout.buffer.write(random.Random(sys.argv[1]).randbytes(int(sys.argv[2])))' \
		"${f%%:*}" "${f#*:}" >"$tmp/var/www/html/${f%%:*}.bin"
done
rm -rf "$root"
mv "$tmp" "$root"
app_log "built $root"
