// The VFS core: transfer buffers, the default operations of nodes, files
// and file systems, the mount table and the mounts made at boot.
#include "vfs/vfs.h"

#include <uk/console.h>
#include <uk/exit.h>

#include "arch/x86_64/time.h"
#include "boot/cmdline.h"
#include "lib/errno.h"
#include "lib/panic.h"
#include "mm/user.h"
#include "vfs/fd.h"
#include "vfs/initrd.h"
#include "vfs/lock.h"
#include "vfs/path.h"
#include "vfs/ramfs.h"

extern "C" const uk::vfs::FsType __uk_fstypes_start[];
extern "C" const uk::vfs::FsType __uk_fstypes_end[];
extern "C" const uk::vfs::CharDev __uk_chardevs_start[];
extern "C" const uk::vfs::CharDev __uk_chardevs_end[];

namespace uk::drivers {
long console_open(uint32_t flags, vfs::File** out);
bool console_fd_is_tty(int fd);
long console_open_stream(int fd, vfs::File** out);
} // namespace uk::drivers

namespace uk::vfs {

size_t cstr_len(const char* s) {
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

bool Name::is(const char* s) const {
    size_t len = cstr_len(s);
    return len == n && __builtin_memcmp(p, s, n) == 0;
}

Time now() {
    int64_t ns = arch::boot_epoch_ns() + int64_t(arch::monotonic_ns());
    return Time{ns / 1000000000, ns % 1000000000};
}

// ---------------------------------------------------------------- IoBuf

IoBuf IoBuf::user(uint64_t addr, size_t len) {
    IoBuf b;
    b.m_one = Seg{addr, len};
    b.m_single = true;
    b.m_nsegs = 1;
    b.m_left = len;
    b.m_user = true;
    return b;
}

IoBuf IoBuf::user_vec(const Seg* segs, size_t n) {
    IoBuf b;
    b.m_segs = segs;
    b.m_nsegs = n;
    for (size_t i = 0; i < n; i++)
        b.m_left += segs[i].len;
    b.m_user = true;
    return b;
}

IoBuf IoBuf::kernel(void* p, size_t len) {
    IoBuf b;
    b.m_one = Seg{reinterpret_cast<uint64_t>(p), len};
    b.m_single = true;
    b.m_nsegs = 1;
    b.m_left = len;
    return b;
}

IoBuf IoBuf::lasting(const void* p, size_t len) {
    IoBuf b = kernel(p, len);
    b.m_lasting = true;
    return b;
}

// Runs copy(address, chunk) over the segments for up to n bytes; copy
// returns how many it moved (fewer: a fault).
template <typename F> size_t IoBuf::step(size_t n, F copy) {
    // A single range lives in the object itself (which may have been
    // copied since it was made).
    const Seg* segs = m_single ? &m_one : m_segs;
    size_t done = 0;
    while (done < n && m_left && !m_fault) {
        const Seg& s = segs[m_seg];
        size_t avail = size_t(s.len - m_seg_off);
        if (!avail) {
            m_seg++;
            m_seg_off = 0;
            continue;
        }
        size_t k = n - done < avail ? n - done : avail;
        size_t moved = copy(s.base + m_seg_off, done, k);
        done += moved;
        m_seg_off += moved;
        m_left -= moved;
        if (moved < k)
            m_fault = true;
    }
    return done;
}

size_t IoBuf::fill(const void* src, size_t n) {
    auto* from = static_cast<const char*>(src);
    return step(n, [&](uint64_t addr, size_t at, size_t k) -> size_t {
        if (!m_user) {
            __builtin_memcpy(reinterpret_cast<void*>(addr), from + at, k);
            return k;
        }
        return mm::copy_user_partial(true, addr, const_cast<char*>(from + at), k);
    });
}

size_t IoBuf::fill_zero(size_t n) {
    static const char zeros[256] = {};
    size_t done = 0;
    while (done < n) {
        size_t k = n - done < sizeof(zeros) ? n - done : sizeof(zeros);
        size_t moved = fill(zeros, k);
        done += moved;
        if (moved < k)
            break;
    }
    return done;
}

size_t IoBuf::drain(void* dst, size_t n) {
    auto* to = static_cast<char*>(dst);
    return step(n, [&](uint64_t addr, size_t at, size_t k) -> size_t {
        if (!m_user) {
            __builtin_memcpy(to + at, reinterpret_cast<const void*>(addr), k);
            return k;
        }
        return mm::copy_user_partial(false, addr, to + at, k);
    });
}

size_t IoBuf::skip(size_t n) {
    return step(n, [](uint64_t, size_t, size_t k) -> size_t { return k; });
}

bool IoBuf::span(uint64_t* addr, size_t* len) {
    if (m_nsegs == 1)
        m_segs = &m_one;
    while (m_left && !m_fault) {
        const Seg& s = m_segs[m_seg];
        size_t avail = size_t(s.len - m_seg_off);
        if (avail) {
            *addr = s.base + m_seg_off;
            *len = avail;
            return true;
        }
        m_seg++;
        m_seg_off = 0;
    }
    return false;
}

long IoBuf::result(size_t done) const {
    return done || !m_fault ? long(done) : -EFAULT;
}

// ---------------------------------------------------------------- Node

void Node::put() {
    if (--refs == 0)
        release();
}

long Node::getattr(Attr* a) {
    a->dev = fs ? fs->dev : 0;
    a->ino = ino;
    a->mode = mode;
    a->nlink = nlink;
    a->uid = uid;
    a->gid = gid;
    a->rdev = rdev;
    a->size = size;
    a->blocks = (size + 511) / 512;
    a->blksize = 4096;
    a->atime = atime;
    a->mtime = mtime;
    a->ctime = ctime;
    a->btime = btime;
    return 0;
}

long Node::setattr(const SetAttr& sa) {
    if (sa.mask & SetAttr::size_bit)
        return -EPERM;
    if (sa.mask & SetAttr::mode_bit)
        mode = (mode & s_ifmt) | (sa.mode & 07777);
    if (sa.mask & SetAttr::uid_bit)
        uid = sa.uid;
    if (sa.mask & SetAttr::gid_bit)
        gid = sa.gid;
    if (sa.mask & SetAttr::atime_bit)
        atime = sa.atime;
    if (sa.mask & SetAttr::mtime_bit)
        mtime = sa.mtime;
    ctime = (sa.mask & SetAttr::ctime_bit) ? sa.ctime : now();
    return 0;
}

long Node::lookup(Name, Node**) {
    return is_dir(mode) ? -ENOENT : -ENOTDIR;
}
long Node::create(Name, uint32_t, uint64_t, Node**) {
    return -EPERM;
}
long Node::symlink(Name, Name, Node**) {
    return -EPERM;
}
long Node::link(Name, Node*) {
    return -EPERM;
}
long Node::unlink(Name, Node*, bool) {
    return -EPERM;
}
long Node::rename(Name, Node*, Name, bool) {
    return -EPERM;
}
long Node::readdir(uint64_t*, DirSink&) {
    return -ENOTDIR;
}
long Node::readlink(char*, size_t) {
    return -EINVAL;
}
long Node::read(IoBuf&, uint64_t) {
    return is_dir(mode) ? -EISDIR : -EINVAL;
}
long Node::write(IoBuf&, uint64_t) {
    return is_dir(mode) ? -EISDIR : -EINVAL;
}
long Node::fsync(bool) {
    return 0;
}
long Node::fallocate(int, uint64_t, uint64_t) {
    return -EOPNOTSUPP;
}
long Node::seek_data(uint64_t off, bool hole, uint64_t* out) {
    if (off >= size)
        return -ENXIO;
    *out = hole ? size : off;
    return 0;
}
long Node::map_page(uint64_t, bool, uint64_t*) {
    return -ENODEV;
}
namespace {

// A File whose operations are the defaults: the node's.
struct PlainFile final : File {};

long make_plain(File** out) {
    *out = make<PlainFile>();
    return *out ? 0 : -ENOMEM;
}

} // namespace

long Node::open(uint32_t, File** out) {
    return make_plain(out);
}
void Node::release() {
    if (parent)
        parent->put();
    kheap_free(dname);
    kheap_free(this);
}

// ---------------------------------------------------------------- File

// epoll's interest lists name open file descriptions; the epoll code drops
// them here (weak: a default while epoll is not linked in).
[[gnu::weak]] void epoll_file_closing(File*) {}

void File::put() {
    if (--refs)
        return;
    epoll_file_closing(this);
    release_locks(this);
    close();
    if (node) {
        node->open_files--;
        node->put();
    }
    if (dir)
        dir->put();
    kheap_free(name);
    destroy();
}

long File::read(IoBuf& buf) {
    if (!node)
        return -EINVAL;
    long n = node->read(buf, pos);
    if (n > 0)
        pos += uint64_t(n);
    return n;
}

long File::write(IoBuf& buf) {
    if (!node)
        return -EINVAL;
    if (flags & o_append) {
        Attr a;
        if (long r = node->getattr(&a))
            return r;
        pos = a.size;
    }
    long n = node->write(buf, pos);
    if (n > 0)
        pos += uint64_t(n);
    return n;
}

long File::pread(IoBuf& buf, uint64_t off) {
    if (!node || (!is_reg(node->mode) && !is_dir(node->mode)))
        return -ESPIPE;
    return node->read(buf, off);
}

long File::pwrite(IoBuf& buf, uint64_t off) {
    if (!node || (!is_reg(node->mode) && !is_dir(node->mode)))
        return -ESPIPE;
    // As Linux: pwrite on an O_APPEND file appends, whatever the offset.
    if (flags & o_append) {
        Attr a;
        if (long r = node->getattr(&a))
            return r;
        off = a.size;
    }
    return node->write(buf, off);
}

long File::seek(int64_t off, int whence) {
    constexpr int seek_set = 0, seek_cur = 1, seek_end = 2, seek_data = 3, seek_hole = 4;
    if (!node)
        return -ESPIPE;
    int64_t base;
    switch (whence) {
    case seek_set:
        base = 0;
        break;
    case seek_cur:
        base = int64_t(pos);
        break;
    case seek_end:
    case seek_data:
    case seek_hole: {
        if (is_dir(node->mode))
            return -EINVAL;
        Attr a;
        if (long r = node->getattr(&a))
            return r;
        if (whence == seek_end) {
            base = int64_t(a.size);
            break;
        }
        if (off < 0)
            return -ENXIO;
        uint64_t at;
        if (long r = node->seek_data(uint64_t(off), whence == seek_hole, &at))
            return r;
        pos = at;
        return long(at);
    }
    default:
        return -EINVAL;
    }
    if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
        return -EINVAL;
    pos = uint64_t(base + off);
    return long(pos);
}

namespace {

// getdents64's records, written straight into the app's buffer.
class DirentSink final : public DirSink {
  public:
    explicit DirentSink(IoBuf& buf) : m_buf(buf) {}
    bool emit(Name name, uint64_t ino, uint32_t mode, uint64_t cookie) override {
        struct [[gnu::packed]] Head {
            uint64_t ino;
            int64_t off;
            uint16_t reclen;
            uint8_t type;
        };
        size_t reclen = (sizeof(Head) + name.n + 1 + 7) & ~size_t(7);
        if (reclen > m_buf.left() || m_buf.faulted())
            return false;
        Head h{ino, int64_t(cookie), uint16_t(reclen), uint8_t((mode & s_ifmt) >> 12)};
        char tail[8] = {};
        size_t pad = reclen - sizeof(Head) - name.n;
        if (m_buf.fill(&h, sizeof h) < sizeof h || m_buf.fill(name.p, name.n) < name.n ||
            m_buf.fill(tail, pad) < pad)
            return false;
        m_done += reclen;
        return true;
    }
    size_t done() const { return m_done; }

  private:
    IoBuf& m_buf;
    size_t m_done = 0;
};

} // namespace

long File::getdents(IoBuf& buf) {
    if (!node || !is_dir(node->mode))
        return -ENOTDIR;
    DirentSink sink(buf);
    long r = node->readdir(&pos, sink);
    // As Linux: a fault after whole entries were written returns those.
    if (buf.faulted() && !sink.done())
        return -EFAULT;
    if (r < 0 && !sink.done())
        return r;
    // The buffer could not take even one entry.
    if (!sink.done() && r == 1)
        return -EINVAL;
    return long(sink.done());
}

long File::ioctl(unsigned long cmd, uint64_t arg) {
    constexpr unsigned long fionread = 0x541b;
    // FIONREAD of a regular file: the bytes between the position and the end.
    if (cmd == fionread && node && is_reg(node->mode)) {
        Attr a;
        if (long r = node->getattr(&a))
            return r;
        int left = a.size > pos ? int(a.size - pos > 0x7fffffff ? 0x7fffffff : a.size - pos) : 0;
        return mm::UserPtr<int>(arg).put(left) ? -EFAULT : 0;
    }
    return -ENOTTY;
}

uint32_t File::poll(PollTable*) {
    return ev_readable | ev_writable;
}

long File::stat(Attr* a) {
    if (node)
        return node->getattr(a);
    *a = Attr{};
    a->ino = reinterpret_cast<uintptr_t>(this) >> 4;
    a->nlink = 1;
    return 0;
}

void File::close() {}

void File::destroy() {
    kheap_free(this);
}

// ---------------------------------------------------------------- FileSystem

long FileSystem::statfs(StatFs* out) {
    *out = StatFs{};
    out->type = magic;
    return 0;
}
long FileSystem::sync() {
    return 0;
}
void FileSystem::unmount() {}

// ---------------------------------------------------------------- mounts

namespace {

constinit IntrusiveList<Mount, &Mount::link> g_mounts;
constinit Mount* g_root = nullptr;
constinit uint64_t g_next_dev = 1;
constinit uint64_t g_next_ino = 1u << 20;

// Boot parameters.
constinit const char* g_fstab = nullptr;
constinit const char* g_rootfs = nullptr;
constinit const char* g_rootdev = "";
constinit const char* g_rootopts = "";
constinit unsigned long g_rootflags = 0;
constinit bool g_initrd_warn = false;
constinit const char* g_cwd = nullptr;

char* dup_string(const char* s, size_t n) {
    auto* p = static_cast<char*>(kheap_alloc(n + 1, 1));
    if (p) {
        __builtin_memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

const FsType* find_type(const char* name) {
    for (const FsType* t = __uk_fstypes_start; t < __uk_fstypes_end; t++)
        if (Name{name, cstr_len(name)}.is(t->name))
            return t;
    return nullptr;
}

// Mounts a new instance of `type` on `covered` (nullptr: as the root).
long attach(const FsType* type, const MountArgs& args, Node* covered, Mount* parent,
            const char* target) {
    FileSystem* fs = nullptr;
    if (long r = type->mount(args, &fs))
        return r;
    fs->dev = g_next_dev++;
    if (args.flags & ms_rdonly)
        fs->readonly = true;
    auto* m = static_cast<Mount*>(kheap_alloc(sizeof(Mount)));
    char* src = dup_string(args.source, cstr_len(args.source));
    char* tgt = dup_string(target, cstr_len(target));
    if (!m || !src || !tgt) {
        kheap_free(m);
        kheap_free(src);
        kheap_free(tgt);
        fs->unmount();
        return -ENOMEM;
    }
    *m = Mount{fs, covered, parent, args.flags, src, tgt, {}};
    if (covered) {
        covered->get();
        // Mounting again on the same directory stacks: the newest wins.
        Node* top = covered;
        while (top->mounted)
            top = top->mounted->fs->root;
        top->mounted = m;
    } else {
        g_root = m;
    }
    g_mounts.push_back(m);
    return 0;
}

} // namespace

uint64_t next_ino() {
    return g_next_ino++;
}

Mount* root_mount() {
    return g_root;
}

Mount* next_mount(Mount* m) {
    return m ? decltype(g_mounts)::next(m) : g_mounts.front();
}

long mount(const char* source, const char* target, const char* type, unsigned long flags,
           const char* options) {
    const FsType* t = find_type(type);
    if (!t)
        return -ENODEV;
    Location at;
    if (long r = lookup(at_fdcwd, target, lk_follow, &at))
        return r;
    long r;
    if (!is_dir(at.node->mode)) {
        r = -ENOTDIR;
    } else {
        char path[path_max];
        r = path_of(at, path, sizeof path);
        if (r > 0)
            r = attach(t, MountArgs{source, flags, options}, at.node, at.mount, path);
    }
    at.release();
    return r;
}

long umount(const char* target) {
    Location at;
    if (long r = lookup(at_fdcwd, target, lk_follow, &at))
        return r;
    Mount* m = at.mount;
    bool is_root = at.node == m->fs->root;
    at.release();
    if (!is_root)
        return -EINVAL;
    if (m == g_root || m->fs->root->mounted)
        return -EBUSY;
    // Busy while an open file or the working directory is in it, or
    // another mount sits below it.
    for (long fd = 0; fd < fd_limit(); fd++) {
        FileRef f(fd);
        if (f && f->mount == m)
            return -EBUSY;
    }
    Location here = cwd();
    bool in_cwd = here.mount == m;
    here.release();
    if (in_cwd)
        return -EBUSY;
    for (Mount* o = g_mounts.front(); o; o = decltype(g_mounts)::next(o))
        if (o->parent == m)
            return -EBUSY;
    Node* top = m->covered;
    while (top->mounted != m)
        top = top->mounted->fs->root;
    top->mounted = nullptr;
    g_mounts.remove(m);
    m->covered->put();
    m->fs->unmount();
    kheap_free(m->source);
    kheap_free(m->target);
    kheap_free(m);
    return 0;
}

long open_node(Node* node, Mount* mnt, uint32_t flags, File** out) {
    File* f = nullptr;
    long r;
    uint32_t type = node->mode & s_ifmt;
    if (flags & o_path) {
        r = make_plain(&f);
    } else if (type == s_ifchr) {
        r = -ENXIO;
        for (const CharDev* d = __uk_chardevs_start; d < __uk_chardevs_end; d++)
            if (make_dev(d->major, d->minor) == node->rdev) {
                r = d->open(node, flags, &f);
                break;
            }
    } else if (type == s_ififo) {
        return fifo_open(node, mnt, flags, out);
    } else if (type == s_ifblk || type == s_ifsock) {
        r = -ENXIO;
    } else {
        r = node->open(flags, &f);
    }
    if (r)
        return r;
    f->flags = flags & (o_accmode | o_setfl_mask | o_path | o_sync | o_dsync | o_largefile);
    if (!f->node) {
        node->get();
        node->open_files++;
        f->node = node;
    }
    f->mount = mnt;
    *out = f;
    return 0;
}

[[gnu::weak]] long fifo_open(Node*, Mount*, uint32_t, File**) {
    return -ENXIO;
}

// ---------------------------------------------------------------- boot

namespace initrd {
/// The boot loader's initrd, when there is one (boot/bootinfo).
[[gnu::weak]] bool module(const void**, size_t*) {
    return false;
}
[[gnu::weak]] long populate(Node*, const void*, size_t, bool) {
    return -ENOSYS;
}
} // namespace initrd

namespace {

// Parses "dev:mountpoint:driver[:flags[:opts]]" in place.
struct FstabEntry {
    const char* dev;
    const char* path;
    const char* type;
    unsigned long flags;
    const char* opts;
};

const char* parse_fstab_entry(char* s, FstabEntry* e) {
    char* field[5] = {s, nullptr, nullptr, nullptr, nullptr};
    int n = 1;
    for (char* p = s; *p; p++)
        if (*p == ':' && n < 5) {
            *p = '\0';
            field[n++] = p + 1;
        }
    if (n < 3 || !*field[1] || !*field[2])
        return "vfs.fstab entries are dev:mountpoint:driver[:flags[:opts]]";
    if (*field[1] != '/')
        return "a vfs.fstab mount point must be an absolute path";
    e->dev = field[0];
    e->path = field[1];
    e->type = field[2];
    e->flags = 0;
    e->opts = n > 4 ? field[4] : "";
    if (n > 3 && *field[3]) {
        uint64_t v;
        if (Name{field[3], cstr_len(field[3])}.is("ro"))
            e->flags = ms_rdonly;
        else if (Name{field[3], cstr_len(field[3])}.is("rw"))
            e->flags = 0;
        else if (parse_u64(field[3], &v))
            e->flags = v;
        else
            return "vfs.fstab flags are a number, ro or rw";
    }
    return nullptr;
}

// Calls f(entry) for each item of a vfs.fstab value: one entry, or a
// bracketed list of quoted or bare entries ([ "a:b:c" d:e:f ]). The value
// is edited in place.
template <typename F> const char* for_each_fstab(char* v, F f) {
    char* p = v;
    while (*p == ' ')
        p++;
    bool list = *p == '[';
    if (list)
        p++;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p) {
            if (list)
                return "vfs.fstab: the list has no closing ]";
            return nullptr;
        }
        if (list && *p == ']') {
            p++;
            while (*p == ' ')
                p++;
            return *p ? "vfs.fstab: text after the closing ]" : nullptr;
        }
        char* item = p;
        if (*p == '"' || *p == '\'') {
            char q = *p++;
            item = p;
            while (*p && *p != q)
                p++;
            if (!*p)
                return "vfs.fstab: an entry has no closing quote";
        } else {
            while (*p && *p != ' ' && *p != '\t' && !(list && *p == ']'))
                p++;
        }
        char end = *p;
        *p = '\0';
        if (const char* err = f(item))
            return err;
        if (end) {
            *p = end == '"' || end == '\'' ? ' ' : end;
            if (end == '"' || end == '\'')
                p++;
        }
        if (!list && *p == '\0')
            return nullptr;
    }
}

// Makes every missing directory of an absolute path (mkdir -p).
long make_dirs(const char* path);

void boot_fail(const char* what, const char* detail, long err) {
    uk_printk("uk: %s%s%s: error %ld\n", what, detail ? " " : "", detail ? detail : "", -err);
    panic_status(UK_EXIT_PANIC, "cannot set up the file systems");
}

} // namespace

const char* set_param(const char* name, const char* value) {
    Name n{name, cstr_len(name)};
    if (n.is("vfs.fstab")) {
        if (!value || !*value)
            return "vfs.fstab needs a value";
        // Checked now so that a bad line stops the boot before anything is
        // mounted; parsed again (from a copy) by init().
        size_t len = cstr_len(value);
        char copy[512];
        if (len < sizeof copy) {
            __builtin_memcpy(copy, value, len + 1);
            if (const char* err = for_each_fstab(copy, [](char* item) -> const char* {
                    FstabEntry e;
                    return parse_fstab_entry(item, &e);
                }))
                return err;
        }
        g_fstab = value;
    } else if (n.is("vfs.rootfs")) {
        if (!value || !*value)
            return "vfs.rootfs needs a file system type";
        g_rootfs = value;
    } else if (n.is("vfs.rootdev")) {
        g_rootdev = value ? value : "";
    } else if (n.is("vfs.rootopts")) {
        g_rootopts = value ? value : "";
    } else if (n.is("vfs.rootflags")) {
        uint64_t v;
        if (!value || !parse_u64(value, &v))
            return "vfs.rootflags needs a number";
        g_rootflags = v;
    } else if (n.is("vfs.cwd")) {
        if (!value || *value != '/')
            return "vfs.cwd needs an absolute path";
        g_cwd = value;
    } else if (n.is("vfs.initrd_errors")) {
        if (!value ||
            !(Name{value, cstr_len(value)}.is("warn") || Name{value, cstr_len(value)}.is("panic")))
            return "vfs.initrd_errors is warn or panic";
        g_initrd_warn = Name{value, cstr_len(value)}.is("warn");
    } else {
        return "unknown file-system parameter";
    }
    return nullptr;
}

namespace {

long make_dirs(const char* path) {
    char buf[path_max];
    size_t len = cstr_len(path);
    if (len >= sizeof buf)
        return -ENAMETOOLONG;
    __builtin_memcpy(buf, path, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char c = buf[i];
        buf[i] = '\0';
        Parent p;
        long r = lookup_parent(at_fdcwd, buf, &p);
        if (r == 0) {
            Node* child = nullptr;
            r = p.last.n ? p.dir.node->lookup(p.last, &child) : 0;
            if (r == -ENOENT)
                r = p.dir.node->create(p.last, s_ifdir | 0755, 0, &child);
            if (child)
                child->put();
            p.dir.release();
        }
        buf[i] = c;
        if (r)
            return r;
    }
    return 0;
}

// True unless `path` is a directory with entries (a missing one counts as
// empty).
bool dir_is_empty(const char* path) {
    Location at;
    if (lookup(at_fdcwd, path, lk_follow, &at))
        return true;
    struct Any final : DirSink {
        bool seen = false;
        bool emit(Name n, uint64_t, uint32_t, uint64_t) override {
            if (!n.is(".") && !n.is(".."))
                seen = true;
            return !seen;
        }
    } sink;
    uint64_t cookie = 0;
    at.node->readdir(&cookie, sink);
    at.release();
    return !sink.seen;
}

void mount_or_fail(const char* dev, const char* path, const char* type, unsigned long flags,
                   const char* opts) {
    if (long r = make_dirs(path))
        boot_fail("cannot make the mount point", path, r);
    if (long r = mount(dev, path, type, flags, opts)) {
        uk_printk("uk: cannot mount %s (%s) on %s: error %ld\n", dev, type, path, -r);
        panic_status(UK_EXIT_PANIC, "cannot set up the file systems");
    }
}

} // namespace

void init() {
    // The root: vfs.rootfs when given, else a ramfs holding the initrd's
    // tree when there is one.
    const void* rd = nullptr;
    size_t rd_len = 0;
    bool have_initrd = initrd::module(&rd, &rd_len);
    bool use_initrd = have_initrd && (!g_rootfs || Name{g_rootfs, cstr_len(g_rootfs)}.is("initrd"));
    const char* root_type = g_rootfs && !use_initrd ? g_rootfs : "ramfs";
    if (!have_initrd && g_rootfs && Name{g_rootfs, cstr_len(g_rootfs)}.is("initrd"))
        boot_fail("vfs.rootfs=initrd, but the boot loader gave no initrd", nullptr, -ENOENT);
    const FsType* t = find_type(root_type);
    if (!t)
        boot_fail("unknown root file system type", root_type, -ENODEV);
    if (long r = attach(t, MountArgs{g_rootdev, g_rootflags, g_rootopts}, nullptr, nullptr, "/"))
        boot_fail("cannot mount the root file system", root_type, r);
    Location root{g_root->fs->root, g_root};
    set_cwd(root);
    if (use_initrd) {
        if (long r = initrd::populate(g_root->fs->root, rd, rd_len, g_initrd_warn))
            boot_fail("cannot unpack the initrd", nullptr, r);
    }

    // What every program expects to find, when the root can hold it.
    static const struct {
        const char* path;
        const char* type;
    } standard[] = {{"/dev", "devtmpfs"}, {"/proc", "proc"}, {"/sys", "sysfs"}, {"/tmp", "tmpfs"}};
    for (const auto& s : standard) {
        if (!find_type(s.type) || g_root->fs->readonly)
            continue;
        // What the initrd put in /tmp stays visible: a tmpfs would hide it.
        if (use_initrd && Name{s.type, cstr_len(s.type)}.is("tmpfs") && !dir_is_empty(s.path))
            continue;
        if (make_dirs(s.path) == 0)
            mount(s.type, s.path, s.type, 0, "");
    }

    if (g_fstab) {
        size_t len = cstr_len(g_fstab);
        char* copy = dup_string(g_fstab, len);
        if (!copy)
            boot_fail("no memory for vfs.fstab", nullptr, -ENOMEM);
        for_each_fstab(copy, [](char* item) -> const char* {
            FstabEntry e;
            if (const char* err = parse_fstab_entry(item, &e))
                return err;
            mount_or_fail(e.dev, e.path, e.type, e.flags, e.opts);
            return nullptr;
        });
        kheap_free(copy);
    }

    // The app's working directory, once everything is mounted (ukrun
    // --share-cwd shares its own and names it here).
    if (g_cwd) {
        Location cwd;
        long r = lookup(at_fdcwd, g_cwd, lk_follow, &cwd);
        if (r == 0 && !is_dir(cwd.node->mode))
            r = -ENOTDIR;
        if (r) {
            cwd.release();
            uk_printk("uk: vfs.cwd=%s: %s (error %ld)\n", g_cwd,
                      r == -ENOENT    ? "no such directory"
                      : r == -ENOTDIR ? "not a directory"
                                      : "cannot enter it",
                      -r);
            panic_status(UK_EXIT_PANIC, "cannot set the working directory");
        }
        set_cwd(cwd);
        cwd.release();
    }

    // The console as fds 0, 1 and 2: one open of /dev/console, as init
    // gets on Linux (so that fstat and ttyname name it), or of the device
    // itself when there is no /dev.
    File* con = nullptr;
    Location dev;
    if (lookup(at_fdcwd, "/dev/console", lk_follow, &dev) == 0) {
        long r = open_node(dev.node, dev.mount, o_rdwr | o_largefile, &con);
        dev.release();
        if (r)
            con = nullptr;
    }
    if (!con) {
        if (long r = drivers::console_open(o_rdwr, &con))
            boot_fail("cannot open the console", nullptr, r);
    }
    // An fd whose host stream is not a terminal (console.tty=) is an open
    // of its own that answers as a pipe would.
    for (int fd = 0; fd < 3; fd++) {
        File* f = con;
        if (!drivers::console_fd_is_tty(fd)) {
            if (long r = drivers::console_open_stream(fd, &f))
                boot_fail("cannot open the console", nullptr, r);
            // On /dev/console's node, so that /dev/stdout and
            // /proc/self/fd/N can be opened again (as the console).
            if (con->node) {
                con->node->get();
                con->node->open_files++;
                f->node = con->node;
                f->mount = con->mount;
            }
        } else {
            con->get();
        }
        if (fd_install_at(f, fd, false) != fd)
            boot_fail("cannot set up fds 0, 1 and 2", nullptr, -EMFILE);
    }
    con->put();
}

} // namespace uk::vfs
