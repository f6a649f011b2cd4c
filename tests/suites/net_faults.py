"""Bad traffic for tests/suites/net_faults.sh, run inside the network
namespace the suite makes: raw Ethernet frames on its tap device (AF_PACKET)
and ordinary sockets, all addressed to the guest on that tap. After each
attack the guest must still answer a normal request: prints one PASS or FAIL
line per attack, then asks the guest to quit."""
import os
import random
import socket
import struct
import subprocess
import sys
import threading
import time


def pattern(n):
    """The n bytes the guest's send modes write (net_faults_app.c)."""
    return bytes((ord("a") + (i * 7 + i // 997) % 26) for i in range(n))


# "pattern N": those bytes on stdout (a file for the guest's sendfile mode).
if len(sys.argv) == 3 and sys.argv[1] == "pattern":
    sys.stdout.buffer.write(pattern(int(sys.argv[2])))
    sys.exit(0)

IFACE, GUEST, HOST = sys.argv[1], sys.argv[2], sys.argv[3]
FAKE = GUEST.rsplit(".", 1)[0] + ".77"  # an address nobody answers for
rng = random.Random(9)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4(src, dst, proto, payload, ident=0, frag=0x4000, ttl=64, opts=b"", tot=None, ihl=None,
        good_csum=True):
    ihl = ihl if ihl is not None else 5 + len(opts) // 4
    tot = tot if tot is not None else 20 + len(opts) + len(payload)
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | (ihl & 15), 0, tot & 0xFFFF, ident, frag, ttl, proto, 0,
                    socket.inet_aton(src), socket.inet_aton(dst)) + opts
    c = csum(h)
    if not good_csum:
        c ^= 0x5A5A
    return h[:10] + struct.pack("!H", c) + h[12:] + payload


def l4_csum(src, dst, proto, seg):
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, proto, len(seg))
    return csum(pseudo + seg)


def tcp(src, dst, sport, dport, flags, seq=0, ack=0, data=b"", doff=None, good_csum=True,
        win=65535, opts=b""):
    doff = doff if doff is not None else 5 + len(opts) // 4
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, (doff & 15) << 4, flags, win, 0, 0) + opts
    c = l4_csum(src, dst, 6, h + data)
    if not good_csum:
        c ^= 0x1234
    return h[:16] + struct.pack("!H", c) + h[18:] + data


def udp(src, dst, sport, dport, data, length=None, good_csum=True):
    length = length if length is not None else 8 + len(data)
    h = struct.pack("!HHHH", sport, dport, length & 0xFFFF, 0)
    c = l4_csum(src, dst, 17, h + data) or 0xFFFF
    if not good_csum:
        c ^= 0x4321
    return h[:6] + struct.pack("!H", c) + data


class Wire:
    def __init__(self):
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        self.s.bind((IFACE, 0))
        self.mac = self.s.getsockname()[4]
        self.gmac = guest_mac()

    def eth(self, payload, etype=0x0800, dst=None):
        return (dst or self.gmac) + self.mac + struct.pack("!H", etype) + payload

    def send(self, frame):
        try:
            self.s.send(frame)
        except OSError:
            pass  # a frame the device refuses (too short or too long)


def guest_mac():
    with open("/proc/net/arp") as f:
        for line in f.read().splitlines()[1:]:
            parts = line.split()
            if parts[0] == GUEST and parts[3] != "00:00:00:00:00:00":
                return bytes.fromhex(parts[3].replace(":", ""))
    raise SystemExit("FAIL net_faults/setup: no ARP entry for the guest")


def request(line, timeout=20):
    s = socket.create_connection((GUEST, 80), timeout=timeout)
    s.sendall(line)
    got = b""
    while not got.endswith(b"\n"):
        b = s.recv(4096)
        if not b:
            break
        got += b
    s.close()
    return got


def big(n, timeout=30):
    s = socket.create_connection((GUEST, 80), timeout=timeout)
    s.sendall(b"BIG %d\n" % n)
    got = bytearray()
    while len(got) < n:
        b = s.recv(65536)
        if not b:
            break
        got += b
    s.close()
    return bytes(got) == bytes((ord("a") + (i * 7 + i // 997) % 26) for i in range(n))


def udp_echo():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    msg = os.urandom(300)
    for _ in range(5):
        s.sendto(msg, (GUEST, 7))
        try:
            data, _ = s.recvfrom(2048)
            if data == msg:
                return True
        except socket.timeout:
            pass
    return False


failures = 0


def check(name):
    global failures
    why = ""
    try:
        word = "ok-%s-%d" % (name, rng.randrange(1 << 30))
        r = request(b"ECHO " + word.encode() + b"\n")
        if r != word.encode() + b"\n":
            why = "echo answered %r" % r[:80]
        elif not big(200000):
            why = "a 200000-byte answer was not intact"
        elif not udp_echo():
            why = "no UDP echo"
    except OSError as e:
        why = "request failed: %s" % e
    if why:
        failures += 1
        print("FAIL net_faults/%s: %s" % (name, why), flush=True)
    else:
        print("PASS net_faults/%s" % name, flush=True)


def attack_garbage(w):
    for _ in range(3000):
        etype = rng.choice([0x0800, 0x86DD, 0x0806, rng.randrange(0x10000)])
        w.send(w.eth(os.urandom(rng.randrange(0, 1500)), etype))


def attack_truncated(w):
    frames = [
        w.eth(ip4(HOST, GUEST, 6, tcp(HOST, GUEST, 40000, 80, 0x02, seq=1))),
        w.eth(ip4(HOST, GUEST, 17, udp(HOST, GUEST, 40000, 7, b"x" * 100))),
        w.eth(ip4(HOST, GUEST, 1, struct.pack("!BBHHH", 8, 0, 0, 1, 1) + b"p" * 56)),
        w.eth(struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, w.mac, socket.inet_aton(HOST),
                          b"\0" * 6, socket.inet_aton(GUEST)), 0x0806),
    ]
    for f in frames:
        for n in range(0, len(f)):
            w.send(f[:n])
        # The same frames claiming more than they carry.
    for f in frames[:3]:
        payload = f[14:]
        for cut in range(20, len(payload), 7):
            w.send(w.eth(payload[:cut]))


def attack_checksums(w):
    for i in range(300):
        sp = 41000 + i
        w.send(w.eth(ip4(HOST, GUEST, 6, tcp(HOST, GUEST, sp, 80, 0x02, seq=i), good_csum=False)))
        w.send(w.eth(ip4(HOST, GUEST, 6, tcp(HOST, GUEST, sp, 80, 0x02, seq=i, good_csum=False))))
        w.send(w.eth(ip4(HOST, GUEST, 17, udp(HOST, GUEST, sp, 7, b"bad", good_csum=False))))
        w.send(w.eth(ip4(HOST, GUEST, 6, tcp(HOST, GUEST, sp, 80, 0x18, seq=i, ack=5,
                                              data=b"ECHO x\n", good_csum=False))))


def attack_lengths(w):
    seg = tcp(HOST, GUEST, 42000, 80, 0x02, seq=7)
    for tot in (0, 1, 19, 20, 21, 39, 41, 200, 1500, 65535):
        w.send(w.eth(ip4(HOST, GUEST, 6, seg, tot=tot)))
    for ihl in range(0, 16):
        w.send(w.eth(ip4(HOST, GUEST, 6, seg, ihl=ihl)))
    for doff in range(0, 16):
        w.send(w.eth(ip4(HOST, GUEST, 6, tcp(HOST, GUEST, 42001, 80, 0x02, doff=doff))))
    for length in (0, 1, 7, 8, 9, 100, 65535):
        w.send(w.eth(ip4(HOST, GUEST, 17, udp(HOST, GUEST, 42002, 7, b"abcdefgh", length=length))))
    # Bad TCP options: zero lengths, lengths past the header, unknown kinds.
    for opts in (b"\x02\x00\x05\xb4", b"\x03\x00\x01\x01", b"\x02\x08\x05\xb4", b"\xfe\x01\x00\x00",
                 b"\x08\x0a" + b"\0" * 2, b"\x04\x01\x01\x01", b"\x05\x06\0\0\0\0\x01\x01"):
        w.send(w.eth(ip4(HOST, GUEST, 6, tcp(HOST, GUEST, 42003, 80, 0x02, opts=opts))))
    # A version other than 4 and 6 in an IPv4 frame, and IPv6 with bad lengths.
    w.send(w.eth(b"\x55" + ip4(HOST, GUEST, 6, seg)[1:]))
    v6 = struct.pack("!IHBB16s16s", 0x60000000, 2000, 6, 64, b"\xfe\x80" + b"\0" * 13 + b"\1",
                     b"\xfe\x80" + b"\0" * 13 + b"\2")
    for nh in (0, 6, 17, 43, 44, 58, 59, 60, 255):
        w.send(w.eth(v6[:6] + bytes([nh]) + v6[7:] + os.urandom(40), 0x86DD))
        w.send(w.eth(v6[:6] + bytes([nh]) + v6[7:] + b"\0\0\0\0\0\0\0\0", 0x86DD))


def attack_options_fragments(w):
    data = b"ECHO frag\n"
    # IP options: NOP, record route, a bad option length.
    for opts in (b"\x01\x01\x01\x00", b"\x07\x07\x04" + b"\0" * 4 + b"\0", b"\x44\x00\x00\x00",
                 b"\x83\xff" + b"\0" * 2):
        w.send(w.eth(ip4(HOST, GUEST, 6, tcp(HOST, GUEST, 43000, 80, 0x02), opts=opts)))
        w.send(w.eth(ip4(HOST, GUEST, 17, udp(HOST, GUEST, 43000, 7, data), opts=opts)))
    dgram = udp(HOST, GUEST, 43001, 7, os.urandom(3000))
    # Fragments: only the first, only the last, overlapping, past 64 KiB, tiny.
    for ident in range(1, 200):
        w.send(w.eth(ip4(HOST, GUEST, 17, dgram[:1480], ident=ident, frag=0x2000)))
        w.send(w.eth(ip4(HOST, GUEST, 17, dgram[1480:], ident=1000 + ident, frag=1480 // 8)))
        w.send(w.eth(ip4(HOST, GUEST, 17, dgram[:1000], ident=2000 + ident, frag=0x2000)))
        w.send(w.eth(ip4(HOST, GUEST, 17, dgram[8:1008], ident=2000 + ident, frag=0x2001)))
        w.send(w.eth(ip4(HOST, GUEST, 17, b"z" * 16, ident=3000 + ident, frag=0x2000 | 8189)))
        w.send(w.eth(ip4(HOST, GUEST, 17, b"z" * 8, ident=4000 + ident, frag=0x2000 | ident)))
    # A whole fragmented datagram (to the echo port) still works.
    w.send(w.eth(ip4(HOST, GUEST, 17, dgram[:1480], ident=9999, frag=0x2000)))
    w.send(w.eth(ip4(HOST, GUEST, 17, dgram[1480:2960], ident=9999, frag=0x2000 | 185)))
    w.send(w.eth(ip4(HOST, GUEST, 17, dgram[2960:], ident=9999, frag=370)))


def attack_syn_flood(w):
    for i in range(4000):
        src = FAKE if i % 2 else HOST
        sp = rng.randrange(1024, 65536)
        w.send(w.eth(ip4(src, GUEST, 6, tcp(src, GUEST, sp, 80, 0x02, seq=rng.randrange(1 << 32),
                                             opts=b"\x02\x04\x05\xb4"))))


def attack_half_open(w):
    # Connections that send half a request and vanish: TCP_REPAIR makes
    # close() send nothing, so the guest never hears of it.
    socks = []
    for i in range(300):
        s = socket.create_connection((GUEST, 80), timeout=10)
        if i % 2:
            s.sendall(b"ECHO never ended")
        socks.append(s)
    time.sleep(0.5)
    for s in socks:
        s.setsockopt(socket.IPPROTO_TCP, 19, 1)  # TCP_REPAIR
        s.close()


def attack_resets(w):
    for i in range(100):
        s = socket.create_connection((GUEST, 80), timeout=10)
        if i % 3 == 0:
            s.sendall(b"BIG 2000000\n")
            s.recv(1000)
        elif i % 3 == 1:
            s.sendall(b"ECHO " + b"y" * 300)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
    # Resets from nowhere: RSTs and stray ACKs for connections that do not exist.
    for i in range(500):
        w.send(w.eth(ip4(HOST, GUEST, 6, tcp(HOST, GUEST, rng.randrange(1024, 65536), 80,
                                              rng.choice([0x04, 0x10, 0x14, 0x11, 0x3F, 0x00]),
                                              seq=rng.randrange(1 << 32),
                                              ack=rng.randrange(1 << 32)))))


def connect_guest(name, rcvbuf=None):
    """A connection to the guest's port 80 once it listens, or None (said)."""
    for _ in range(300):
        try:
            s = socket.socket()
            if rcvbuf:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            s.settimeout(2)
            s.connect((GUEST, 80))
            return s
        except OSError:
            s.close()
            time.sleep(0.2)
    print("FAIL net_faults/%s: no connection" % name, flush=True)
    return None


def receive_all(s, name, n, piece, pause):
    """Reads until the guest closes, `piece` bytes a call with `pause`
    seconds between, and says whether it got the n bytes the guest's send
    mode writes."""
    s.settimeout(60)
    got = bytearray()
    try:
        while True:
            b = s.recv(piece)
            if not b:
                break
            got += b
            if pause:
                time.sleep(pause)
    except OSError as e:
        print("FAIL net_faults/%s: %s after %d bytes" % (name, e, len(got)), flush=True)
        return
    want = pattern(n)
    if bytes(got) == want:
        print("PASS net_faults/%s" % name, flush=True)
    else:
        print("FAIL net_faults/%s: %d of %d bytes, intact: %s"
              % (name, len(got), n, bytes(got) == want[:len(got)]), flush=True)


def drain(n):
    """The guest writes n bytes and exits: all of them must arrive."""
    # A small receive window that opens only as this side reads: what the
    # guest still holds when it exits cannot all leave at once.
    s = connect_guest("exit-drain", 4096)
    if s:
        receive_all(s, "exit-drain", n, 4096, 0)


def flap(n, tap):
    """The guest writes n bytes while this side reads slowly and takes the
    tap's link down three times for 0.4 s: frames the guest sends then are
    lost, and it must send them again; all must arrive, in order."""
    s = connect_guest("link-flap")
    if not s:
        return

    def toggle():
        time.sleep(0.3)
        for _ in range(3):
            subprocess.run(["ip", "link", "set", tap, "down"], check=False)
            time.sleep(0.4)
            subprocess.run(["ip", "link", "set", tap, "up"], check=False)
            time.sleep(0.4)

    t = threading.Thread(target=toggle)
    t.start()
    receive_all(s, "link-flap", n, 65536, 0.02)
    t.join()


def main():
    if len(sys.argv) > 5 and sys.argv[4] == "drain":
        drain(int(sys.argv[5]))
        return
    if len(sys.argv) > 5 and sys.argv[4] == "flap":
        flap(int(sys.argv[5]), sys.argv[1])
        return
    # A first request fills the ARP table with the guest's address.
    for _ in range(300):
        try:
            request(b"ECHO hello\n", timeout=2)
            break
        except OSError:
            time.sleep(0.2)
    w = Wire()
    check("before")
    for name, fn in (("garbage", attack_garbage), ("truncated", attack_truncated),
                     ("checksums", attack_checksums), ("lengths", attack_lengths),
                     ("options-fragments", attack_options_fragments),
                     ("syn-flood", attack_syn_flood), ("half-open", attack_half_open),
                     ("resets", attack_resets)):
        only = os.environ.get("NET_FAULTS_ONLY")
        if only and name not in only.split(","):
            continue
        try:
            fn(w)
        except OSError as e:
            print("FAIL net_faults/%s: the attack itself failed: %s" % (name, e), flush=True)
            continue
        check(name)
    try:
        r = request(b"QUIT\n")
    except OSError as e:
        r = repr(e).encode()
    print("quit: %s" % r.decode(errors="replace").strip(), flush=True)


main()
