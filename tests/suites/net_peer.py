"""The host side of tests/suites/net.sh: the peer of net_app.c.
  net_peer.py server PORTFILE N [ADDR]
                                  listens on ADDR, by default 127.0.0.1 (a free port, written
                                  to PORTFILE), takes one connection, checks
                                  N bytes, answers N bytes, expects the end
  net_peer.py client HOST PORT N  connects (retrying while the guest is not
                                  listening yet), sends N bytes, checks N
Exit status 0 when every byte was right."""
import os
import socket
import sys
import time


def pattern(off, n, shift):
    return bytes(((i * 7 + shift) % 251) for i in range(off, off + n))


def send_all(s, n, shift):
    off = 0
    while off < n:
        chunk = min(65536, n - off)
        s.sendall(pattern(off, chunk, shift))
        off += chunk


def recv_check(s, n, shift):
    recv_check_from(s, 0, n, shift)


def recv_check_from(s, off, n, shift):
    while off < n:
        data = s.recv(min(65536, n - off))
        if not data:
            sys.exit("peer: early end of file after %d bytes" % off)
        if data != pattern(off, len(data), shift):
            sys.exit("peer: wrong bytes at %d" % off)
        off += len(data)


def main():
    mode = sys.argv[1]
    if mode == "server":
        n = int(sys.argv[3])
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.bind((sys.argv[4] if len(sys.argv) > 4 else "127.0.0.1", 0))
        ls.listen(1)
        ls.settimeout(120)
        with open(sys.argv[2] + ".tmp", "w") as f:
            f.write(str(ls.getsockname()[1]))
        os.rename(sys.argv[2] + ".tmp", sys.argv[2])
        c, peer = ls.accept()
        c.settimeout(120)
        recv_check(c, n, 0)
        send_all(c, n, 1)
        if c.recv(1) != b"":
            sys.exit("peer: no end of file from the guest")
        c.close()
        print("peer: %d bytes each way with %s" % (n, peer[0]))
    else:
        host, port, n = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
        deadline = time.monotonic() + 120
        while True:
            # With user networking the forward accepts before the guest
            # listens; the guest then resets the connection, and the
            # client tries again. Once bytes came back, errors are final.
            c = None
            err = "end of file at once"
            try:
                c = socket.create_connection((host, port), timeout=120)
                send_all(c, n, 0)
                first = c.recv(1)
            except (ConnectionRefusedError, ConnectionResetError, BrokenPipeError) as e:
                first = b""
                err = e
            if first:
                break
            if c:
                c.close()
            if time.monotonic() > deadline:
                sys.exit("peer: no answer from the guest (%s)" % err)
            time.sleep(0.2)
        if first != pattern(0, 1, 1):
            sys.exit("peer: wrong first byte")
        recv_check_from(c, 1, n, 1)
        if c.recv(1) != b"":
            sys.exit("peer: no end of file from the guest")
        c.close()
        print("peer: %d bytes each way" % n)


main()
