"""The host side of tests/suites/net_offload.sh: drives net_offload_app.c.
  net_offload_peer.py ADDR4 ADDR6 PORT SIZE...
For each SIZE, over TCP to ADDR4 (and to ADDR6 for the sizes up to 1 MiB):
the guest sends SIZE bytes and their SHA-256, which must match; the host
sends SIZE random bytes, and the guest's SHA-256 of them must match. Then
UDP datagrams of several sizes to both addresses, each echoed intact. Prints
one line per check and the throughput of the largest transfer each way;
exits 0 when everything matched."""
import hashlib
import os
import struct
import socket
import sys
import time

PORT = 0


def connect(addr):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    deadline = time.monotonic() + 60
    while True:
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(120)
        try:
            s.connect(socket.getaddrinfo(addr, PORT, fam, socket.SOCK_STREAM)[0][4])
            return s
        except OSError:
            s.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def recv_exact(s, n):
    parts, got = [], 0
    while got < n:
        d = s.recv(min(1 << 20, n - got))
        if not d:
            raise RuntimeError("end of file after %d of %d bytes" % (got, n))
        parts.append(d)
        got += len(d)
    return b"".join(parts)


def guest_sends(addr, n):
    s = connect(addr)
    s.sendall(b"S %d\n" % n)
    first = s.recv(1)
    if not first:
        raise RuntimeError("no data")
    t0 = time.monotonic()
    data = first + recv_exact(s, n - 1)
    t1 = time.monotonic()
    digest = recv_exact(s, 64).decode()
    s.close()
    if hashlib.sha256(data).hexdigest() != digest:
        raise RuntimeError("guest->host %d bytes: SHA-256 differs" % n)
    return t1 - t0


def guest_receives(addr, n):
    data = os.urandom(n)
    s = connect(addr)
    s.sendall(b"R %d\n" % n)
    t0 = time.monotonic()
    s.sendall(data)
    if recv_exact(s, 1) != b"A":
        raise RuntimeError("no acknowledgement")
    t1 = time.monotonic()
    digest = recv_exact(s, 64).decode()
    s.close()
    if hashlib.sha256(data).hexdigest() != digest:
        raise RuntimeError("host->guest %d bytes: SHA-256 differs" % n)
    return t1 - t0


def udp_echo(addr, sizes):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    target = socket.getaddrinfo(addr, PORT, fam, socket.SOCK_DGRAM)[0][4]
    u = socket.socket(fam, socket.SOCK_DGRAM)
    u.settimeout(2)
    for n in sizes:
        msg = os.urandom(n)
        for attempt in range(5):
            u.sendto(msg, target)
            try:
                got = u.recv(65536)
            except socket.timeout:
                continue
            break
        else:
            raise RuntimeError("udp %s %d bytes: no echo" % (addr, n))
        if got != msg:
            raise RuntimeError("udp %s %d bytes: echo differs" % (addr, n))
        print("udp %s %d bytes echoed" % (addr, n))
    u.close()


def advertise(ifname, prefix):
    """Sends a router advertisement with PREFIX/64 for address
    autoconfiguration (and no default route) on IFNAME."""
    ra = struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 0, 0, 0)
    ra += struct.pack("!BBBBIII", 3, 4, 64, 0xC0, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    ra += socket.inet_pton(socket.AF_INET6, prefix)
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, socket.if_nametoindex(ifname))
    s.sendto(ra, ("ff02::1", 0, 0, socket.if_nametoindex(ifname)))
    s.close()


def tap_offloads(ifname):
    """What the guest's driver accepted, as QEMU set it on the tap: whether
    the host may hand it frames with partial checksums (GUEST_CSUM) and
    large TCP segments (GUEST_TSO4)."""
    import array
    import fcntl
    out = []
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for name, cmd in (("csum", 0x16), ("tso", 0x1E)):  # ETHTOOL_GTXCSUM, ETHTOOL_GTSO
        val = array.array("I", [cmd, 0])
        addr, _ = val.buffer_info()
        ifr = struct.pack("16sP", ifname.encode(), addr)
        fcntl.ioctl(s.fileno(), 0x8946, ifr)  # SIOCETHTOOL
        out.append("%s=%s" % (name, "on" if val[1] else "off"))
    s.close()
    return " ".join(out)


def frames_from_guest(ifname):
    """Frames the guest has sent through the tap so far (the tap receives
    what QEMU writes to it)."""
    with open("/sys/class/net/%s/statistics/rx_packets" % ifname) as f:
        return int(f.read())


def main():
    global PORT
    a4, a6, PORT = sys.argv[1], sys.argv[2], int(sys.argv[3])
    # ADDR6 is PREFIX::IID%IFNAME: the guest learns PREFIX from an
    # advertisement once it is up (its first connection has been accepted).
    ifname = a6.split("%")[1]
    a6 = a6.split("%")[0]
    connect(a4).close()
    offloads = tap_offloads(ifname)
    print("tap offloads: %s" % offloads)
    advertise(ifname, a6.rsplit("::", 1)[0] + "::")
    sizes = [int(x) for x in sys.argv[4:]]
    big = max(sizes)
    for addr in (a4, a6):
        for n in sizes:
            before = frames_from_guest(ifname)
            t = guest_sends(addr, n)
            frames = frames_from_guest(ifname) - before
            print("tcp %s guest->host %d bytes sha256 ok" % (addr, n))
            if n == big:
                print("throughput guest->host %.2f MiB/s (%d bytes, %s)" % (n / t / 1048576, n, addr))
                print("frames guest->host %d for %d bytes (%s)" % (frames, n, addr))
                # With the device's checksum offload the driver gathers a
                # burst's segments into large frames: on average at least
                # two segments' worth each.
                if "csum=on" in offloads and frames * 2 * 1460 > n:
                    raise RuntimeError("guest->host %d bytes took %d frames: not gathered" % (n, frames))
            t = guest_receives(addr, n)
            print("tcp %s host->guest %d bytes sha256 ok" % (addr, n))
            if n == big:
                print("throughput host->guest %.2f MiB/s (%d bytes, %s)" % (n / t / 1048576, n, addr))
    udp_echo(a4, [1, 512, 1472, 1473, 8000])
    udp_echo(a6, [1, 512, 1452, 1453, 8000])
    s = connect(a4)
    s.sendall(b"Q\n")
    s.close()
    print("peer: all checks passed")


try:
    main()
except Exception as e:  # noqa: BLE001 - any failure is the test's failure
    sys.exit("peer: %s" % e)
