// File systems whose tree is a table in the kernel and whose files are text
// the kernel writes when they are read: procfs and sysfs. A directory is a
// fixed list of entries plus, optionally, numbered entries (pids, tids,
// fds) that exist while what they name does. A file's text is made when a
// read starts at offset 0 (or at the first read) into a kernel buffer, and
// later reads continue in that snapshot, as Linux's seq_file does; stat
// reports size 0.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lib/text.h"
#include "vfs/vfs.h"

namespace uk::vfs::pseudo {

/// What a node describes: the process, the thread (0: the process as a
/// whole) and a number (an fd).
struct Ctx {
    int32_t pid = 0;
    int32_t tid = 0;
    int64_t num = -1;
};

struct Entry;

/// A directory's entries.
struct Dir {
    const Entry* fixed; // an array of nfixed entries
    size_t nfixed;
    /// The entry each number stands for (its name is the number); nullptr
    /// when the directory has no numbered entries.
    const Entry* each;
    /// The smallest number >= from that exists, or -1.
    long (*next)(const Ctx& ctx, long from);
    /// The context of number n's entry, from the directory's.
    void (*bind)(Ctx& ctx, long n);
};

/// One name in the tree. Exactly one of dir, show, link is set.
struct Entry {
    const char* name;
    uint32_t mode; // type and permission bits
    const Dir* dir = nullptr;
    /// A file: appends its text. Returns 0 or -errno (read fails with it).
    long (*show)(Text& out, const Ctx& ctx) = nullptr;
    /// A file that takes writes: what one write(2) gave. Returns 0 or
    /// -errno. Without it, writes fail with EINVAL as on Linux.
    long (*store)(const Ctx& ctx, const char* data, size_t len) = nullptr;
    /// A symbolic link: appends its target.
    long (*link)(Text& out, const Ctx& ctx) = nullptr;
    /// A magic link: the node it stands for (Node::follow).
    long (*follow)(const Ctx& ctx, Node** node, Mount** mnt) = nullptr;
    /// The mode when it depends on the context (an fd link's permissions
    /// say how the fd was opened); nullptr: `mode`.
    uint32_t (*mode_of)(const Ctx& ctx) = nullptr;
};

/// Makes a file system whose root directory is `root`, of type `type`
/// (/proc/mounts) with statfs magic `magic`. Returns 0 or -ENOMEM.
long make(const Entry* root, const char* type, uint64_t magic, FileSystem** out);

/// Parses a decimal number without sign or leading zeros ("0" alone is
/// fine): the value, or -1.
long parse_number(Name name);

} // namespace uk::vfs::pseudo
