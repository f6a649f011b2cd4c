// devfs: /dev as Linux's devtmpfs lays it out, and the memory devices
// behind its nodes. The file system is a ramfs filled at mount with the
// device nodes (null, zero, full, random, urandom, console, tty), the
// links to /proc/self/fd and an empty /dev/shm, so that files can be
// created there as on Linux (shm_open, mknod). Opening a node reaches its
// driver through its device number (UK_CHAR_DEV): the memory devices are
// here, the console and tty are drivers/console.cc's.
#include "lib/errno.h"
#include "mm/user.h"
#include "posix/random.h"
#include "vfs/ramfs.h"

namespace uk::vfs::devfs {

namespace {

constexpr int seek_max = 4; // SEEK_HOLE
constexpr unsigned long rndgetentcnt = 0x80045200;

// ------------------------------------------------------------ memory devices

enum class Mem { null, zero, full, random };

class MemFile final : public File {
  public:
    explicit MemFile(Mem kind) : m_kind(kind) {}

    long read(IoBuf& buf) override {
        switch (m_kind) {
        case Mem::null:
            return 0;
        case Mem::zero:
        case Mem::full:
            return buf.result(buf.fill_zero(buf.left()));
        case Mem::random:
            return read_random(buf);
        }
        return -EINVAL;
    }
    long write(IoBuf& buf) override {
        switch (m_kind) {
        case Mem::full:
            return -ENOSPC;
        case Mem::random: {
            // Linux mixes what is written into its pool: it reads it all.
            char sink[256];
            size_t done = 0;
            while (buf.left()) {
                size_t n = buf.left() < sizeof sink ? buf.left() : sizeof sink;
                size_t got = buf.drain(sink, n);
                done += got;
                if (got < n)
                    break;
            }
            return buf.result(done);
        }
        default:
            // /dev/null and /dev/zero take everything without reading it.
            return long(buf.skip(buf.left()));
        }
    }
    long pread(IoBuf& buf, uint64_t) override { return read(buf); }
    long pwrite(IoBuf& buf, uint64_t) override { return write(buf); }
    long seek(int64_t, int whence) override {
        // Linux's null_lseek and noop_llseek: the position stays 0.
        if (whence < 0 || whence > seek_max)
            return -EINVAL;
        pos = 0;
        return 0;
    }
    long ioctl(unsigned long cmd, uint64_t arg) override {
        if (m_kind != Mem::random)
            return -ENOTTY;
        if (cmd != rndgetentcnt)
            return -EINVAL;
        // A pool that is always full: the kernel's source never blocks.
        return mm::UserPtr<int32_t>(arg).put(256) ? -EFAULT : 0;
    }

  private:
    static long read_random(IoBuf& buf) {
        size_t done = 0;
        while (buf.left()) {
            uint64_t block[8];
            posix::random_fill(block, sizeof block);
            size_t n = buf.left() < sizeof block ? buf.left() : sizeof block;
            size_t got = buf.fill(block, n);
            done += got;
            if (got < n)
                break;
        }
        return buf.result(done);
    }

    Mem m_kind;
};

long open_mem(Mem kind, File** out) {
    *out = make<MemFile>(kind);
    return *out ? 0 : -ENOMEM;
}

long open_null(Node*, uint32_t, File** out) {
    return open_mem(Mem::null, out);
}
long open_zero(Node*, uint32_t, File** out) {
    return open_mem(Mem::zero, out);
}
long open_full(Node*, uint32_t, File** out) {
    return open_mem(Mem::full, out);
}
long open_random(Node*, uint32_t, File** out) {
    return open_mem(Mem::random, out);
}

// ------------------------------------------------------------ the tree

Name name_of(const char* s) {
    return Name{s, __builtin_strlen(s)};
}

struct DevNode {
    const char* name;
    uint32_t mode;
    uint32_t major, minor;
};

// Linux's numbers and permissions.
constexpr DevNode dev_nodes[] = {
    {"console", s_ifchr | 0600, 5, 1}, {"full", s_ifchr | 0666, 1, 7},
    {"null", s_ifchr | 0666, 1, 3},    {"random", s_ifchr | 0666, 1, 8},
    {"tty", s_ifchr | 0666, 5, 0},     {"urandom", s_ifchr | 0666, 1, 9},
    {"zero", s_ifchr | 0666, 1, 5},
};

struct DevLink {
    const char* name;
    const char* target;
};

constexpr DevLink dev_links[] = {
    {"fd", "/proc/self/fd"},
    {"stderr", "/proc/self/fd/2"},
    {"stdin", "/proc/self/fd/0"},
    {"stdout", "/proc/self/fd/1"},
};

long populate(Node* root) {
    Node* n = nullptr;
    for (const DevNode& d : dev_nodes) {
        if (long r = root->create(name_of(d.name), d.mode, make_dev(d.major, d.minor), &n))
            return r;
        n->put();
    }
    for (const DevLink& l : dev_links) {
        if (long r = root->symlink(name_of(l.name), name_of(l.target), &n))
            return r;
        n->put();
    }
    // POSIX shared memory's directory: world-writable and sticky, as on
    // Linux.
    if (long r = root->create(name_of("shm"), s_ifdir | 01777, 0, &n))
        return r;
    n->put();
    root->mode = s_ifdir | 0755;
    return 0;
}

long mount_devtmpfs(const MountArgs& args, FileSystem** out) {
    FileSystem* fs = nullptr;
    if (long r = ramfs::make(args, &fs))
        return r;
    fs->type = "devtmpfs";
    if (long r = populate(fs->root)) {
        fs->unmount();
        return r;
    }
    *out = fs;
    return 0;
}

} // namespace

} // namespace uk::vfs::devfs

UK_FS_TYPE(devtmpfs, "devtmpfs", uk::vfs::devfs::mount_devtmpfs);
UK_CHAR_DEV(null, 1, 3, uk::vfs::devfs::open_null);
UK_CHAR_DEV(zero, 1, 5, uk::vfs::devfs::open_zero);
UK_CHAR_DEV(full, 1, 7, uk::vfs::devfs::open_full);
UK_CHAR_DEV(random, 1, 8, uk::vfs::devfs::open_random);
UK_CHAR_DEV(urandom, 1, 9, uk::vfs::devfs::open_random);
