#!/usr/bin/env python3
"""The host side of tests/suites/net_examples.sh (standard library only).

  wait HOST PORT SECONDS          until HOST:PORT answers an HTTP GET /
  builtin HOST PORT               httpd's built-in page and its error answers
  keepalive HOST PORT             sequential and pipelined requests on one
                                  connection, then Connection: close
  files HOST PORT BIGNAME SHA256  httpd serving a directory: index, a large
                                  file (hashed), HEAD, 404 and ".." refused
  reuse HOST PORT N               N requests with Connection: close, one
                                  after the other, all from one source port
                                  (the server holds each in TIME_WAIT)
  echo HOST PORT N SIZE           N concurrent connections each echo SIZE
                                  random bytes intact
  dns ADDR PORT READY LOG NAME=IP...
                                  a UDP DNS server: A records for the names
                                  given, an empty answer for their other
                                  types, NXDOMAIN for every other name; every
                                  question is appended to LOG

Checks print nothing and exit 0 when they hold; otherwise they print why and
exit 1.
"""
import errno
import hashlib
import os
import socket
import struct
import sys
import threading
import time


class Failed(Exception):
    pass


def expect(cond, why):
    if not cond:
        raise Failed(why)


class Conn:
    """One HTTP/1.1 connection that reads answers by their Content-Length."""

    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=60)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        d = self.sock.recv(1 << 20)
        if not d:
            raise Failed("the server closed the connection (had %r)" % self.buf[:80])
        self.buf += d

    def answer(self, head_only=False, sink=None):
        """Returns (status, headers dict, body); with sink the body is fed to
        sink and not kept."""
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        expect(len(parts) >= 2 and parts[0] == "HTTP/1.1", "bad status line %r" % lines[0])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        expect("content-length" in headers, "no Content-Length in %r" % lines)
        left = 0 if head_only else int(headers["content-length"])
        body = b""
        while left:
            if not self.buf:
                self._fill()
            take = self.buf[:left]
            self.buf = self.buf[left:]
            left -= len(take)
            if sink:
                sink(take)
            else:
                body += take
        return int(parts[1]), headers, body

    def closed(self):
        """Whether the server ends the connection (EOF) with nothing more."""
        if self.buf:
            return False
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True

    def close(self):
        self.sock.close()


def get(host, port, path, method="GET", extra=b"", body=b""):
    c = Conn(host, port)
    c.send(b"%s %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n%s\r\n%s" % (method.encode(), path.encode(), extra, body))
    st, h, body = c.answer(head_only=(method == "HEAD"))
    expect(c.closed(), "%s %s: the connection stayed open after Connection: close" % (method, path))
    c.close()
    return st, h, body


def raw(host, port, data):
    """Sends data, returns everything until the server closes."""
    s = socket.create_connection((host, port), timeout=60)
    s.sendall(data)
    out = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
    except ConnectionResetError:
        pass
    s.close()
    return out


def wait(host, port, seconds):
    end = time.time() + float(seconds)
    while True:
        try:
            st, _, _ = get(host, int(port), "/")
            return
        except (OSError, Failed) as e:
            if time.time() > end:
                raise Failed("no answer from %s:%s: %s" % (host, port, e))
            time.sleep(0.3)


def builtin(host, port):
    port = int(port)
    st, h, body = get(host, port, "/")
    expect(st == 200 and body == b"Hello, world\n", "GET /: %d %r" % (st, body))
    expect(h["content-length"] == "13", "GET /: Content-Length %s" % h["content-length"])
    st, h, body = get(host, port, "/", "HEAD")
    expect(st == 200 and h["content-length"] == "13", "HEAD /: %d %r" % (st, h))
    st, _, _ = get(host, port, "/missing")
    expect(st == 404, "GET /missing: %d, want 404" % st)
    st, h, _ = get(host, port, "/", "POST", b"Content-Length: 3\r\n", b"abc")
    expect(st == 405 and h.get("allow") == "GET, HEAD", "POST /: %d %r" % (st, h))
    out = raw(host, port, b"NONSENSE\r\n\r\n")
    expect(out.startswith(b"HTTP/1.1 400 "), "a malformed request: %r" % out[:60])
    out = raw(host, port, b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n\r\n")
    expect(out.startswith(b"HTTP/1.1 414 "), "a 9000-byte URI: %r" % out[:60])


def keepalive(host, port):
    c = Conn(host, int(port))
    for i in range(5):
        c.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        st, h, body = c.answer()
        expect(st == 200 and body == b"Hello, world\n", "request %d: %d %r" % (i, st, body))
        expect("connection" not in h, "request %d: Connection: %s" % (i, h.get("connection")))
    # Three pipelined requests in one segment, answered in order.
    c.send(b"GET / HTTP/1.1\r\n\r\nGET /nope HTTP/1.1\r\n\r\nHEAD / HTTP/1.1\r\n\r\n")
    got = [c.answer()[0], c.answer()[0], c.answer(head_only=True)[0]]
    expect(got == [200, 404, 200], "pipelined answers %r, want [200, 404, 200]" % got)
    c.send(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
    st, h, body = c.answer()
    expect(st == 200 and h.get("connection") == "close", "the last request: %d %r" % (st, h))
    expect(c.closed(), "the server kept the connection after Connection: close")
    c.close()


def files(host, port, bigname, sha):
    port = int(port)
    st, h, body = get(host, port, "/")
    expect(st == 200 and body == b"<h1>index</h1>\n", "GET / (index.html): %d %r" % (st, body[:60]))
    expect(h.get("content-type") == "text/html", "index.html type %r" % h.get("content-type"))
    digest = hashlib.sha256()
    c = Conn(host, port)
    c.send(b"GET /%s HTTP/1.1\r\nHost: t\r\n\r\n" % bigname.encode())
    st, h, _ = c.answer(sink=digest.update)
    expect(st == 200, "GET /%s: %d" % (bigname, st))
    expect(digest.hexdigest() == sha, "GET /%s: sha256 %s, want %s" % (bigname, digest.hexdigest(), sha))
    # The same connection still answers after a large sendfile.
    c.send(b"GET /sub/note.txt HTTP/1.1\r\nHost: t\r\n\r\n")
    st, _, body = c.answer()
    expect(st == 200 and body == b"a note\n", "GET /sub/note.txt after the large file: %d %r" % (st, body))
    c.close()
    st, h, _ = get(host, port, "/" + bigname, "HEAD")
    expect(st == 200 and int(h["content-length"]) > 0, "HEAD /%s: %d %r" % (bigname, st, h))
    st, _, _ = get(host, port, "/missing.txt")
    expect(st == 404, "GET /missing.txt: %d, want 404" % st)
    for path in ("/../secret.txt", "/sub/../../secret.txt", "/%2e%2e/secret.txt", "/sub/%2E%2E/%2e%2e/secret.txt"):
        st, _, body = get(host, port, path)
        expect(st == 403 and b"secret" not in body, "GET %s: %d %r, want 403" % (path, st, body[:40]))


def reuse(host, port, n):
    src = None
    for i in range(int(n)):
        # The client's side of the last connection may still wait for the
        # server's final ACK (LAST_ACK): until then the port is busy here.
        for _ in range(200):
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("", src or 0))
            src = s.getsockname()[1]
            s.settimeout(20)
            try:
                s.connect((host, int(port)))
                break
            except OSError as e:
                s.close()
                if e.errno != errno.EADDRNOTAVAIL:
                    raise Failed("request %d from port %d: %s" % (i + 1, src, e))
                time.sleep(0.05)
        try:
            s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            out = b""
            while True:
                d = s.recv(4096)
                if not d:
                    break
                out += d
        except OSError as e:
            raise Failed("request %d from port %d: %s" % (i + 1, src, e))
        finally:
            s.close()
        expect(out.startswith(b"HTTP/1.1 200 "), "request %d: %r" % (i + 1, out[:40]))


def echo(host, port, n, size):
    n, size = int(n), int(size)
    datas = [os.urandom(size) for _ in range(n)]
    results = [None] * n

    def one(i):
        try:
            s = socket.create_connection((host, int(port)), timeout=60)
            got = bytearray()

            def send():
                s.sendall(datas[i])
                s.shutdown(socket.SHUT_WR)

            t = threading.Thread(target=send)
            t.start()
            while True:
                d = s.recv(1 << 16)
                if not d:
                    break
                got += d
            t.join()
            s.close()
            results[i] = "ok" if bytes(got) == datas[i] else "got %d bytes back, differing" % len(got)
        except OSError as e:
            results[i] = str(e)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bad = ["connection %d: %s" % (i, r) for i, r in enumerate(results) if r != "ok"]
    expect(not bad, "; ".join(bad))


def dns(addr, port, ready, log, *records):
    table = {}
    for r in records:
        name, _, ip = r.partition("=")
        table[name.lower().rstrip(".")] = socket.inet_aton(ip)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, int(port)))
    with open(ready, "w") as f:
        f.write("ready\n")
    while True:
        q, peer = s.recvfrom(512)
        if len(q) < 12:
            continue
        qid, flags, qd = struct.unpack("!HHH", q[:6])
        labels, i = [], 12
        while i < len(q) and q[i]:
            labels.append(q[i + 1:i + 1 + q[i]].decode("ascii", "replace"))
            i += 1 + q[i]
        if qd != 1 or i + 5 > len(q):
            continue
        qtype, qclass = struct.unpack("!HH", q[i + 1:i + 5])
        question = q[12:i + 5]
        name = ".".join(labels).lower()
        with open(log, "a") as f:
            f.write("%s %s %d\n" % (peer[0], name, qtype))
        rd = flags & 0x0100
        answers = b""
        if name not in table:
            rcode, an = 3, 0
        elif qtype == 1:
            rcode, an = 0, 1
            answers = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + table[name]
        else:
            rcode, an = 0, 0
        head = struct.pack("!HHHHHH", qid, 0x8000 | 0x0400 | rd | 0x0080 | rcode, 1, an, 0, 0)
        s.sendto(head + question + answers, peer)


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    cmd, args = sys.argv[1], sys.argv[2:]
    try:
        {"wait": wait, "builtin": builtin, "keepalive": keepalive, "files": files,
         "echo": echo, "reuse": reuse, "dns": dns}[cmd](*args)
    except (Failed, OSError) as e:
        print("%s: %s" % (cmd, e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
