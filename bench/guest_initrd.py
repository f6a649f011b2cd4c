"""Writes a Linux guest's initrd for the benches (bench/apps.sh,
bench/console.sh, bench/linux_guest.sh): an uncompressed newc cpio archive
with /dev/console, /init and host files at their own paths, written here so
no tool and no root are needed for the device node.

    python3 bench/guest_initrd.py OUT INIT [--exclude NAME]... [PATH[=DEST]...]

A PATH goes in at its own path, or at DEST when one is given. A PATH that is a directory goes in with everything under it except
directories named by --exclude; symbolic links are followed, so a library
named through a link is stored as a file under that name. Parent
directories are added as needed.
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
    exclude, paths = set(), []
    while rest:
        arg = rest.pop(0)
        if arg == "--exclude":
            exclude.add(rest.pop(0))
        else:
            paths.append(arg)
    parts = [entry(1, "dev", 0o040755), entry(2, "dev/console", 0o020600, rdev=(5, 1)),
             entry(3, "init", 0o100755, open(init, "rb").read())]
    seen = {"dev", "dev/console", "init"}
    ino = [4]

    def add(name, mode, data=b""):
        if name in seen:
            return
        parent = os.path.dirname(name)
        if parent:
            add(parent, 0o040755)
        seen.add(name)
        parts.append(entry(ino[0], name, mode, data))
        ino[0] += 1

    for path in paths:
        path, _, dest = path.partition("=")
        name = os.path.normpath(dest or path).lstrip("/")
        if not os.path.isdir(path):
            add(name, os.stat(path).st_mode, open(path, "rb").read())
            continue
        add(name, os.stat(path).st_mode)
        for top, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if d not in exclude)
            rel = os.path.normpath(os.path.join(name, os.path.relpath(top, path)))
            for d in dirs:
                add(os.path.join(rel, d), os.stat(os.path.join(top, d)).st_mode)
            for f in sorted(files):
                full = os.path.join(top, f)
                if os.path.exists(full):
                    add(os.path.join(rel, f), os.stat(full).st_mode, open(full, "rb").read())
    parts.append(entry(0, "TRAILER!!!", 0))
    archive = b"".join(parts)
    with open(out, "wb") as f:
        f.write(archive + b"\0" * (-len(archive) % 512))


main()
