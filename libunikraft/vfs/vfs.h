// The virtual file system: nodes (the files themselves, Linux's inodes),
// open file descriptions (File: offset and status flags, shared by dup),
// file systems and their mounts. The fd table (vfs/fd.h) maps small
// integers to Files; path lookup (vfs/path.h) turns names into Nodes.
//
// Ownership: Nodes and Files are reference counted (get/put). A directory
// Node holds a reference on its parent, so ".." and getcwd() need nothing
// from the file system. A file system keeps whatever cache of its Nodes it
// likes; Node::release() is called when the last reference goes.
//
// Concurrency: one CPU and a kernel that is not preemptible, so nothing
// changes under a call unless it blocks. Operations that can block (9P
// waits for the host) must leave their structures consistent before they do.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <new>

#include "lib/list.h"
#include "mm/kheap.h"
#include "vfs/wait.h"

namespace uk::vfs {

class FileSystem;
class File;
class Node;
struct Mount;

/// A name: bytes and a length, not NUL-terminated.
struct Name {
    const char* p;
    size_t n;
    bool is(const char* s) const;
};

/// Linux's mode bits.
inline constexpr uint32_t s_ifmt = 0170000, s_ifsock = 0140000, s_iflnk = 0120000,
                          s_ifreg = 0100000, s_ifblk = 060000, s_ifdir = 040000, s_ifchr = 020000,
                          s_ififo = 010000, s_isuid = 04000, s_isgid = 02000, s_isvtx = 01000;
inline bool is_dir(uint32_t mode) {
    return (mode & s_ifmt) == s_ifdir;
}
inline bool is_reg(uint32_t mode) {
    return (mode & s_ifmt) == s_ifreg;
}
inline bool is_lnk(uint32_t mode) {
    return (mode & s_ifmt) == s_iflnk;
}

/// open(2) flags (x86_64 values).
inline constexpr uint32_t o_accmode = 03, o_rdonly = 0, o_wronly = 1, o_rdwr = 2, o_creat = 0100,
                          o_excl = 0200, o_noctty = 0400, o_trunc = 01000, o_append = 02000,
                          o_nonblock = 04000, o_dsync = 010000, o_async = 020000, o_direct = 040000,
                          o_largefile = 0100000, o_directory = 0200000, o_nofollow = 0400000,
                          o_noatime = 01000000, o_cloexec = 02000000, o_sync = 04010000,
                          o_path = 010000000, o_tmpfile = 020200000;
/// The flags F_SETFL may change.
inline constexpr uint32_t o_setfl_mask = o_append | o_async | o_direct | o_noatime | o_nonblock;

/// Seconds and nanoseconds.
struct Time {
    int64_t sec = 0;
    int64_t nsec = 0;
};
/// The current real time, for timestamps.
Time now();

/// What stat and statx report of a node.
struct Attr {
    uint64_t dev = 0;
    uint64_t ino = 0;
    uint32_t mode = 0;
    uint32_t nlink = 0;
    uint32_t uid = 0;
    uint32_t gid = 0;
    uint64_t rdev = 0;
    uint64_t size = 0;
    uint64_t blocks = 0; // 512-byte units
    uint32_t blksize = 4096;
    Time atime, mtime, ctime, btime;
};

/// A change of attributes (chmod, chown, truncate, utimensat): only the
/// fields named in `mask` apply.
struct SetAttr {
    static constexpr uint32_t mode_bit = 1, uid_bit = 2, gid_bit = 4, size_bit = 8, atime_bit = 16,
                              mtime_bit = 32, ctime_bit = 64;
    uint32_t mask = 0;
    uint32_t mode = 0; // permission bits only (07777)
    uint32_t uid = 0, gid = 0;
    uint64_t size = 0;
    Time atime, mtime, ctime;
};

/// statfs(2)'s answer.
struct StatFs {
    uint64_t type = 0;
    uint64_t bsize = 4096;
    uint64_t blocks = 0, bfree = 0, bavail = 0;
    uint64_t files = 0, ffree = 0;
    uint64_t namelen = 255;
    uint64_t frsize = 4096;
    uint64_t flags = 0;
};

/// A transfer buffer for read and write: the app's memory (one range or an
/// iovec array, reached only through mm/user.h's checked copies) or the
/// kernel's. A cursor moves through it as bytes are copied.
class IoBuf {
  public:
    struct Seg {
        uint64_t base;
        uint64_t len;
    };

    /// The app's [addr, addr + len).
    static IoBuf user(uint64_t addr, size_t len);
    /// The app's iovecs, already read into kernel memory (the caller keeps
    /// `segs` alive while the IoBuf is used). Lengths must not wrap.
    static IoBuf user_vec(const Seg* segs, size_t n);
    /// Kernel memory.
    static IoBuf kernel(void* p, size_t len);
    static IoBuf kernel(const void* p, size_t len) { return kernel(const_cast<void*>(p), len); }
    /// Kernel memory that stays as it is for as long as the kernel runs
    /// (Node::lasting_bytes): a writer may keep a reference instead of a
    /// copy.
    static IoBuf lasting(const void* p, size_t len);

    /// Bytes between the cursor and the end.
    size_t left() const { return m_left; }
    /// Copies up to n bytes from src to the cursor and advances. Returns the
    /// bytes copied: fewer than asked only at the end or on a fault (then
    /// faulted() is true).
    size_t fill(const void* src, size_t n);
    /// Writes up to n zero bytes at the cursor, as fill().
    size_t fill_zero(size_t n);
    /// Copies up to n bytes from the cursor into dst and advances, as fill().
    size_t drain(void* dst, size_t n);
    /// Advances the cursor by up to n bytes without copying.
    size_t skip(size_t n);
    /// The memory at the cursor, for transfers that bypass fill() and
    /// drain() (a device moving the bytes itself): the address and the bytes
    /// left in the current segment, empty segments skipped. False at the end
    /// or after a fault. skip() then moves past what was transferred.
    bool span(uint64_t* addr, size_t* len);
    /// True once a copy hit a bad app address.
    bool faulted() const { return m_fault; }
    /// True when the buffer is the app's memory.
    bool is_user() const { return m_user; }
    /// True when the buffer is lasting() memory.
    bool is_lasting() const { return m_lasting; }

    /// The result a read or write returns after moving `done` bytes through
    /// this buffer: the count, or -EFAULT when a fault came before any byte.
    long result(size_t done) const;

  private:
    template <typename F> size_t step(size_t n, F copy);
    Seg m_one{};
    const Seg* m_segs = nullptr;
    size_t m_nsegs = 0;
    size_t m_seg = 0;     // current segment
    size_t m_seg_off = 0; // offset in it
    size_t m_left = 0;
    bool m_single = false; // the one range is m_one
    bool m_user = false;
    bool m_lasting = false;
    bool m_fault = false;
};

/// Where getdents and the kernel's own directory walks put entries.
class DirSink {
  public:
    /// Offers one entry; `cookie` is the position after it (what a later
    /// readdir resumes from). Returns false when the sink is full: the
    /// entry was not taken and readdir must stop there.
    virtual bool emit(Name name, uint64_t ino, uint32_t mode, uint64_t cookie) = 0;

  protected:
    ~DirSink() = default;
};

/// The file itself: attributes and the operations its file system gives
/// it. Every operation has a default that fails as Linux does for a node
/// that cannot do it, so a file system implements only what it has.
class Node {
  public:
    Node() = default;
    Node(const Node&) = delete;
    Node& operator=(const Node&) = delete;

    // Cached attributes: authoritative for ramfs; a file system whose data
    // lives elsewhere refreshes them in getattr().
    uint64_t ino = 0;
    uint32_t mode = 0;
    uint32_t nlink = 1;
    uint32_t uid = 0, gid = 0;
    uint64_t rdev = 0;
    uint64_t size = 0;
    Time atime, mtime, ctime, btime;

    FileSystem* fs = nullptr;
    Mount* mounted = nullptr; // the mount whose root covers this directory
    // Directories only, kept by the VFS: the directory holding it (a
    // reference) and its name there; nullptr at a file system's root.
    Node* parent = nullptr;
    char* dname = nullptr;
    size_t dname_len = 0;
    uint32_t refs = 1;
    uint32_t open_files = 0; // Files open on it (unlinked data stays until 0)
    uint32_t mmaps = 0;      // files mapped from it (its pages must stay)
    void* locks = nullptr;   // record locks and flocks (vfs/lock.cc)
    uint32_t seals = 0;      // memfd seals (F_ADD_SEALS)
    bool sealable = false;   // a memfd created with MFD_ALLOW_SEALING
    void* fifo = nullptr;    // the pipe of a FIFO while it is open (vfs/pipe.cc)

    void get() { refs++; }
    /// Drops a reference; the last one calls release().
    void put();

    /// Fills `a` (dev comes from the file system). Default: the cached fields.
    virtual long getattr(Attr* a);
    /// Applies `sa`. Default: updates the cached fields (size: -EPERM).
    virtual long setattr(const SetAttr& sa);

    // Directories. Names are never empty, ".", ".." or longer than 255
    // bytes, and never contain '/'; the VFS checks permissions and types.
    /// Finds `name`; on success *out holds a new reference. -ENOENT.
    virtual long lookup(Name name, Node** out);
    /// Creates a regular file, a directory, a FIFO, a socket or a device
    /// node (by mode's type) named `name`, which does not exist; returns a
    /// reference in *out. -EEXIST, -ENOSPC, -EROFS, -EPERM.
    virtual long create(Name name, uint32_t mode, uint64_t rdev, Node** out);
    /// Creates a symbolic link `name` -> target.
    virtual long symlink(Name name, Name target, Node** out);
    /// Makes `name` a new name of `target` (not a directory), same fs.
    virtual long link(Name name, Node* target);
    /// Removes a name of a non-directory (-EISDIR... the VFS checks) or an
    /// empty directory (`dir`: rmdir; -ENOTEMPTY when it is not empty).
    virtual long unlink(Name name, Node* victim, bool dir);
    /// Moves `name` here to `to_name` in `to_dir` (same fs). The VFS has
    /// checked types and emptiness of a replaced directory and flags
    /// (RENAME_NOREPLACE, RENAME_EXCHANGE: exchange = true swaps the two).
    virtual long rename(Name name, Node* to_dir, Name to_name, bool exchange);
    /// Offers entries from position *cookie on (0: the start, which
    /// includes "." and ".."), advancing *cookie past each taken one.
    virtual long readdir(uint64_t* cookie, DirSink& sink);

    /// A symbolic link's target into buf (kernel memory), not terminated.
    /// Returns its length (truncated to len) or -EINVAL for other nodes.
    virtual long readlink(char* buf, size_t len);
    /// A "magic" link (procfs's fd/N, cwd, exe): the node it stands for, with
    /// a reference, and its mount (nullptr for a node in no mount, such as a
    /// memfd's). Path lookup goes there instead of reading the link's text,
    /// so that it reaches pipes and deleted files as Linux does. Default
    /// -EINVAL: an ordinary link, followed by its text.
    virtual long follow(Node** node, Mount** mnt);

    // Data of regular files.
    /// Reads from `off` into buf; returns bytes read (0 at end of file).
    virtual long read(IoBuf& buf, uint64_t off);
    /// Writes buf at `off` (the VFS resolves O_APPEND); returns bytes
    /// written, -ENOSPC, -EFBIG.
    virtual long write(IoBuf& buf, uint64_t off);
    /// Flushes data (and metadata unless `data_only`) to where it lives.
    virtual long fsync(bool data_only);
    /// fallocate(2) modes 0 and FALLOC_FL_KEEP_SIZE / PUNCH_HOLE where the
    /// file system can. Default -EOPNOTSUPP.
    virtual long fallocate(int mode, uint64_t off, uint64_t len);
    /// SEEK_DATA (hole = false) or SEEK_HOLE from `off`: the answer in *out,
    /// or -ENXIO past the end. Default: all data, one hole at the end.
    virtual long seek_data(uint64_t off, bool hole, uint64_t* out);
    /// For mmap: the physical address of the page holding file page
    /// `index`, which stays the file's (MAP_SHARED writes land in the file).
    /// `for_write` asks for a page that may be written. Default -ENODEV:
    /// the VFS then fills private pages with read().
    virtual long map_page(uint64_t index, bool for_write, uint64_t* phys);
    /// True when map_page works, so that mappings can share the file's
    /// pages; else mmap copies the file in. Default false.
    virtual bool maps_pages() const { return false; }
    /// For sendfile and the like: how many of the file's bytes from `off`
    /// on (at most `max`) may be read in place at *out, memory that stays
    /// as it is while the kernel runs (the initrd's), so that they can go
    /// to another file without a copy through a buffer. Default 0: none.
    virtual size_t lasting_bytes(uint64_t off, size_t max, const char** out) {
        (void)off, (void)max, (void)out;
        return 0;
    }

    /// Makes the File that open() returns for this node. The default makes
    /// a plain File; character devices and FIFOs are handled by the VFS
    /// before this is asked.
    virtual long open(uint32_t flags, File** out);

    /// Called once the last reference is gone: free the node (or keep it in
    /// a cache). Default: frees dname and the node (made by make<T>).
    virtual void release();

  protected:
    ~Node() = default;
};

/// An open file description: what open() makes and dup() shares. The
/// default operations act on `node` (a file in a file system); pipes,
/// sockets, devices, eventfd and epoll override them.
class File {
  public:
    File() = default;
    File(const File&) = delete;
    File& operator=(const File&) = delete;

    uint32_t refs = 1;
    uint32_t flags = 0; // O_ACCMODE and the status flags (F_GETFL)
    uint64_t pos = 0;
    Node* node = nullptr; // a reference; nullptr for anonymous files
    Mount* mount = nullptr;
    void* epoll_items = nullptr; // the epoll interests in it (vfs/epoll.cc)
    // Where it was opened: the directory (a reference) and the name there,
    // for /proc/self/fd (vfs::file_path); nullptr when not known.
    Node* dir = nullptr;
    Mount* dir_mount = nullptr;
    char* name = nullptr;

    /// Records where the file was opened (takes dir's reference and the
    /// heap string `name`).
    void set_origin(Node* d, Mount* m, char* n) {
        dir = d;
        dir_mount = m;
        name = n;
    }

    void get() { refs++; }
    /// Drops a reference; the last one calls close() and frees the File.
    void put();

    bool readable() const { return (flags & o_accmode) != o_wronly && !(flags & o_path); }
    bool writable() const { return (flags & o_accmode) != o_rdonly && !(flags & o_path); }

    /// read(2) at the file position (advancing it). Default: node->read.
    virtual long read(IoBuf& buf);
    /// write(2) at the file position, or at the end with O_APPEND.
    virtual long write(IoBuf& buf);
    /// pread/pwrite: default node->read/write at `off`; -ESPIPE for streams.
    virtual long pread(IoBuf& buf, uint64_t off);
    virtual long pwrite(IoBuf& buf, uint64_t off);
    /// lseek(2): returns the new position. -ESPIPE for streams.
    virtual long seek(int64_t off, int whence);
    /// getdents64(2) into the app's buffer. -ENOTDIR unless a directory.
    virtual long getdents(IoBuf& buf);
    /// ioctl(2); arg is the app's raw argument. Default -ENOTTY.
    virtual long ioctl(unsigned long cmd, uint64_t arg);
    /// Whether poll() reports changes through wait queues: epoll_ctl
    /// refuses files that cannot (-EPERM), as Linux does regular files.
    virtual bool can_poll() const { return false; }
    /// The kind of special file this is (the address of a tag its class
    /// owns), for calls that take one kind only (epoll_ctl, timerfd_settime,
    /// the socket calls); nullptr for plain files.
    virtual const void* kind() const { return nullptr; }
    /// The events the file is ready for now (ev_*); when pt is not null,
    /// also registers the queues whose notify may change that.
    /// Default: readable and writable (regular files never block).
    virtual uint32_t poll(PollTable* pt);
    /// fstat(2). Default: node->getattr; anonymous files override.
    virtual long stat(Attr* a);
    /// Called once when the last reference is gone (release locks, wake
    /// the other end of a pipe, ...); then the VFS drops `node` and calls
    /// destroy().
    virtual void close();
    /// Frees the object. Default: kheap_free (objects from make<T>).
    virtual void destroy();

  protected:
    ~File() = default;
};

/// Mount flags (MS_*) the VFS keeps.
inline constexpr unsigned long ms_rdonly = 1, ms_nosuid = 2, ms_nodev = 4, ms_noexec = 8,
                               ms_remount = 32, ms_bind = 4096;

/// A mounted instance of a file system type.
class FileSystem {
  public:
    Node* root = nullptr; // a reference
    uint64_t dev = 0;     // st_dev of its nodes (the VFS assigns it)
    const char* type = "";
    bool readonly = false;
    /// 0 when the file system keeps no time stamps itself (9P asks the host).
    uint64_t magic = 0;

    /// statfs(2).
    virtual long statfs(StatFs* out);
    /// sync(2)/syncfs(2).
    virtual long sync();
    /// Called by umount once nothing is open or in use on it.
    virtual void unmount();

  protected:
    ~FileSystem() = default;
};

/// Arguments of a mount, as mount(2) and vfs.fstab give them.
struct MountArgs {
    const char* source; // device or tag ("" when there is none)
    unsigned long flags;
    const char* options; // the data argument as text ("" when none)
};

/// A file system type, registered with UK_FS_TYPE.
struct FsType {
    const char* name;
    /// Makes a new instance. Returns 0 or a negative errno (-ENODEV when
    /// there is no such device, -EINVAL for bad options).
    long (*mount)(const MountArgs& args, FileSystem** out);
};

/// A mount: a file system's root placed over a directory.
struct Mount {
    FileSystem* fs;
    Node* covered; // the directory it hides (a reference); nullptr for /
    Mount* parent; // the mount `covered` belongs to
    unsigned long flags;
    char* source; // for /proc/mounts
    char* target; // absolute path, for /proc/mounts
    ListNode<Mount> link;
};

/// Registers a file system type by name (a linker-section table).
#define UK_FS_TYPE(ident, name, mount_fn)                                                          \
    [[gnu::used, gnu::section(".uk_fstypes")]] static const ::uk::vfs::FsType uk_fstype_##ident {  \
        name, mount_fn                                                                             \
    }

/// Character devices: open() of a node with this major/minor calls `open`.
struct CharDev {
    uint32_t major, minor;
    long (*open)(Node* node, uint32_t flags, File** out);
};
#define UK_CHAR_DEV(ident, major, minor, open_fn)                                                  \
    [[gnu::used,                                                                                   \
      gnu::section(".uk_chardevs")]] static const ::uk::vfs::CharDev uk_chardev_##ident {          \
        major, minor, open_fn                                                                      \
    }

/// Linux's device numbers.
inline constexpr uint64_t make_dev(uint32_t major, uint32_t minor) {
    return (uint64_t(major & 0xfff) << 8) | (minor & 0xff) | (uint64_t(minor & ~0xffu) << 12) |
           (uint64_t(major & ~0xfffu) << 32);
}
inline uint32_t dev_major(uint64_t d) {
    return uint32_t(((d >> 8) & 0xfff) | ((d >> 32) & ~0xfffu));
}
inline uint32_t dev_minor(uint64_t d) {
    return uint32_t((d & 0xff) | ((d >> 12) & ~0xffu));
}

/// Allocates and constructs a T in the kernel heap; nullptr when memory is
/// short. The default File::destroy and Node::release free such objects.
template <typename T, typename... Args> T* make(Args&&... args) {
    void* p = kheap_alloc(sizeof(T), alignof(T) < 16 ? 16 : alignof(T));
    return p ? new (p) T(static_cast<Args&&>(args)...) : nullptr;
}

/// Takes a `vfs.*` kernel parameter (vfs.fstab, vfs.rootfs,
/// vfs.initrd_errors); value may be nullptr. Returns nullptr, or what is
/// wrong with it (the boot stops there).
const char* set_param(const char* name, const char* value);

/// Sets up the mount table: the root file system (vfs.rootfs, the initrd
/// or an empty ramfs), then /dev, /proc, /tmp and vfs.fstab's entries.
/// Panics with a clear message when a requested mount fails.
void init();

/// Mounts a file system of type `type` on directory `target` (a kernel
/// path, resolved from the root). Returns 0 or -errno (-ENODEV for an
/// unknown type, -ENOENT, -ENOTDIR, -EBUSY).
long mount(const char* source, const char* target, const char* type, unsigned long flags,
           const char* options);

/// Unmounts the file system whose root `target` names. Returns 0 or
/// -EINVAL (not a mount's root), -EBUSY (in use, or the root).
long umount(const char* target);

/// Creates a File of `node` opened with `flags` (open(2)'s, already
/// checked), handling FIFOs and character devices. Returns 0 or -errno.
long open_node(Node* node, Mount* mnt, uint32_t flags, File** out);

/// Opens a FIFO node (vfs/pipe.cc): the pipe is shared by every open of
/// the node. Blocks as Linux does until the other end opens, unless
/// O_NONBLOCK (then -ENXIO for a writer without readers).
long fifo_open(Node* node, Mount* mnt, uint32_t flags, File** out);

/// The root mount and the mount list (for /proc/mounts).
Mount* root_mount();
Mount* next_mount(Mount* m); // next_mount(nullptr) is the first

/// A fresh inode number for file systems that invent them.
uint64_t next_ino();

} // namespace uk::vfs
