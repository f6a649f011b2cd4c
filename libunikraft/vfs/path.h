// Path lookup: names to nodes, from the root, the working directory or a
// directory fd, through mounts and symbolic links.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "vfs/vfs.h"

namespace uk::vfs {

/// Linux's limits.
inline constexpr size_t path_max = 4096, name_max = 255;
inline constexpr int symlink_max = 40;
inline constexpr long at_fdcwd = -100;

/// Where a lookup ended: a node and the mount it is in.
struct Location {
    Node* node = nullptr; // a reference when set
    Mount* mount = nullptr;
    void release() {
        if (node)
            node->put();
        node = nullptr;
    }
};

/// Lookup flags.
inline constexpr unsigned lk_follow = 1, // follow a symlink in the last component
    lk_directory = 2,                    // the result must be a directory (a trailing '/')
    lk_empty_ok = 4;                     // an empty path names the dirfd itself (AT_EMPTY_PATH)

/// Resolves a kernel path relative to dirfd (at_fdcwd: the working
/// directory). Returns 0 with *out set (a reference), or -ENOENT, -ENOTDIR,
/// -ELOOP, -ENAMETOOLONG, -EACCES, -EBADF.
long lookup(long dirfd, const char* path, unsigned flags, Location* out);

/// The parent of a path's last component and that component, for calls
/// that create or remove a name. *parent holds a reference. `last` points
/// into `path`; it is empty for "/" and "." and ".." are reported as such
/// (callers refuse them as Linux does). `trailing_slash` is set when the
/// path ended with '/'.
struct Parent {
    Location dir;
    Name last{nullptr, 0};
    bool trailing_slash = false;
    char* owned = nullptr; // the copy `last` points into after a symlink
    /// Drops the reference and the copy.
    void release();
};
long lookup_parent(long dirfd, const char* path, Parent* out);

/// Like lookup(), also reporting the directory that holds the result's
/// last name and that name in *named (release it), for open files to know
/// their path. An empty path reports nothing.
long lookup_named(long dirfd, const char* path, unsigned flags, Location* out, Parent* named);

/// The absolute path of what f was opened as, with " (deleted)" once its
/// last name is gone, as /proc/self/fd shows it. Returns the length with
/// the NUL, -ENOENT (an anonymous file) or -ERANGE.
long file_path(File* f, char* buf, size_t len);

/// Copies the app's path string into a kernel buffer of path_max bytes.
/// Returns its length, -EFAULT, -ENAMETOOLONG or -ENOENT (empty, unless
/// `empty_ok`).
long copy_path(uint64_t user_path, char* buf, bool empty_ok = false);

/// The working directory and root (set by chdir/fchdir).
Location cwd();
void set_cwd(const Location& loc); // takes a new reference of its own

/// Writes the absolute path of loc into buf (size len, NUL-terminated).
/// Returns the length with the NUL, -ERANGE when it does not fit, or
/// -ENOENT when the directory was removed.
long path_of(const Location& loc, char* buf, size_t len);

/// Permission check of `node` for the access bits in `want` (4 read,
/// 2 write, 1 exec/search) as uid 0 sees them (root: read and write always,
/// exec when any x bit is set or for directories).
long check_access(Node* node, int want);

} // namespace uk::vfs
