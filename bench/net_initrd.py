"""Writes the Linux guest's initrd for bench/net.sh: an uncompressed newc
cpio archive with /dev/console, /init, /modules/NN-NAME.ko (loaded by /init
in name order) and the programs under test, written here so no tool and no
root are needed for the device node.

    python3 bench/net_initrd.py OUT INIT MODULE.ko... -- PROGRAM...

PROGRAMs go to the root under their own base names; a PROGRAM that is a
directory puts what it holds at the root (a program's files, e.g. nginx's
configuration and document root), with its files' and directories' modes.
"""
import os
import sys


def entry(ino, name, mode, data=b"", rdev=(0, 0)):
    name = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(name), 0]
    out = b"070701" + b"".join(b"%08X" % f for f in fields) + name
    out += b"\0" * (-len(out) % 4) + data
    return out + b"\0" * (-len(out) % 4)


def main():
    out, init, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
    sep = rest.index("--") if "--" in rest else len(rest)
    modules, programs = rest[:sep], rest[sep + 1:]
    parts = [entry(1, "dev", 0o040755), entry(2, "dev/console", 0o020600, rdev=(5, 1)),
             entry(3, "modules", 0o040755),
             entry(4, "init", 0o100755, open(init, "rb").read())]
    ino = 5
    for i, path in enumerate(modules):
        name = "modules/%02d-%s" % (i, os.path.basename(path))
        parts.append(entry(ino, name, 0o100644, open(path, "rb").read()))
        ino += 1
    for path in programs:
        if not os.path.isdir(path):
            parts.append(entry(ino, os.path.basename(path), 0o100755, open(path, "rb").read()))
            ino += 1
            continue
        for top, dirs, files in os.walk(path):
            dirs.sort()
            rel = os.path.relpath(top, path)
            for name in dirs + sorted(files):
                full = os.path.join(top, name)
                st = os.stat(full)
                name = os.path.normpath(os.path.join(rel, name))
                data = b"" if os.path.isdir(full) else open(full, "rb").read()
                parts.append(entry(ino, name, st.st_mode, data))
                ino += 1
    parts.append(entry(0, "TRAILER!!!", 0))
    archive = b"".join(parts)
    with open(out, "wb") as f:
        f.write(archive + b"\0" * (-len(archive) % 512))


main()
