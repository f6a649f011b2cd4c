/*
 * A small HTTP/1.1 server, written the way one writes an epoll server on
 * Linux: a non-blocking listening socket, one level-triggered epoll set for
 * it and every connection, keep-alive and pipelined requests, and files sent
 * with sendfile(2).
 *
 *   httpd [-p PORT] [DIR]
 *
 * With no DIR it answers GET / with a built-in 13-byte page and 404 for any
 * other path. With DIR it serves the files below DIR (index.html for a
 * directory) and refuses paths that climb out of it with "..". GET and HEAD
 * only; other methods get 405. The same source builds natively
 * (gcc -O2 httpd.c) and as a libunikraft image (kraftld).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define IN_SIZE 8192	/* longest request head accepted */
#define OUT_SIZE 16384	/* queued response bytes before reading stops */
#define MAX_EVENTS 64

static const char builtin_page[] = "Hello, world\n";

struct conn {
	int fd;
	char in[IN_SIZE];
	size_t in_len;
	char out[OUT_SIZE];
	size_t out_len, out_off;
	int file;		/* file being sent after out[], or -1 */
	off_t file_off, file_end;
	int close_after;	/* close once everything queued is sent */
	int keep_alive_1_0;	/* an HTTP/1.0 client asked for keep-alive */
	int peer_done;		/* the peer shut down its side */
	unsigned events;	/* what the epoll set watches now */
};

static const char *root;	/* DIR, or NULL for the built-in page */
static int epfd;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static const char *content_type(const char *path)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{".html", "text/html"}, {".htm", "text/html"},
		{".txt", "text/plain"}, {".css", "text/css"},
		{".js", "text/javascript"}, {".json", "application/json"},
		{".png", "image/png"}, {".jpg", "image/jpeg"},
		{".svg", "image/svg+xml"},
	};
	const char *dot = strrchr(path, '.');
	if (dot && !strchr(dot, '/'))
		for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
			if (!strcasecmp(dot, types[i].ext))
				return types[i].type;
	return "application/octet-stream";
}

static void conn_close(struct conn *c)
{
	if (c->file >= 0)
		close(c->file);
	close(c->fd);	/* also leaves the epoll set */
	free(c);
}

/* Queues a response head (and, unless head_only, a small body). Returns 0,
 * or -1 when out[] has no room, in which case nothing is queued. */
static int queue_response(struct conn *c, int status, const char *reason,
			  const char *type, const char *extra, const char *body,
			  size_t body_len, long long content_length, int head_only)
{
	size_t room = OUT_SIZE - c->out_len;
	int n = snprintf(c->out + c->out_len, room,
			 "HTTP/1.1 %d %s\r\n"
			 "Server: httpd\r\n"
			 "Content-Type: %s\r\n"
			 "Content-Length: %lld\r\n"
			 "%s%s"
			 "\r\n",
			 status, reason, type, content_length, extra ? extra : "",
			 c->close_after	     ? "Connection: close\r\n"
			 : c->keep_alive_1_0 ? "Connection: keep-alive\r\n"
					     : "");
	if (n < 0 || (size_t)n >= room)
		return -1;
	if (!head_only && body_len) {
		if (body_len > room - n)
			return -1;
		memcpy(c->out + c->out_len + n, body, body_len);
		n += body_len;
	}
	c->out_len += n;
	return 0;
}

static int queue_error(struct conn *c, int status, const char *reason,
		       const char *extra, int head_only)
{
	char body[128];
	int n = snprintf(body, sizeof body, "%d %s\n", status, reason);
	return queue_response(c, status, reason, "text/plain", extra, body, n,
			      n, head_only);
}

/* Decodes %XX escapes in place; returns -1 for a bad escape or a NUL. */
static int url_decode(char *s)
{
	char *d = s;
	for (; *s; s++) {
		if (*s == '%') {
			if (!isxdigit((unsigned char)s[1]) ||
			    !isxdigit((unsigned char)s[2]))
				return -1;
			char hex[3] = {s[1], s[2], 0};
			*d = (char)strtol(hex, NULL, 16);
			if (!*d)
				return -1;
			d++;
			s += 2;
		} else {
			*d++ = *s;
		}
	}
	*d = 0;
	return 0;
}

/* Whether a decoded path has a ".." segment. */
static int climbs(const char *path)
{
	for (const char *p = path; (p = strstr(p, "..")); p += 2)
		if ((p == path || p[-1] == '/') && (p[2] == 0 || p[2] == '/'))
			return 1;
	return 0;
}

/* Queues the answer to one request for PATH in DIR mode. */
static int serve_file(struct conn *c, const char *path, int head_only)
{
	char full[4096];
	if (snprintf(full, sizeof full, "%s/%s", root, path) >= (int)sizeof full)
		return queue_error(c, 414, "URI Too Long", NULL, head_only);
	int fd = open(full, O_RDONLY | O_CLOEXEC);
	struct stat st;
	const char *type = content_type(path);
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		int dir = fd;
		type = "text/html";
		fd = openat(dir, "index.html", O_RDONLY | O_CLOEXEC);
		close(dir);
		if (fd >= 0 && fstat(fd, &st) != 0) {
			close(fd);
			fd = -1;
		}
	}
	if (fd < 0) {
		if (errno == EACCES)
			return queue_error(c, 403, "Forbidden", NULL, head_only);
		return queue_error(c, 404, "Not Found", NULL, head_only);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return queue_error(c, 403, "Forbidden", NULL, head_only);
	}
	if (queue_response(c, 200, "OK", type, NULL, NULL, 0,
			   (long long)st.st_size, 1) < 0) {
		close(fd);
		return -1;
	}
	if (head_only || st.st_size == 0) {
		close(fd);
	} else {
		c->file = fd;
		c->file_off = 0;
		c->file_end = st.st_size;
	}
	return 0;
}

/* Finds header NAME in the head [p, end) and returns its value (trimmed
 * into buf), or NULL. */
static const char *header(const char *p, const char *end, const char *name,
			  char *buf, size_t size)
{
	size_t len = strlen(name);
	while (p < end) {
		const char *eol = memchr(p, '\n', end - p);
		if (!eol)
			eol = end;
		if ((size_t)(eol - p) > len && p[len] == ':' &&
		    !strncasecmp(p, name, len)) {
			const char *v = p + len + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			const char *ve = eol;
			while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' ||
					  ve[-1] == '\t'))
				ve--;
			size_t n = ve - v < (long)size - 1 ? (size_t)(ve - v)
							    : size - 1;
			memcpy(buf, v, n);
			buf[n] = 0;
			return buf;
		}
		p = eol + 1;
	}
	return NULL;
}

/* Whether the comma-separated list has TOKEN (case-insensitive). */
static int has_token(const char *list, const char *token)
{
	size_t len = strlen(token);
	for (const char *p = list; *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		if (!strncasecmp(p, token, len) &&
		    (p[len] == 0 || p[len] == ',' || p[len] == ' '))
			return 1;
		while (*p && *p != ',')
			p++;
	}
	return 0;
}

/* Answers the complete requests at the start of in[], in order, until one
 * needs a file sent or out[] is full. Returns -1 when the connection is to
 * be dropped at once. */
static int handle_requests(struct conn *c)
{
	while (!c->close_after && c->file < 0) {
		char *end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
		size_t sep = 4;
		char *lf = memmem(c->in, c->in_len, "\n\n", 2);
		if (lf && (!end || lf < end)) {
			end = lf;
			sep = 2;
		}
		if (!end) {
			if (c->in_len < IN_SIZE)
				return 0;
			/* The head does not fit: say why, then close. */
			c->close_after = 1;
			if (!memchr(c->in, '\n', c->in_len))
				return queue_error(c, 414, "URI Too Long", NULL, 0);
			return queue_error(c, 431,
					   "Request Header Fields Too Large",
					   NULL, 0);
		}
		size_t head_len = end - c->in + sep;
		char *line_end = memchr(c->in, '\n', head_len);
		char line[IN_SIZE];
		size_t line_len = line_end - c->in;
		if (line_len && c->in[line_len - 1] == '\r')
			line_len--;
		memcpy(line, c->in, line_len);
		line[line_len] = 0;

		char method[16], target[IN_SIZE], version[16];
		int minor = -1;
		if (sscanf(line, "%15s %8191s %15s", method, target, version) != 3 ||
		    sscanf(version, "HTTP/1.%d", &minor) != 1 || minor < 0 ||
		    strlen(version) != 8 || target[0] != '/') {
			c->close_after = 1;
			return queue_error(c, 400, "Bad Request", NULL, 0);
		}
		char value[256];
		const char *conn_hdr = header(line_end + 1, c->in + head_len,
					      "Connection", value, sizeof value);
		int keep = minor >= 1 ? !(conn_hdr && has_token(conn_hdr, "close"))
				      : (conn_hdr && has_token(conn_hdr, "keep-alive"));
		/* A request body is skipped; chunked bodies are not supported. */
		size_t body = 0;
		if (header(line_end + 1, c->in + head_len, "Transfer-Encoding",
			   value, sizeof value)) {
			c->close_after = 1;
			return queue_error(c, 501, "Not Implemented", NULL, 0);
		}
		if (header(line_end + 1, c->in + head_len, "Content-Length",
			   value, sizeof value)) {
			char *e;
			long long n = strtoll(value, &e, 10);
			if (*e || n < 0 || n > IN_SIZE) {
				c->close_after = 1;
				return queue_error(c, 400, "Bad Request", NULL, 0);
			}
			body = n;
		}
		if (c->in_len < head_len + body)
			return 0;	/* the body is still coming */

		size_t before = c->out_len;
		c->close_after = !keep;
		c->keep_alive_1_0 = keep && minor == 0;
		int head_only = !strcmp(method, "HEAD");
		int r;
		char *query = strchr(target, '?');
		if (query)
			*query = 0;
		if (strcmp(method, "GET") && !head_only) {
			r = queue_error(c, 405, "Method Not Allowed",
					"Allow: GET, HEAD\r\n", 0);
		} else if (url_decode(target) < 0) {
			r = queue_error(c, 400, "Bad Request", NULL, head_only);
		} else if (climbs(target)) {
			r = queue_error(c, 403, "Forbidden", NULL, head_only);
		} else if (root) {
			r = serve_file(c, target + 1, head_only);
		} else if (!strcmp(target, "/")) {
			r = queue_response(c, 200, "OK", "text/plain", NULL,
					   builtin_page, sizeof builtin_page - 1,
					   sizeof builtin_page - 1, head_only);
		} else {
			r = queue_error(c, 404, "Not Found", NULL, head_only);
		}
		if (r < 0) {
			/* out[] is full: answer this request once it drains. */
			c->out_len = before;
			c->close_after = 0;
			return 0;
		}
		memmove(c->in, c->in + head_len + body,
			c->in_len - head_len - body);
		c->in_len -= head_len + body;
	}
	return 0;
}

/* Sends what is queued. Returns 1 when all of it went, 0 when the socket
 * is full, -1 on an error (the peer went away). */
static int flush(struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off,
				 c->out_len - c->out_off, MSG_NOSIGNAL);
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		c->out_off += n;
	}
	c->out_off = c->out_len = 0;
	while (c->file >= 0) {
		ssize_t n = sendfile(c->fd, c->file, &c->file_off,
				     c->file_end - c->file_off);
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		if (n == 0 || c->file_off >= c->file_end) {
			/* A file that shrank under us cannot keep its
			 * Content-Length promise: end the connection. */
			if (c->file_off < c->file_end)
				c->close_after = 1;
			close(c->file);
			c->file = -1;
		}
	}
	return 1;
}

/* Makes the epoll set watch what the connection waits for now. */
static int rearm(struct conn *c)
{
	int pending = c->out_len || c->file >= 0;
	unsigned want = (pending ? EPOLLOUT : 0) |
			(!c->peer_done && !c->close_after && c->in_len < IN_SIZE
				 ? EPOLLIN : 0);
	if (want == c->events)
		return 0;
	struct epoll_event ev = {.events = want, .data.ptr = c};
	if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		return -1;
	c->events = want;
	return 0;
}

/* Runs the connection as far as it goes without blocking. */
static void service(struct conn *c, unsigned events)
{
	if (events & EPOLLIN) {
		while (c->in_len < IN_SIZE && !c->peer_done) {
			ssize_t n = recv(c->fd, c->in + c->in_len,
					 IN_SIZE - c->in_len, 0);
			if (n > 0) {
				c->in_len += n;
			} else if (n == 0) {
				c->peer_done = 1;
			} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
				break;
			} else {
				conn_close(c);
				return;
			}
		}
	} else if (events & (EPOLLERR | EPOLLHUP) && !(events & EPOLLOUT)) {
		conn_close(c);
		return;
	}
	for (;;) {
		if (handle_requests(c) < 0) {
			conn_close(c);
			return;
		}
		int sent = flush(c);
		if (sent < 0) {
			conn_close(c);
			return;
		}
		if (!sent)
			break;
		if (c->close_after || (c->peer_done && !memmem(c->in, c->in_len,
							       "\n\n", 2) &&
				       !memmem(c->in, c->in_len, "\r\n\r\n", 4))) {
			if (c->close_after)
				shutdown(c->fd, SHUT_WR);
			conn_close(c);
			return;
		}
		/* Stop when nothing more can be answered from in[]. */
		if (!c->in_len || (!memmem(c->in, c->in_len, "\n\n", 2) &&
				   !memmem(c->in, c->in_len, "\r\n\r\n", 4)))
			break;
	}
	if (rearm(c) < 0)
		conn_close(c);
}

static void accept_all(int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != ECONNABORTED && errno != EINTR)
				perror("accept4");
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		struct conn *c = malloc(sizeof *c);
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->in_len = c->out_len = c->out_off = 0;
		c->file = -1;
		c->file_off = c->file_end = 0;
		c->close_after = c->peer_done = c->keep_alive_1_0 = 0;
		c->events = EPOLLIN;
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			perror("epoll_ctl");
			close(fd);
			free(c);
		}
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: httpd [-p PORT] [DIR]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int port = 80, opt;
	while ((opt = getopt(argc, argv, "p:")) != -1) {
		char *e;
		if (opt != 'p')
			usage();
		port = strtol(optarg, &e, 10);
		if (*e || port <= 0 || port > 65535)
			usage();
	}
	if (argc - optind > 1)
		usage();
	if (argc - optind == 1) {
		struct stat st;
		root = argv[optind];
		if (stat(root, &st) < 0 || !S_ISDIR(st.st_mode)) {
			fprintf(stderr, "httpd: %s is not a directory\n", root);
			return 1;
		}
	}
	signal(SIGPIPE, SIG_IGN);

	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		die("socket");
	int one = 1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0)
		die("bind");
	if (listen(lfd, 128) < 0)
		die("listen");
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		die("epoll_create1");
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev) < 0)
		die("epoll_ctl");
	printf("httpd: listening on port %d, serving %s\n", port,
	       root ? root : "the built-in page");
	fflush(stdout);

	struct epoll_event events[MAX_EVENTS];
	for (;;) {
		int n = epoll_wait(epfd, events, MAX_EVENTS, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("epoll_wait");
		}
		for (int i = 0; i < n; i++) {
			if (!events[i].data.ptr)
				accept_all(lfd);
			else
				service(events[i].data.ptr, events[i].events);
		}
	}
}
