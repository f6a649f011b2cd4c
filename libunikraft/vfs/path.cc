// Path lookup. Components are looked up one at a time in the directory
// reached so far; "." and ".." are the VFS's own (".." through the parent
// links and across mounts), and a symbolic link is resolved by splicing
// its target in front of the rest of the path.
#include "vfs/path.h"

#include "lib/errno.h"
#include "mm/user.h"
#include "vfs/fd.h"

namespace uk::vfs {

size_t cstr_len(const char* s);

namespace {

constinit Location g_cwd{};

// Takes a reference to loc's node.
Location hold(const Location& loc) {
    if (loc.node)
        loc.node->get();
    return loc;
}

// Where a relative path starts: the working directory or dirfd's directory.
long start_at(long dirfd, const char* path, Location* out) {
    // Linux takes a directory fd as an int: the upper half of the
    // register is not looked at.
    dirfd = int(dirfd);
    if (path[0] == '/') {
        Mount* r = root_mount();
        *out = hold(Location{r->fs->root, r});
        return 0;
    }
    if (dirfd == at_fdcwd) {
        *out = hold(g_cwd);
        return 0;
    }
    FileRef f(dirfd);
    if (!f || !f->node)
        return -EBADF;
    *out = hold(Location{f->node, f->mount});
    return 0;
}

// Moves loc to its parent: out of mounts whose root it is, then up one
// directory (staying at the root of everything).
void go_up(Location* loc) {
    Mount* root = root_mount();
    for (;;) {
        if (loc->node == root->fs->root && loc->mount == root)
            return;
        if (loc->node != loc->mount->fs->root)
            break;
        Node* covered = loc->mount->covered;
        covered->get();
        loc->node->put();
        *loc = Location{covered, loc->mount->parent};
    }
    if (Node* p = loc->node->parent) {
        p->get();
        loc->node->put();
        loc->node = p;
    }
}

// Moves loc onto the root of whatever is mounted on it.
void cross_mounts(Location* loc) {
    while (loc->node->mounted) {
        Mount* m = loc->node->mounted;
        m->fs->root->get();
        loc->node->put();
        *loc = Location{m->fs->root, m};
    }
}

// Records dir as the parent of the directory `child` found under `name`.
void note_parent(Node* dir, Node* child, Name name) {
    if (!is_dir(child->mode) || child->parent || child == child->fs->root)
        return;
    auto* copy = static_cast<char*>(kheap_alloc(name.n + 1, 1));
    if (!copy)
        return;
    __builtin_memcpy(copy, name.p, name.n);
    copy[name.n] = '\0';
    dir->get();
    child->parent = dir;
    child->dname = copy;
    child->dname_len = name.n;
}

// The walk itself. With `parent` set, stops before the last component
// and reports it there.
long walk(long dirfd, const char* path, unsigned flags, Location* out, Parent* parent,
          Parent* named = nullptr) {
    Location cur;
    if (long r = start_at(dirfd, path, &cur))
        return r;
    // Symbolic links splice their target in front of the rest of the path;
    // the result lives in one of two heap buffers used in turn.
    char* bufs[2] = {nullptr, nullptr};
    int which = 0;
    int links = 0;
    const char* p = path;
    long r = 0;
    bool trailing = false;
    for (;;) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char* end = p;
        while (*end && *end != '/')
            end++;
        Name comp{p, size_t(end - p)};
        const char* rest = end;
        while (*rest == '/')
            rest++;
        bool last = !*rest;
        trailing = last && *end == '/';
        if (comp.n > name_max) {
            r = -ENAMETOOLONG;
            break;
        }
        if (!is_dir(cur.node->mode)) {
            r = -ENOTDIR;
            break;
        }
        if (parent && last) {
            parent->dir = cur;
            parent->last = comp;
            parent->trailing_slash = trailing;
            cur.node = nullptr;
            // After a symlink `last` points into a buffer freed below:
            // the caller gets a copy of its own.
            if (bufs[0] || bufs[1]) {
                char* keep = static_cast<char*>(kheap_alloc(comp.n + 1, 1));
                if (!keep) {
                    r = -ENOMEM;
                    parent->dir.release();
                    break;
                }
                __builtin_memcpy(keep, comp.p, comp.n);
                keep[comp.n] = '\0';
                parent->last.p = keep;
                parent->owned = keep;
            }
            break;
        }
        if (comp.is(".")) {
            p = rest;
            continue;
        }
        if (comp.is("..")) {
            go_up(&cur);
            p = rest;
            continue;
        }
        if (long a = check_access(cur.node, 1)) {
            r = a;
            break;
        }
        Node* child = nullptr;
        if (long e = cur.node->lookup(comp, &child)) {
            r = e;
            break;
        }
        note_parent(cur.node, child, comp);
        Location next{child, cur.mount};
        cross_mounts(&next);
        if (is_lnk(next.node->mode) && (!last || (flags & lk_follow) || trailing)) {
            if (++links > symlink_max) {
                next.release();
                r = -ELOOP;
                break;
            }
            Node* jump = nullptr;
            Mount* jump_mount = nullptr;
            if (next.node->follow(&jump, &jump_mount) == 0) {
                next.release();
                cur.release();
                cur = Location{jump, jump_mount};
                p = rest;
                continue;
            }
            char*& buf = bufs[which];
            if (!buf)
                buf = static_cast<char*>(kheap_alloc(2 * path_max, 1));
            if (!buf) {
                next.release();
                r = -ENOMEM;
                break;
            }
            long n = next.node->readlink(buf, path_max);
            next.release();
            if (n < 0) {
                r = n;
                break;
            }
            if (n == 0) {
                r = -ENOENT;
                break;
            }
            size_t rest_len = cstr_len(rest);
            if (size_t(n) + 1 + rest_len + (trailing ? 1 : 0) >= 2 * path_max) {
                r = -ENAMETOOLONG;
                break;
            }
            size_t at = size_t(n);
            if (rest_len || trailing)
                buf[at++] = '/';
            __builtin_memcpy(buf + at, rest, rest_len);
            buf[at + rest_len] = '\0';
            if (buf[0] == '/') {
                cur.release();
                Mount* rm = root_mount();
                cur = hold(Location{rm->fs->root, rm});
            }
            p = buf;
            which ^= 1;
            continue;
        }
        if (named && last) {
            // The directory and name the result was found under.
            named->release();
            auto* keep = static_cast<char*>(kheap_alloc(comp.n + 1, 1));
            if (keep) {
                __builtin_memcpy(keep, comp.p, comp.n);
                keep[comp.n] = '\0';
                named->dir = cur;
                named->last = Name{keep, comp.n};
                named->owned = keep;
                cur.node = nullptr;
            }
        }
        cur.release();
        cur = next;
        p = rest;
    }
    kheap_free(bufs[0]);
    kheap_free(bufs[1]);
    if (r) {
        cur.release();
        return r;
    }
    if (parent) {
        if (cur.node) {
            // The path had no last component ("/", "." or only slashes).
            parent->dir = cur;
            parent->last = Name{p, 0};
        }
        return 0;
    }
    if ((trailing || (flags & lk_directory)) && !is_dir(cur.node->mode)) {
        cur.release();
        return -ENOTDIR;
    }
    *out = cur;
    return 0;
}

} // namespace

long lookup(long dirfd, const char* path, unsigned flags, Location* out) {
    dirfd = int(dirfd);
    if (!*path) {
        if (!(flags & lk_empty_ok))
            return -ENOENT;
        if (dirfd == at_fdcwd) {
            *out = hold(g_cwd);
            return 0;
        }
        FileRef f(dirfd);
        if (!f)
            return -EBADF;
        if (!f->node)
            return -EBADF;
        *out = hold(Location{f->node, f->mount});
        return 0;
    }
    return walk(dirfd, path, flags, out, nullptr);
}

long lookup_named(long dirfd, const char* path, unsigned flags, Location* out, Parent* named) {
    if (!*path)
        return lookup(dirfd, path, flags, out);
    long r = walk(dirfd, path, flags, out, nullptr, named);
    if (r)
        named->release();
    return r;
}

long Node::follow(Node**, Mount**) {
    return -EINVAL;
}

namespace {

// Appends the strings to the NUL-terminated text in buf, which ends at
// `at`. Returns the length with the NUL, or -ERANGE.
long append(char* buf, size_t len, size_t at, const char* a, const char* b) {
    const char* parts[2] = {a, b};
    for (const char* t : parts)
        for (; *t; t++) {
            if (at + 1 >= len)
                return -ERANGE;
            buf[at++] = *t;
        }
    buf[at] = '\0';
    return long(at + 1);
}

} // namespace

long file_path(File* f, char* buf, size_t len) {
    if (!f->node)
        return -ENOENT;
    if (!f->mount) {
        // A file in no mount (memfd_create's): "/" and its name, deleted.
        if (!f->name || len < 2)
            return -ENOENT;
        buf[0] = '/';
        return append(buf, len, 1, f->name, " (deleted)");
    }
    if (is_dir(f->node->mode) || !f->dir)
        return path_of(Location{f->node, f->mount}, buf, len);
    long n = path_of(Location{f->dir, f->dir_mount}, buf, len);
    if (n < 0)
        return n;
    size_t at = size_t(n) - 1; // at the NUL
    if (at > 1) {
        if (at + 1 >= len)
            return -ERANGE;
        buf[at++] = '/';
    }
    return append(buf, len, at, f->name, f->node->nlink ? "" : " (deleted)");
}

long lookup_parent(long dirfd, const char* path, Parent* out) {
    if (!*path)
        return -ENOENT;
    return walk(dirfd, path, 0, nullptr, out);
}

void Parent::release() {
    dir.release();
    kheap_free(owned);
    owned = nullptr;
}

long copy_path(uint64_t user_path, char* buf, bool empty_ok) {
    long n = mm::read_user_string(mm::UserPtr<const char>(user_path), buf, path_max);
    if (n == 0 && !empty_ok)
        return -ENOENT;
    return n;
}

Location cwd() {
    return hold(g_cwd);
}

void set_cwd(const Location& loc) {
    Location old = g_cwd;
    g_cwd = hold(loc);
    old.release();
}

long path_of(const Location& loc, char* buf, size_t len) {
    // Names from the node up to the root, written right to left.
    if (len < 2)
        return -ERANGE;
    size_t at = len - 1;
    buf[at] = '\0';
    Location cur = hold(loc);
    Mount* root = root_mount();
    long r = 0;
    if (is_dir(cur.node->mode) && cur.node->nlink == 0)
        r = -ENOENT;
    while (!r && !(cur.node == root->fs->root && cur.mount == root)) {
        if (cur.node == cur.mount->fs->root) {
            // Out of the mount, onto the directory it covers.
            Node* covered = cur.mount->covered;
            covered->get();
            cur.node->put();
            cur = Location{covered, cur.mount->parent};
            continue;
        }
        if (!cur.node->parent) {
            r = -ENOENT;
            break;
        }
        size_t n = cur.node->dname_len;
        if (n + 1 > at) {
            r = -ERANGE;
            break;
        }
        at -= n;
        __builtin_memcpy(buf + at, cur.node->dname, n);
        buf[--at] = '/';
        go_up(&cur);
    }
    cur.release();
    if (r)
        return r;
    if (at == len - 1)
        buf[--at] = '/';
    size_t total = len - at;
    __builtin_memmove(buf, buf + at, total);
    return long(total);
}

long check_access(Node* node, int want) {
    // The app runs as root: reading and writing are always allowed (a
    // read-only mount is the caller's check); executing needs an x bit,
    // except to search a directory.
    if ((want & 1) && !is_dir(node->mode) && !(node->mode & 0111))
        return -EACCES;
    return 0;
}

} // namespace uk::vfs
