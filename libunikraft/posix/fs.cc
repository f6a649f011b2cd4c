// The calls that name files by path: open, stat, the directory calls,
// links, attributes, the working directory, mounts and memfd_create.
// Linux's checks come in Linux's order, so each bad argument gets the
// errno Linux gives it.
#include "arch/x86_64/sigframe.h"
#include "lib/errno.h"
#include "posix/process.h"
#include "posix/syscall.h"
#include "posix/user.h"
#include "vfs/fd.h"
#include "vfs/path.h"
#include "vfs/ramfs.h"

namespace uk::posix {

using namespace uk::vfs;

namespace {

constexpr long at_symlink_nofollow = 0x100, at_removedir = 0x200, at_eaccess = 0x200,
               at_symlink_follow = 0x400, at_no_automount = 0x800, at_empty_path = 0x1000,
               at_statx_sync_type = 0x6000;

constinit uint32_t g_umask = 022;

// The app's path in a kernel buffer.
struct PathBuf {
    char s[path_max];
};

bool readonly(const Location& loc) {
    return loc.mount && (loc.mount->fs->readonly || (loc.mount->flags & ms_rdonly));
}

bool is_dot(Name n) {
    return n.is(".") || n.is("..");
}

// Reports dir's child `name` (nullptr when it does not exist).
long child_of(Node* dir, Name name, Node** out) {
    *out = nullptr;
    long r = dir->lookup(name, out);
    return r == -ENOENT ? 0 : r;
}

long make_file(File* f, long flags) {
    return fd_install(f, flags & o_cloexec);
}

// ------------------------------------------------------------ open

long do_open(long dirfd, uint64_t upath, long flags_arg, long mode_arg) {
    uint32_t flags = uint32_t(flags_arg);
    PathBuf p;
    if (long n = copy_path(uint64_t(upath), p.s); n < 0)
        return n;
    if ((flags & o_tmpfile) == o_tmpfile) {
        if ((flags & o_accmode) == o_rdonly || (flags & o_creat))
            return -EINVAL;
    } else if ((flags & o_creat) && (flags & o_directory)) {
        return -EINVAL;
    }
    if (flags & o_path)
        flags &= o_path | o_directory | o_nofollow | o_cloexec;
    if ((flags & o_accmode) == 3 && !(flags & o_path))
        return -EINVAL;
    uint32_t mode = uint32_t(mode_arg) & 07777 & ~g_umask;
    bool want_write = (flags & o_accmode) != o_rdonly || (flags & o_trunc);

    if ((flags & o_tmpfile) == o_tmpfile) {
        Location dir;
        if (long r = lookup(dirfd, p.s, lk_follow | lk_directory, &dir))
            return r;
        long r = readonly(dir) ? -EROFS : 0;
        Node* n = nullptr;
        if (!r) {
            // An unnamed file: made under a private name and unlinked at
            // once, so linkat(AT_EMPTY_PATH) can name it later.
            char name[32];
            uint64_t id = next_ino();
            size_t len = 0;
            for (const char* s = ".tmpfile."; *s; s++)
                name[len++] = *s;
            for (int shift = 60; shift >= 0; shift -= 4)
                name[len++] = "0123456789abcdef"[(id >> shift) & 15];
            Name nm{name, len};
            r = dir.node->create(nm, s_ifreg | mode, 0, &n);
            if (!r)
                r = dir.node->unlink(nm, n, false);
        }
        File* f = nullptr;
        if (!r)
            r = open_node(n, dir.mount, (flags & ~o_tmpfile) | o_largefile, &f);
        if (n)
            n->put();
        dir.release();
        return r ? r : make_file(f, flags);
    }

    Location at;
    Parent named;
    long r;
    if ((flags & (o_creat | o_excl)) == (o_creat | o_excl))
        r = lookup(dirfd, p.s, 0, &at);
    else
        r = lookup_named(dirfd, p.s, (flags & o_nofollow) ? 0 : lk_follow, &at, &named);
    if (r == 0 && (flags & (o_creat | o_excl)) == (o_creat | o_excl)) {
        at.release();
        return -EEXIST;
    }
    if (r == -ENOENT && (flags & o_creat)) {
        Parent par;
        if (long e = lookup_parent(dirfd, p.s, &par))
            return e;
        Node* n = nullptr;
        if (par.trailing_slash || !par.last.n || is_dot(par.last)) {
            r = -EISDIR;
        } else if (readonly(par.dir)) {
            r = -EROFS;
        } else {
            r = par.dir.node->create(par.last, s_ifreg | mode, 0, &n);
            // A dangling symlink in the last place: Linux creates its
            // target; here it is reported as existing.
        }
        if (r) {
            par.release();
            return r;
        }
        at = Location{n, par.dir.mount};
        named = par;
        // named now owns the directory reference and the name copy.
        if (!named.owned) {
            auto* keep = static_cast<char*>(kheap_alloc(par.last.n + 1, 1));
            if (keep) {
                __builtin_memcpy(keep, par.last.p, par.last.n);
                keep[par.last.n] = '\0';
            }
            named.owned = keep;
        }
        // Created: O_TRUNC and the write-access checks below are moot.
        flags &= ~uint32_t(o_trunc);
        want_write = false;
    } else if (r) {
        return r;
    }
    Node* n = at.node;
    uint32_t type = n->mode & s_ifmt;
    if (type == s_iflnk && !(flags & o_path))
        r = -ELOOP;
    else if ((flags & o_directory) && type != s_ifdir)
        r = -ENOTDIR;
    else if (type == s_ifdir && ((flags & o_accmode) != o_rdonly || (flags & o_creat)) &&
             !(flags & o_path))
        r = -EISDIR;
    else if (want_write && (type == s_ifreg || type == s_ifdir) && readonly(at))
        r = -EROFS;
    if (!r && (flags & o_trunc) && type == s_ifreg && (flags & o_accmode) != o_rdonly) {
        SetAttr sa;
        sa.mask = SetAttr::size_bit;
        sa.size = 0;
        if (n->size != 0 || !ramfs::is_ramfs(n->fs))
            r = n->setattr(sa);
    }
    File* f = nullptr;
    if (!r)
        r = open_node(n, at.mount, flags | o_largefile, &f);
    at.release();
    if (r) {
        named.release();
        return r;
    }
    if (named.dir.node && named.owned) {
        f->set_origin(named.dir.node, named.dir.mount, named.owned);
        named.dir.node = nullptr;
        named.owned = nullptr;
    }
    named.release();
    return make_file(f, flags);
}

} // namespace

UK_SYSCALL(2, open) {
    return do_open(at_fdcwd, uint64_t(a1), a2, a3);
}
UK_SYSCALL(257, openat) {
    return do_open(a1, uint64_t(a2), a3, a4);
}
UK_SYSCALL(85, creat) {
    return do_open(at_fdcwd, uint64_t(a1), o_creat | o_wronly | o_trunc, a2);
}

UK_SYSCALL(437, openat2) {
    struct OpenHow {
        uint64_t flags, mode, resolve;
    };
    if (uint64_t(a4) < sizeof(OpenHow))
        return -EINVAL;
    OpenHow how;
    if (UserPtr<const OpenHow>(a3).read(&how))
        return -EFAULT;
    if (how.flags >> 32 || how.mode >> 12 || how.resolve)
        return -EINVAL;
    if (how.mode && !(how.flags & (o_creat | o_tmpfile)))
        return -EINVAL;
    return do_open(a1, uint64_t(a2), long(how.flags), long(how.mode));
}

// ------------------------------------------------------------ stat

namespace {

struct KStat {
    uint64_t dev, ino, nlink;
    uint32_t mode, uid, gid, pad0;
    uint64_t rdev;
    int64_t size, blksize, blocks;
    int64_t atime, atime_ns, mtime, mtime_ns, ctime, ctime_ns;
    int64_t unused[3];
};
static_assert(sizeof(KStat) == 144, "fixed by the Linux x86_64 ABI");

long put_stat(const Attr& a, uint64_t out) {
    KStat st{};
    st.dev = a.dev;
    st.ino = a.ino;
    st.nlink = a.nlink;
    st.mode = a.mode;
    st.uid = a.uid;
    st.gid = a.gid;
    st.rdev = a.rdev;
    st.size = int64_t(a.size);
    st.blksize = a.blksize;
    st.blocks = int64_t(a.blocks);
    st.atime = a.atime.sec;
    st.atime_ns = a.atime.nsec;
    st.mtime = a.mtime.sec;
    st.mtime_ns = a.mtime.nsec;
    st.ctime = a.ctime.sec;
    st.ctime_ns = a.ctime.nsec;
    return UserPtr<KStat>(out).put(st) ? -EFAULT : 0;
}

// What a path (or with AT_EMPTY_PATH an fd) names, for the *at calls
// that take AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH.
long resolve_at(long dirfd, uint64_t upath, long flags, bool follow_default, Location* out,
                PathBuf* p) {
    bool empty_ok = flags & at_empty_path;
    // A NULL path with AT_EMPTY_PATH names the fd (Linux 6.11 on).
    if (!upath && empty_ok) {
        p->s[0] = '\0';
    } else if (long n = copy_path(upath, p->s, empty_ok); n < 0) {
        return n;
    }
    bool follow = follow_default ? !(flags & at_symlink_nofollow) : (flags & at_symlink_follow);
    return lookup(dirfd, p->s, (follow ? lk_follow : 0) | (empty_ok ? lk_empty_ok : 0), out);
}

// With AT_EMPTY_PATH and an empty path, the fd's own answer (pipes and
// sockets have no node); sets *done when that applies.
long stat_fd_itself(long dirfd, uint64_t upath, long flags, Attr* a, bool* done) {
    *done = false;
    if (!(flags & at_empty_path) || int(dirfd) == at_fdcwd)
        return 0;
    if (upath) {
        char c;
        if (UserPtr<const char>(upath).read(&c))
            return -EFAULT;
        if (c)
            return 0;
    }
    *done = true;
    FileRef f(dirfd);
    return f ? f->stat(a) : -EBADF;
}

long stat_at(long dirfd, uint64_t upath, uint64_t out, long flags) {
    {
        Attr a;
        bool done;
        long r = stat_fd_itself(dirfd, upath, flags, &a, &done);
        if (done || r)
            return r ? r : put_stat(a, out);
    }
    PathBuf p;
    Location at;
    if (long r = resolve_at(dirfd, upath, flags, true, &at, &p))
        return r;
    Attr a;
    long r;
    if (!p.s[0] && int(dirfd) != at_fdcwd) {
        // The fd itself: anonymous files (pipes, sockets) answer for
        // themselves.
        FileRef f(dirfd);
        r = f ? f->stat(&a) : -EBADF;
    } else {
        r = at.node->getattr(&a);
    }
    at.release();
    return r ? r : put_stat(a, out);
}

} // namespace

UK_SYSCALL(4, stat) {
    return stat_at(at_fdcwd, uint64_t(a1), uint64_t(a2), 0);
}
UK_SYSCALL(6, lstat) {
    return stat_at(at_fdcwd, uint64_t(a1), uint64_t(a2), at_symlink_nofollow);
}
UK_SYSCALL(5, fstat) {
    FileRef f(a1);
    if (!f)
        return -EBADF;
    Attr a;
    if (long r = f->stat(&a))
        return r;
    return put_stat(a, uint64_t(a2));
}
UK_SYSCALL(262, newfstatat) {
    a4 = int(a4);
    if (a4 & ~(at_symlink_nofollow | at_no_automount | at_empty_path | at_statx_sync_type)) {
        PathBuf p;
        if (long n = copy_path(uint64_t(a2), p.s, true); n < 0)
            return n;
        return -EINVAL;
    }
    return stat_at(a1, uint64_t(a2), uint64_t(a3), a4);
}

UK_SYSCALL(332, statx) {
    a3 = int(a3);
    a4 = uint32_t(a4);
    struct Ts {
        int64_t sec;
        uint32_t nsec;
        int32_t pad;
    };
    struct Statx {
        uint32_t mask, blksize;
        uint64_t attributes;
        uint32_t nlink, uid, gid;
        uint16_t mode, pad1;
        uint64_t ino, size, blocks, attributes_mask;
        Ts atime, btime, ctime, mtime;
        uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
        uint64_t spare[14];
    };
    static_assert(sizeof(Statx) == 256, "struct statx");
    constexpr long statx_reserved = 0x80000000;
    if (a3 & ~(at_symlink_nofollow | at_no_automount | at_empty_path | at_statx_sync_type))
        return -EINVAL;
    if ((a3 & at_statx_sync_type) == at_statx_sync_type || (a4 & statx_reserved))
        return -EINVAL;
    Attr a;
    bool done;
    long r = stat_fd_itself(a1, uint64_t(a2), a3, &a, &done);
    if (!done && !r) {
        PathBuf p;
        Location at;
        if ((r = resolve_at(a1, uint64_t(a2), a3, true, &at, &p)) == 0) {
            r = at.node->getattr(&a);
            at.release();
        }
    }
    if (r)
        return r;
    Statx sx{};
    sx.mask = 0x7ff; // STATX_BASIC_STATS | STATX_BTIME
    sx.blksize = a.blksize;
    sx.nlink = a.nlink;
    sx.uid = a.uid;
    sx.gid = a.gid;
    sx.mode = uint16_t(a.mode);
    sx.ino = a.ino;
    sx.size = a.size;
    sx.blocks = a.blocks;
    sx.attributes_mask = 0;
    sx.atime = Ts{a.atime.sec, uint32_t(a.atime.nsec), 0};
    sx.btime = Ts{a.btime.sec, uint32_t(a.btime.nsec), 0};
    sx.ctime = Ts{a.ctime.sec, uint32_t(a.ctime.nsec), 0};
    sx.mtime = Ts{a.mtime.sec, uint32_t(a.mtime.nsec), 0};
    sx.rdev_major = dev_major(a.rdev);
    sx.rdev_minor = dev_minor(a.rdev);
    sx.dev_major = dev_major(a.dev);
    sx.dev_minor = dev_minor(a.dev);
    return UserPtr<Statx>(a5).put(sx) ? -EFAULT : 0;
}

UK_SYSCALL(217, getdents64) {
    FileRef f(a1);
    if (!f || (f->flags & o_path))
        return -EBADF;
    if (!mm::user_range_ok(uint64_t(a2), size_t(uint32_t(a3))))
        return -EFAULT;
    IoBuf buf = IoBuf::user(uint64_t(a2), size_t(uint32_t(a3)));
    return f->getdents(buf);
}

// ------------------------------------------------------------ directories

namespace {

// Makes the last name of `path` with make(dir, name) after Linux's checks
// (filename_create): "/", "." or ".." or an existing name is EEXIST, a
// trailing slash is ENOENT unless a directory is made, a read-only mount
// EROFS.
template <typename F> long create_name(long dirfd, const char* path, bool dir, F make) {
    Parent par;
    if (long r = lookup_parent(dirfd, path, &par))
        return r;
    long r;
    Node* existing = nullptr;
    if (!par.last.n || is_dot(par.last))
        r = -EEXIST;
    else if ((r = child_of(par.dir.node, par.last, &existing)) == 0 && existing)
        r = -EEXIST;
    else if (!r && par.trailing_slash && !dir)
        r = -ENOENT;
    else if (!r && readonly(par.dir))
        r = -EROFS;
    else if (!r)
        r = make(par.dir, par.last);
    if (existing)
        existing->put();
    par.release();
    return r;
}

// Creates a node of `mode` (type and permissions) under `name`.
long create_node(Node* dir, Name name, uint32_t mode, uint64_t rdev) {
    Node* n = nullptr;
    long r = dir->create(name, mode, rdev, &n);
    if (n)
        n->put();
    return r;
}

long do_mkdir(long dirfd, uint64_t upath, long mode) {
    PathBuf p;
    if (long n = copy_path(upath, p.s); n < 0)
        return n;
    return create_name(dirfd, p.s, true, [&](const Location& dir, Name name) {
        return create_node(dir.node, name, s_ifdir | (uint32_t(mode) & 07777 & ~g_umask), 0);
    });
}

long do_rmdir(long dirfd, uint64_t upath) {
    PathBuf p;
    if (long n = copy_path(upath, p.s); n < 0)
        return n;
    Parent par;
    if (long r = lookup_parent(dirfd, p.s, &par))
        return r;
    long r;
    Node* victim = nullptr;
    if (!par.last.n)
        r = -EBUSY;
    else if (par.last.is("."))
        r = -EINVAL;
    else if (par.last.is(".."))
        r = -ENOTEMPTY;
    else if (readonly(par.dir))
        r = -EROFS;
    else if ((r = par.dir.node->lookup(par.last, &victim)) == 0) {
        if (!is_dir(victim->mode))
            r = -ENOTDIR;
        else if (victim->mounted)
            r = -EBUSY;
        else
            r = par.dir.node->unlink(par.last, victim, true);
    }
    if (victim)
        victim->put();
    par.release();
    return r;
}

long do_unlink(long dirfd, uint64_t upath) {
    PathBuf p;
    if (long n = copy_path(upath, p.s); n < 0)
        return n;
    Parent par;
    if (long r = lookup_parent(dirfd, p.s, &par))
        return r;
    long r;
    Node* victim = nullptr;
    if (!par.last.n || is_dot(par.last))
        r = -EISDIR;
    else if (readonly(par.dir))
        r = -EROFS;
    else if ((r = par.dir.node->lookup(par.last, &victim)) == 0) {
        if (is_dir(victim->mode))
            r = -EISDIR;
        else if (par.trailing_slash)
            r = -ENOTDIR;
        else
            r = par.dir.node->unlink(par.last, victim, false);
    }
    if (victim)
        victim->put();
    par.release();
    return r;
}

} // namespace

UK_SYSCALL(83, mkdir) {
    return do_mkdir(at_fdcwd, uint64_t(a1), a2);
}
UK_SYSCALL(258, mkdirat) {
    return do_mkdir(a1, uint64_t(a2), a3);
}
UK_SYSCALL(84, rmdir) {
    return do_rmdir(at_fdcwd, uint64_t(a1));
}
UK_SYSCALL(87, unlink) {
    return do_unlink(at_fdcwd, uint64_t(a1));
}
UK_SYSCALL(263, unlinkat) {
    a3 = int(a3);
    if (a3 & ~at_removedir)
        return -EINVAL;
    return (a3 & at_removedir) ? do_rmdir(a1, uint64_t(a2)) : do_unlink(a1, uint64_t(a2));
}

namespace {

// True when `dir` is `node` or lies below it.
bool is_within(Location dir, Node* node) {
    Location cur = dir;
    cur.node->get();
    bool found = false;
    Mount* root = root_mount();
    for (;;) {
        if (cur.node == node) {
            found = true;
            break;
        }
        if (cur.node == root->fs->root && cur.mount == root)
            break;
        Node* up = cur.node == cur.mount->fs->root ? nullptr : cur.node->parent;
        if (!up)
            break;
        up->get();
        cur.node->put();
        cur.node = up;
    }
    cur.release();
    return found;
}

// Records that directory `n` now lives in `dir` under `name`.
void rename_dentry(Node* n, Node* dir, Name name) {
    if (!is_dir(n->mode) || !n->parent)
        return;
    auto* copy = static_cast<char*>(kheap_alloc(name.n + 1, 1));
    if (!copy)
        return;
    __builtin_memcpy(copy, name.p, name.n);
    copy[name.n] = '\0';
    kheap_free(n->dname);
    n->dname = copy;
    n->dname_len = name.n;
    if (n->parent != dir) {
        dir->get();
        n->parent->put();
        n->parent = dir;
    }
}

long do_rename(long olddirfd, uint64_t oldpath, long newdirfd, uint64_t newpath, long flags) {
    constexpr long rename_noreplace = 1, rename_exchange = 2, rename_whiteout = 4;
    if (flags & ~(rename_noreplace | rename_exchange | rename_whiteout))
        return -EINVAL;
    if ((flags & rename_exchange) && (flags & (rename_noreplace | rename_whiteout)))
        return -EINVAL;
    if (flags & rename_whiteout)
        return -EINVAL;
    PathBuf op, np;
    if (long n = copy_path(oldpath, op.s); n < 0)
        return n;
    if (long n = copy_path(newpath, np.s); n < 0)
        return n;
    Parent from, to;
    if (long r = lookup_parent(olddirfd, op.s, &from))
        return r;
    if (long r = lookup_parent(newdirfd, np.s, &to)) {
        from.release();
        return r;
    }
    long r = 0;
    Node* moving = nullptr;
    Node* target = nullptr;
    if (!from.last.n || !to.last.n || is_dot(from.last) || is_dot(to.last))
        r = -EBUSY;
    else if (from.dir.mount != to.dir.mount)
        r = -EXDEV;
    else if (readonly(from.dir))
        r = -EROFS;
    else if ((r = from.dir.node->lookup(from.last, &moving)) == 0 &&
             (r = child_of(to.dir.node, to.last, &target)) == 0) {
        if (from.dir.mount->fs != to.dir.mount->fs)
            r = -EXDEV;
        else if ((from.trailing_slash || to.trailing_slash) && !is_dir(moving->mode))
            r = -ENOTDIR;
        else if ((flags & rename_exchange) && !target)
            r = -ENOENT;
        else if (target && (flags & rename_noreplace))
            r = -EEXIST;
        else if (target == moving)
            r = 0;
        else if (target && !(flags & rename_exchange) && is_dir(moving->mode) &&
                 !is_dir(target->mode))
            r = -ENOTDIR;
        else if (target && !(flags & rename_exchange) && !is_dir(moving->mode) &&
                 is_dir(target->mode))
            r = -EISDIR;
        else if ((moving->mounted) || (target && target->mounted))
            r = -EBUSY;
        else if (is_dir(moving->mode) && is_within(to.dir, moving))
            r = -EINVAL;
        else if ((flags & rename_exchange) && is_dir(target->mode) && is_within(from.dir, target))
            r = -EINVAL;
        else if ((r = from.dir.node->rename(from.last, to.dir.node, to.last,
                                            flags & rename_exchange)) == 0) {
            rename_dentry(moving, to.dir.node, to.last);
            if (flags & rename_exchange)
                rename_dentry(target, from.dir.node, from.last);
        }
    }
    if (moving)
        moving->put();
    if (target)
        target->put();
    from.release();
    to.release();
    return r;
}

} // namespace

UK_SYSCALL(82, rename) {
    return do_rename(at_fdcwd, uint64_t(a1), at_fdcwd, uint64_t(a2), 0);
}
UK_SYSCALL(264, renameat) {
    return do_rename(a1, uint64_t(a2), a3, uint64_t(a4), 0);
}
UK_SYSCALL(316, renameat2) {
    a5 = uint32_t(a5);
    return do_rename(a1, uint64_t(a2), a3, uint64_t(a4), a5);
}

// ------------------------------------------------------------ links

namespace {

long do_link(long olddirfd, uint64_t oldpath, long newdirfd, uint64_t newpath, long flags) {
    if (flags & ~(at_symlink_follow | at_empty_path))
        return -EINVAL;
    PathBuf op, np;
    Location old;
    if (long r = resolve_at(olddirfd, oldpath, flags, false, &old, &op))
        return r;
    if (long n = copy_path(newpath, np.s); n < 0) {
        old.release();
        return n;
    }
    long r = create_name(newdirfd, np.s, false, [&](const Location& dir, Name name) -> long {
        if (!old.mount || old.mount->fs != dir.mount->fs)
            return -EXDEV;
        if (is_dir(old.node->mode))
            return -EPERM;
        if (old.node->nlink == 0 && old.node->open_files == 0)
            return -ENOENT;
        return dir.node->link(name, old.node);
    });
    old.release();
    return r;
}

long do_symlink(uint64_t target, long dirfd, uint64_t linkpath) {
    PathBuf t, p;
    long tn = copy_path(target, t.s);
    if (tn < 0)
        return tn;
    if (long n = copy_path(linkpath, p.s); n < 0)
        return n;
    return create_name(dirfd, p.s, false, [&](const Location& dir, Name name) {
        Node* n = nullptr;
        long r = dir.node->symlink(name, Name{t.s, size_t(tn)}, &n);
        if (n)
            n->put();
        return r;
    });
}

long do_readlink(long dirfd, uint64_t upath, uint64_t buf, long size) {
    PathBuf p;
    Location at;
    if (long r = resolve_at(dirfd, upath, at_empty_path, false, &at, &p))
        return r;
    long r;
    if (size <= 0) {
        r = -EINVAL;
    } else if (!is_lnk(at.node->mode)) {
        r = -EINVAL;
    } else {
        char* t = static_cast<char*>(kheap_alloc(path_max, 1));
        r = t ? at.node->readlink(t, path_max) : -ENOMEM;
        if (r > 0) {
            size_t n = size_t(r) < size_t(size) ? size_t(r) : size_t(size);
            r = UserPtr<char>(buf).write(t, n) ? -EFAULT : long(n);
        }
        kheap_free(t);
    }
    at.release();
    return r;
}

} // namespace

UK_SYSCALL(86, link) {
    return do_link(at_fdcwd, uint64_t(a1), at_fdcwd, uint64_t(a2), 0);
}
UK_SYSCALL(265, linkat) {
    a5 = int(a5);
    return do_link(a1, uint64_t(a2), a3, uint64_t(a4), a5);
}
UK_SYSCALL(88, symlink) {
    return do_symlink(uint64_t(a1), at_fdcwd, uint64_t(a2));
}
UK_SYSCALL(266, symlinkat) {
    return do_symlink(uint64_t(a1), a2, uint64_t(a3));
}
UK_SYSCALL(89, readlink) {
    // readlink() of an empty path is ENOENT, unlike readlinkat's fd form.
    PathBuf p;
    if (long n = copy_path(uint64_t(a1), p.s); n < 0)
        return n;
    return do_readlink(at_fdcwd, uint64_t(a1), uint64_t(a2), a3);
}
UK_SYSCALL(267, readlinkat) {
    return do_readlink(a1, uint64_t(a2), uint64_t(a3), a4);
}

// ------------------------------------------------------------ attributes

namespace {

long set_attr_at(long dirfd, uint64_t upath, long flags, const SetAttr& sa) {
    PathBuf p;
    Location at;
    if (long r = resolve_at(dirfd, upath, flags, true, &at, &p))
        return r;
    long r = readonly(at) ? -EROFS : at.node->setattr(sa);
    at.release();
    return r;
}

long set_attr_fd(long fd, const SetAttr& sa) {
    FileRef f(fd);
    if (!f)
        return -EBADF;
    if (!f->node)
        return 0;
    if (f->mount && (f->mount->fs->readonly || (f->mount->flags & ms_rdonly)))
        return -EROFS;
    return f->node->setattr(sa);
}

SetAttr mode_change(long mode) {
    SetAttr sa;
    sa.mask = SetAttr::mode_bit;
    sa.mode = uint32_t(mode) & 07777;
    return sa;
}

SetAttr owner_change(long uid, long gid) {
    SetAttr sa;
    if (uint32_t(uid) != UINT32_MAX) {
        sa.mask |= SetAttr::uid_bit;
        sa.uid = uint32_t(uid);
    }
    if (uint32_t(gid) != UINT32_MAX) {
        sa.mask |= SetAttr::gid_bit;
        sa.gid = uint32_t(gid);
    }
    return sa;
}

long truncate_node(Node* n, const Location* at, long len) {
    if (is_dir(n->mode))
        return -EISDIR;
    if (!is_reg(n->mode))
        return -EINVAL;
    if (at && readonly(*at))
        return -EROFS;
    SetAttr sa;
    sa.mask = SetAttr::size_bit;
    sa.size = uint64_t(len);
    return n->setattr(sa);
}

} // namespace

UK_SYSCALL(90, chmod) {
    return set_attr_at(at_fdcwd, uint64_t(a1), 0, mode_change(a2));
}
UK_SYSCALL(91, fchmod) {
    return set_attr_fd(a1, mode_change(a2));
}
UK_SYSCALL(268, fchmodat) {
    return set_attr_at(a1, uint64_t(a2), 0, mode_change(a3));
}
UK_SYSCALL(452, fchmodat2) {
    a4 = int(a4);
    if (a4 & ~(at_symlink_nofollow | at_empty_path))
        return -EINVAL;
    if (a4 & at_symlink_nofollow) {
        PathBuf p;
        Location at;
        if (long r = resolve_at(a1, uint64_t(a2), a4, true, &at, &p))
            return r;
        bool link = is_lnk(at.node->mode);
        at.release();
        if (link)
            return -EOPNOTSUPP;
    }
    return set_attr_at(a1, uint64_t(a2), a4, mode_change(a3));
}
UK_SYSCALL(92, chown) {
    return set_attr_at(at_fdcwd, uint64_t(a1), 0, owner_change(a2, a3));
}
UK_SYSCALL(94, lchown) {
    return set_attr_at(at_fdcwd, uint64_t(a1), at_symlink_nofollow, owner_change(a2, a3));
}
UK_SYSCALL(93, fchown) {
    return set_attr_fd(a1, owner_change(a2, a3));
}
UK_SYSCALL(260, fchownat) {
    a5 = int(a5);
    if (a5 & ~(at_symlink_nofollow | at_empty_path))
        return -EINVAL;
    return set_attr_at(a1, uint64_t(a2), a5, owner_change(a3, a4));
}

UK_SYSCALL(76, truncate) {
    PathBuf p;
    if (long n = copy_path(uint64_t(a1), p.s); n < 0)
        return n;
    if (a2 < 0)
        return -EINVAL;
    Location at;
    if (long r = lookup(at_fdcwd, p.s, lk_follow, &at))
        return r;
    long r = truncate_node(at.node, &at, a2);
    at.release();
    return r;
}

namespace {

constexpr int64_t utime_now = (1 << 30) - 1, utime_omit = (1 << 30) - 2;

// Turns utimensat's two timespecs (nullptr: both now) into a SetAttr.
long times_change(const Timespec* ts, SetAttr* sa) {
    Time t = now();
    sa->mask = SetAttr::ctime_bit;
    sa->ctime = t;
    for (int i = 0; i < 2; i++) {
        Time v = t;
        if (ts) {
            if (ts[i].nsec == utime_omit)
                continue;
            if (ts[i].nsec != utime_now) {
                if (ts[i].nsec < 0 || ts[i].nsec >= ns_per_s)
                    return -EINVAL;
                v = Time{ts[i].sec, ts[i].nsec};
            }
        }
        if (i == 0) {
            sa->mask |= SetAttr::atime_bit;
            sa->atime = v;
        } else {
            sa->mask |= SetAttr::mtime_bit;
            sa->mtime = v;
        }
    }
    return 0;
}

long do_utimens(long dirfd, uint64_t upath, const Timespec* ts, long flags) {
    if (flags & ~(at_symlink_nofollow | at_empty_path))
        return -EINVAL;
    SetAttr sa;
    if (long r = times_change(ts, &sa))
        return r;
    // Both omitted: nothing to do, not even a check of the path.
    if (ts && ts[0].nsec == utime_omit && ts[1].nsec == utime_omit)
        return 0;
    if (!upath)
        return int(dirfd) == at_fdcwd ? -EFAULT : set_attr_fd(dirfd, sa);
    return set_attr_at(dirfd, upath, flags, sa);
}

} // namespace

UK_SYSCALL(280, utimensat) {
    a4 = int(a4);
    Timespec ts[2];
    if (a3 && UserPtr<const Timespec>(a3).read(ts, 2))
        return -EFAULT;
    return do_utimens(a1, uint64_t(a2), a3 ? ts : nullptr, a4);
}
namespace {

// futimesat's and utimes's two timevals (NULL: now).
long futimes_at(long dirfd, uint64_t upath, long times) {
    Timeval tv[2];
    Timespec ts[2];
    if (times) {
        if (UserPtr<const Timeval>(times).read(tv, 2))
            return -EFAULT;
        for (int i = 0; i < 2; i++) {
            if (tv[i].usec < 0 || tv[i].usec >= 1000000)
                return -EINVAL;
            ts[i] = Timespec{tv[i].sec, tv[i].usec * 1000};
        }
    }
    return do_utimens(dirfd, upath, times ? ts : nullptr, 0);
}

} // namespace

UK_SYSCALL(235, utimes) {
    return futimes_at(at_fdcwd, uint64_t(a1), a2);
}
UK_SYSCALL(261, futimesat) {
    return futimes_at(a1, uint64_t(a2), a3);
}
UK_SYSCALL(132, utime) {
    struct Utimbuf {
        int64_t actime, modtime;
    };
    Utimbuf u;
    Timespec ts[2];
    if (a2) {
        if (UserPtr<const Utimbuf>(a2).read(&u))
            return -EFAULT;
        ts[0] = Timespec{u.actime, 0};
        ts[1] = Timespec{u.modtime, 0};
    }
    return do_utimens(at_fdcwd, uint64_t(a1), a2 ? ts : nullptr, 0);
}

uint32_t current_umask() {
    return g_umask;
}

UK_SYSCALL(95, umask) {
    uint32_t old = g_umask;
    g_umask = uint32_t(a1) & 0777;
    return old;
}

namespace {

long do_access(long dirfd, uint64_t upath, long mode, long flags) {
    if (mode & ~7L)
        return -EINVAL;
    if (flags & ~(at_eaccess | at_symlink_nofollow | at_empty_path))
        return -EINVAL;
    PathBuf p;
    Location at;
    if (long r = resolve_at(dirfd, upath, flags, true, &at, &p))
        return r;
    long r = 0;
    uint32_t type = at.node->mode & s_ifmt;
    if ((mode & 2) && readonly(at) && (type == s_ifreg || type == s_ifdir || type == s_iflnk))
        r = -EROFS;
    else if (mode & 1)
        r = check_access(at.node, 1);
    at.release();
    return r;
}

} // namespace

UK_SYSCALL(21, access) {
    a2 = int(a2);
    return do_access(at_fdcwd, uint64_t(a1), a2, 0);
}
UK_SYSCALL(269, faccessat) {
    a3 = int(a3);
    return do_access(a1, uint64_t(a2), a3, 0);
}
UK_SYSCALL(439, faccessat2) {
    a3 = int(a3);
    a4 = int(a4);
    return do_access(a1, uint64_t(a2), a3, a4);
}

// ------------------------------------------------------------ the working directory

UK_SYSCALL(80, chdir) {
    PathBuf p;
    if (long n = copy_path(uint64_t(a1), p.s); n < 0)
        return n;
    Location at;
    if (long r = lookup(at_fdcwd, p.s, lk_follow | lk_directory, &at))
        return r;
    set_cwd(at);
    at.release();
    return 0;
}

UK_SYSCALL(81, fchdir) {
    FileRef f(a1);
    if (!f)
        return -EBADF;
    if (!f->node || !is_dir(f->node->mode))
        return -ENOTDIR;
    set_cwd(Location{f->node, f->mount});
    return 0;
}

UK_SYSCALL(79, getcwd) {
    char* buf = static_cast<char*>(kheap_alloc(path_max, 1));
    if (!buf)
        return -ENOMEM;
    Location here = cwd();
    long n = path_of(here, buf, path_max);
    here.release();
    if (n > 0 && uint64_t(n) > uint64_t(a2))
        n = -ERANGE;
    if (n > 0 && UserPtr<char>(a1).write(buf, size_t(n)))
        n = -EFAULT;
    kheap_free(buf);
    return n;
}

// ------------------------------------------------------------ nodes of other kinds

namespace {

long do_mknod(long dirfd, uint64_t upath, long mode_arg, long dev) {
    uint32_t mode = uint32_t(mode_arg);
    uint32_t type = mode & s_ifmt;
    if (type == 0)
        type = s_ifreg;
    if (type == s_ifdir)
        return -EPERM;
    if (type != s_ifreg && type != s_ififo && type != s_ifchr && type != s_ifblk &&
        type != s_ifsock)
        return -EINVAL;
    PathBuf p;
    if (long n = copy_path(upath, p.s); n < 0)
        return n;
    // The 32-bit dev_t of the system call: major in bits 8..19, minor in
    // 0..7 and 20..31.
    uint32_t d = (type == s_ifchr || type == s_ifblk) ? uint32_t(dev) : 0;
    uint64_t rdev = make_dev((d >> 8) & 0xfff, (d & 0xff) | ((d >> 12) & ~0xffu));
    return create_name(dirfd, p.s, false, [&](const Location& dir, Name name) {
        return create_node(dir.node, name, type | (mode & 07777 & ~g_umask), rdev);
    });
}

} // namespace

UK_SYSCALL(133, mknod) {
    return do_mknod(at_fdcwd, uint64_t(a1), a2, a3);
}
UK_SYSCALL(259, mknodat) {
    return do_mknod(a1, uint64_t(a2), a3, a4);
}

// ------------------------------------------------------------ file systems

namespace {

struct KStatfs {
    int64_t type, bsize, blocks, bfree, bavail, files, ffree;
    int32_t fsid[2];
    int64_t namelen, frsize, flags, spare[4];
};
static_assert(sizeof(KStatfs) == 120, "struct statfs on x86_64");

long put_statfs(Mount* m, uint64_t out) {
    StatFs s;
    if (long r = m->fs->statfs(&s))
        return r;
    KStatfs k{};
    k.type = int64_t(s.type);
    k.bsize = int64_t(s.bsize);
    k.blocks = int64_t(s.blocks);
    k.bfree = int64_t(s.bfree);
    k.bavail = int64_t(s.bavail);
    k.files = int64_t(s.files);
    k.ffree = int64_t(s.ffree);
    k.fsid[0] = int32_t(m->fs->dev);
    k.namelen = int64_t(s.namelen);
    k.frsize = int64_t(s.frsize);
    // ST_VALID, and ST_RDONLY/NOSUID/NODEV/NOEXEC from the mount.
    k.flags = 0x20 | int64_t(m->flags & (ms_rdonly | ms_nosuid | ms_nodev | ms_noexec)) |
              (m->fs->readonly ? 1 : 0);
    return UserPtr<KStatfs>(out).put(k) ? -EFAULT : 0;
}

} // namespace

UK_SYSCALL(137, statfs) {
    PathBuf p;
    if (long n = copy_path(uint64_t(a1), p.s); n < 0)
        return n;
    Location at;
    if (long r = lookup(at_fdcwd, p.s, lk_follow, &at))
        return r;
    long r = put_statfs(at.mount, uint64_t(a2));
    at.release();
    return r;
}

UK_SYSCALL(138, fstatfs) {
    FileRef f(a1);
    if (!f)
        return -EBADF;
    if (!f->mount)
        return put_statfs(root_mount(), uint64_t(a2));
    return put_statfs(f->mount, uint64_t(a2));
}

UK_SYSCALL(165, mount) {
    PathBuf target;
    char source[256] = "", type[64] = "", data[1024] = "";
    if (a1) {
        long n = mm::read_user_string(UserPtr<const char>(a1), source, sizeof source);
        if (n < 0)
            return n;
    }
    if (long n = copy_path(uint64_t(a2), target.s); n < 0)
        return n;
    unsigned long flags = uint64_t(a4);
    // The magic number old programs pass in the top half.
    if ((flags & 0xffff0000) == 0xc0ed0000)
        flags &= 0xffff;
    if (a5) {
        long n = mm::read_user_string(UserPtr<const char>(a5), data, sizeof data);
        if (n == -ENAMETOOLONG)
            data[sizeof data - 1] = '\0';
        else if (n < 0)
            return n;
    }
    if (flags & ms_remount) {
        Location at;
        if (long r = lookup(at_fdcwd, target.s, lk_follow, &at))
            return r;
        long r = at.node == at.mount->fs->root ? 0 : -EINVAL;
        if (!r) {
            at.mount->flags = (at.mount->flags & ~ms_rdonly) | (flags & ms_rdonly);
            at.mount->fs->readonly = flags & ms_rdonly;
        }
        at.release();
        return r;
    }
    if (flags & ms_bind)
        return -EINVAL;
    if (!a3)
        return -EINVAL;
    if (long n = mm::read_user_string(UserPtr<const char>(a3), type, sizeof type); n < 0)
        return n == -ENAMETOOLONG ? -ENODEV : n;
    return vfs::mount(source, target.s, type,
                      flags & (ms_rdonly | ms_nosuid | ms_nodev | ms_noexec), data);
}

UK_SYSCALL(166, umount2) {
    if (a2 & ~long(15))
        return -EINVAL;
    PathBuf target;
    if (long n = copy_path(uint64_t(a1), target.s); n < 0)
        return n;
    return vfs::umount(target.s);
}

// ------------------------------------------------------------ memfd

UK_SYSCALL(319, memfd_create) {
    constexpr long mfd_cloexec = 1, mfd_allow_sealing = 2, mfd_hugetlb = 4, mfd_noexec_seal = 8,
                   mfd_exec = 0x10;
    char name[250];
    long n = mm::read_user_string(UserPtr<const char>(a1), name, sizeof name);
    if (n == -ENAMETOOLONG)
        return -EINVAL;
    if (n < 0)
        return n;
    if (a2 & ~(mfd_cloexec | mfd_allow_sealing | mfd_hugetlb | mfd_noexec_seal | mfd_exec))
        return -EINVAL;
    if ((a2 & mfd_hugetlb) || ((a2 & mfd_noexec_seal) && (a2 & mfd_exec)))
        return -EINVAL;
    // The file lives, unnamed, in a ramfs of its own.
    static constinit FileSystem* memfs = nullptr;
    if (!memfs) {
        if (long r = ramfs::make(MountArgs{"", 0, ""}, &memfs))
            return r;
        memfs->dev = 0xfffe;
    }
    Node* node = nullptr;
    char tmp[32] = "memfd.";
    uint64_t id = next_ino();
    size_t len = 6;
    for (int shift = 60; shift >= 0; shift -= 4)
        tmp[len++] = "0123456789abcdef"[(id >> shift) & 15];
    Name nm{tmp, len};
    long r = memfs->root->create(nm, s_ifreg | 0777, 0, &node);
    if (r)
        return r == -ENOSPC ? -ENOMEM : r;
    memfs->root->unlink(nm, node, false);
    node->sealable = a2 & mfd_allow_sealing;
    // Without MFD_ALLOW_SEALING the file is sealed against seals.
    node->seals = node->sealable ? 0 : 1;
    File* f = nullptr;
    r = open_node(node, nullptr, o_rdwr | o_largefile, &f);
    node->put();
    if (r)
        return r;
    // /proc/self/fd shows it as Linux does: "/memfd:NAME (deleted)".
    if (auto* shown = static_cast<char*>(kheap_alloc(size_t(n) + 7, 1))) {
        __builtin_memcpy(shown, "memfd:", 6);
        __builtin_memcpy(shown + 6, name, size_t(n) + 1);
        f->set_origin(nullptr, nullptr, shown);
    }
    return fd_install(f, a2 & mfd_cloexec);
}

} // namespace uk::posix
