// 9pfs: a host directory exported by a 9P2000.L server (QEMU's virtio-9p)
// as a file system, read-write, without caching data: every read and write
// goes to the host, so the host sees the guest's files as they are written.
//
// Fids: each node holds one fid walked to its file. Opens get fids of their
// own (Tlopen), kept in the node's list so that reads and writes without an
// open file description at hand (mmap's page fills) can use one; a newly
// created file's fid comes back opened from Tlcreate and serves the open
// that follows. Nodes are cached by qid.path while referenced, so one host
// file is one node.
//
// Data moves between the host and the app's own pages (zero copy) for
// transfers larger than a message buffer; smaller ones go through the
// request's buffers.
#include <new>

#include "arch/x86_64/mmu.h"
#include "lib/errno.h"
#include "mm/image.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "mm/mm.h"
#include "mm/user.h"
#include "mm/uvm.h"
#include "vfs/p9_client.h"
#include "vfs/vfs.h"

namespace uk::vfs {

namespace {

using p9::Client;
using p9::Qid;
using p9::Slot;
using p9::Str;

/// statfs's f_type for 9P, as Linux reports it.
constexpr uint64_t v9fs_magic = 0x01021997;
/// The msize asked for unless the mount says otherwise: a 1 MiB read or
/// write fits in one message.
constexpr uint32_t default_msize = (1u << 20) + 4096;
/// Transfers up to this size go through the request's buffers.
constexpr size_t small_io = Slot::buf_size - p9::twrite_header_size;
/// Bytes of directory entries asked for at once.
constexpr size_t readdir_bytes = 64 << 10;
constexpr size_t readdir_pages = readdir_bytes / mm::page_size;
constexpr size_t node_buckets = 256;

Str str(Name n) {
    return Str{n.p, n.n};
}

Time time_of(uint64_t sec, uint64_t nsec) {
    return Time{int64_t(sec), int64_t(nsec)};
}

class P9Fs;
class P9Node;

// Whether two qids with the same path are the same kind of file: the host
// may give a deleted file's inode number to a new file of another kind.
bool same_kind(const Qid& a, const Qid& b) {
    constexpr uint8_t kind = p9::qt_dir | p9::qt_symlink;
    return (a.type & kind) == (b.type & kind);
}

// An open fid of a node: Files share it by reference; the node's own lazy
// ones (for reads without a File) have `node_owned` set.
struct OpenFid {
    OpenFid* next;
    uint32_t fid;
    uint32_t access; // o_rdonly, o_wronly or o_rdwr
    uint32_t users;
    bool node_owned;
};

bool can_read(uint32_t access) {
    return access != o_wronly;
}
bool can_write(uint32_t access) {
    return access != o_rdonly;
}

class P9Node final : public Node {
  public:
    long getattr(Attr* a) override;
    long setattr(const SetAttr& sa) override;
    long lookup(Name name, Node** out) override;
    long create(Name name, uint32_t mode, uint64_t rdev, Node** out) override;
    long symlink(Name name, Name target, Node** out) override;
    long link(Name name, Node* target) override;
    long unlink(Name name, Node* victim, bool dir) override;
    long rename(Name name, Node* to_dir, Name to_name, bool exchange) override;
    long readdir(uint64_t* cookie, DirSink& sink) override;
    long readlink(char* buf, size_t len) override;
    long read(IoBuf& buf, uint64_t off) override;
    long write(IoBuf& buf, uint64_t off) override;
    long fsync(bool data_only) override;
    long open(uint32_t flags, File** out) override;
    void release() override;

    P9Fs* p9() const;
    Client* client() const;
    void set_attr(const p9::Attr& a);
    /// An open fid that can read (or write), opening one for the node when
    /// no File has one. Returns it with a user counted, or nullptr with
    /// *err set.
    OpenFid* io_fid(bool for_write, long* err);
    void put_open(OpenFid* of);
    long transfer(OpenFid* of, IoBuf& buf, uint64_t off, bool to_host);
    void dir_changed();

    uint32_t m_fid = p9::no_fid;
    Qid m_qid;
    uint64_t m_blocks = 0;
    uint64_t m_blksize = 0;
    P9Node* m_hash_next = nullptr;
    OpenFid* m_opens = nullptr;
    // Tlcreate's open fid, for the open() that follows the create.
    OpenFid* m_created = nullptr;
    // The attributes were fetched or set by the call that made the node:
    // its first getattr need not ask again.
    bool m_fresh = false;
    // The last readdir reply, for the getdents call that continues where
    // the previous one stopped.
    uint8_t* m_dir_buf = nullptr;
    Str m_dir_rest;
    uint64_t m_dir_cookie = 0;
};

class P9File final : public File {
  public:
    void close() override {
        if (m_of)
            static_cast<P9Node*>(node)->put_open(m_of);
        m_of = nullptr;
    }
    OpenFid* m_of = nullptr;
};

class P9Fs final : public FileSystem {
  public:
    long statfs(StatFs* out) override;
    long sync() override { return 0; }
    void unmount() override;

    P9Node* find(uint64_t path) const {
        for (P9Node* n = m_nodes[path % node_buckets]; n; n = n->m_hash_next) {
            if (n->m_qid.path == path)
                return n;
        }
        return nullptr;
    }
    void insert(P9Node* n) {
        P9Node*& head = m_nodes[n->m_qid.path % node_buckets];
        n->m_hash_next = head;
        head = n;
    }
    void remove(P9Node* n) {
        for (P9Node** p = &m_nodes[n->m_qid.path % node_buckets]; *p; p = &(*p)->m_hash_next) {
            if (*p == n) {
                *p = n->m_hash_next;
                return;
            }
        }
    }
    /// The node of `qid` with a new reference: the cached one (fid is then
    /// clunked) or a new one holding fid, with attributes `a`. nullptr when
    /// memory is short (fid clunked).
    P9Node* node_for(uint32_t fid, const Qid& qid, const p9::Attr& a);

    Client* m_client = nullptr;
    P9Node* m_nodes[node_buckets] = {};
};

P9Fs* P9Node::p9() const {
    return static_cast<P9Fs*>(fs);
}

Client* P9Node::client() const {
    return p9()->m_client;
}

void P9Node::set_attr(const p9::Attr& a) {
    mode = a.mode;
    nlink = uint32_t(a.nlink);
    uid = a.uid;
    gid = a.gid;
    rdev = a.rdev;
    size = a.size;
    atime = time_of(a.atime_sec, a.atime_nsec);
    mtime = time_of(a.mtime_sec, a.mtime_nsec);
    ctime = time_of(a.ctime_sec, a.ctime_nsec);
    btime = time_of(a.btime_sec, a.btime_nsec);
    m_blocks = a.blocks;
    m_blksize = a.blksize;
}

P9Node* P9Fs::node_for(uint32_t fid, const Qid& qid, const p9::Attr& a) {
    if (P9Node* n = find(qid.path)) {
        if (same_kind(n->m_qid, qid)) {
            m_client->clunk_async(fid);
            n->get();
            return n;
        }
        remove(n);
    }
    P9Node* n = make<P9Node>();
    if (!n) {
        m_client->clunk_async(fid);
        return nullptr;
    }
    n->fs = this;
    n->m_fid = fid;
    n->m_qid = qid;
    n->ino = qid.path;
    n->set_attr(a);
    n->m_fresh = true;
    insert(n);
    return n;
}

long P9Node::getattr(Attr* a) {
    if (m_fresh) {
        m_fresh = false;
    } else {
        p9::Attr pa;
        if (long r = client()->getattr(m_fid, p9::getattr_basic, &pa))
            return r;
        set_attr(pa);
    }
    Node::getattr(a);
    a->blocks = m_blocks;
    a->blksize = m_blksize ? uint32_t(m_blksize) : 4096;
    return 0;
}

long P9Node::setattr(const SetAttr& sa) {
    if (fs->readonly)
        return -EROFS;
    p9::SetAttr p;
    if (sa.mask & SetAttr::mode_bit) {
        p.valid |= p9::setattr_mode;
        p.mode = sa.mode & 07777;
    }
    if (sa.mask & SetAttr::uid_bit) {
        p.valid |= p9::setattr_uid;
        p.uid = sa.uid;
    }
    if (sa.mask & SetAttr::gid_bit) {
        p.valid |= p9::setattr_gid;
        p.gid = sa.gid;
    }
    if (sa.mask & SetAttr::size_bit) {
        p.valid |= p9::setattr_size;
        p.size = sa.size;
    }
    if (sa.mask & SetAttr::atime_bit) {
        p.valid |= p9::setattr_atime | p9::setattr_atime_set;
        p.atime_sec = uint64_t(sa.atime.sec);
        p.atime_nsec = uint64_t(sa.atime.nsec);
    }
    if (sa.mask & SetAttr::mtime_bit) {
        p.valid |= p9::setattr_mtime | p9::setattr_mtime_set;
        p.mtime_sec = uint64_t(sa.mtime.sec);
        p.mtime_nsec = uint64_t(sa.mtime.nsec);
    }
    if (sa.mask & SetAttr::ctime_bit)
        p.valid |= p9::setattr_ctime;
    if (!p.valid)
        return 0;
    if (long r = client()->setattr(m_fid, p))
        return r;
    if (p.valid & p9::setattr_mode)
        mode = (mode & s_ifmt) | p.mode;
    if (p.valid & p9::setattr_uid)
        uid = p.uid;
    if (p.valid & p9::setattr_gid)
        gid = p.gid;
    if (p.valid & p9::setattr_size)
        size = p.size;
    m_fresh = false;
    return 0;
}

long P9Node::lookup(Name name, Node** out) {
    Client* c = client();
    uint32_t nf = c->new_fid();
    Qid q;
    Str s = str(name);
    if (long r = c->walk(m_fid, nf, &s, 1, &q)) {
        c->free_fid(nf);
        return r;
    }
    if (P9Node* n = p9()->find(q.path)) {
        if (same_kind(n->m_qid, q)) {
            c->clunk_async(nf);
            n->get();
            *out = n;
            return 0;
        }
        // A file the host deleted and whose inode number it gave to a file
        // of another kind: that node is not this one.
        p9()->remove(n);
    }
    p9::Attr a;
    if (long r = c->getattr(nf, p9::getattr_basic, &a)) {
        c->clunk_async(nf);
        return r;
    }
    // Another thread may have made the node while this one waited.
    P9Node* n = p9()->node_for(nf, q, a);
    if (!n)
        return -ENOMEM;
    *out = n;
    return 0;
}

void P9Node::dir_changed() {
    if (m_dir_buf) {
        mm::free_pages(m_dir_buf, readdir_pages);
        m_dir_buf = nullptr;
    }
}

// A node for a file this node's directory just made under `name`: a fid
// walked to it (unless `fid` is one already) and attributes as created,
// fetched again at the next getattr.
long new_child(P9Node* dir, Name name, uint32_t fid, bool walked, const Qid& q, uint32_t mode,
               uint64_t size, P9Node** out) {
    Client* c = dir->client();
    if (!walked) {
        Str s = str(name);
        if (long r = c->walk(dir->m_fid, fid, &s, 1, nullptr)) {
            c->free_fid(fid);
            return r;
        }
    }
    P9Fs* fs = dir->p9();
    // A cached node with this qid is a file the host has since deleted and
    // whose inode number it reuses: it is not this one.
    if (P9Node* stale = fs->find(q.path))
        fs->remove(stale);
    p9::Attr a;
    Time t = now();
    a.mode = mode;
    a.nlink = is_dir(mode) ? 2 : 1;
    a.size = size;
    a.blksize = 4096;
    a.atime_sec = a.mtime_sec = a.ctime_sec = a.btime_sec = uint64_t(t.sec);
    a.atime_nsec = a.mtime_nsec = a.ctime_nsec = a.btime_nsec = uint64_t(t.nsec);
    P9Node* n = fs->node_for(fid, q, a);
    if (!n)
        return -ENOMEM;
    n->m_fresh = false;
    *out = n;
    return 0;
}

long P9Node::create(Name name, uint32_t new_mode, uint64_t new_rdev, Node** out) {
    if (fs->readonly)
        return -EROFS;
    Client* c = client();
    uint32_t type = new_mode & s_ifmt, perm = new_mode & 07777;
    uint32_t nf = c->new_fid();
    Qid q;
    P9Node* n = nullptr;
    long r;
    if (type == s_ifreg) {
        // Tlcreate turns the fid it is given into the new file, opened: a
        // clone of the directory's, which then serves the open() that
        // follows.
        if ((r = c->walk(m_fid, nf, nullptr, 0, nullptr))) {
            c->free_fid(nf);
            return r;
        }
        if ((r = c->lcreate(nf, str(name), o_rdwr | o_creat | o_excl, perm, 0, &q))) {
            c->clunk_async(nf);
            return r;
        }
        dir_changed();
        auto* of = static_cast<OpenFid*>(kheap_alloc(sizeof(OpenFid), alignof(OpenFid)));
        if (!of) {
            c->clunk_async(nf);
            return -ENOMEM;
        }
        if ((r = new_child(this, name, nf, true, q, new_mode, 0, &n))) {
            kheap_free(of);
            return r;
        }
        *of = OpenFid{n->m_opens, nf, o_rdwr, 0, true};
        n->m_opens = of;
        n->m_created = of;
    } else {
        if (type == s_ifdir)
            r = c->mkdir(m_fid, str(name), perm, 0, &q);
        else
            r = c->mknod(m_fid, str(name), type | perm, dev_major(new_rdev), dev_minor(new_rdev), 0,
                         &q);
        if (r) {
            c->free_fid(nf);
            return r;
        }
        dir_changed();
        if ((r = new_child(this, name, nf, false, q, new_mode, 0, &n)))
            return r;
        n->rdev = new_rdev;
    }
    *out = n;
    return 0;
}

long P9Node::symlink(Name name, Name target, Node** out) {
    if (fs->readonly)
        return -EROFS;
    Client* c = client();
    Qid q;
    if (long r = c->symlink(m_fid, str(name), str(target), 0, &q))
        return r;
    dir_changed();
    P9Node* n;
    if (long r = new_child(this, name, c->new_fid(), false, q, s_iflnk | 0777, target.n, &n))
        return r;
    *out = n;
    return 0;
}

long P9Node::link(Name name, Node* target) {
    if (fs->readonly)
        return -EROFS;
    auto* t = static_cast<P9Node*>(target);
    if (long r = client()->link(m_fid, t->m_fid, str(name)))
        return r;
    dir_changed();
    t->nlink++;
    t->m_fresh = false;
    return 0;
}

long P9Node::unlink(Name name, Node* victim, bool dir) {
    if (fs->readonly)
        return -EROFS;
    if (long r = client()->unlinkat(m_fid, str(name), dir ? p9::at_removedir : 0))
        return r;
    dir_changed();
    auto* v = static_cast<P9Node*>(victim);
    v->m_fresh = false;
    if (v->nlink)
        v->nlink--;
    // Gone from the host: its inode number may come back for another file.
    if (dir || v->nlink == 0) {
        v->nlink = 0;
        p9()->remove(v);
    }
    return 0;
}

long P9Node::rename(Name name, Node* to_dir, Name to_name, bool exchange) {
    if (fs->readonly)
        return -EROFS;
    // 9P has no exchange; Linux's 9p refuses it the same way.
    if (exchange)
        return -EINVAL;
    auto* to = static_cast<P9Node*>(to_dir);
    if (long r = client()->renameat(m_fid, str(name), to->m_fid, str(to_name)))
        return r;
    dir_changed();
    to->dir_changed();
    return 0;
}

long P9Node::readdir(uint64_t* cookie, DirSink& sink) {
    if (!is_dir(mode))
        return -ENOTDIR;
    uint8_t* buf = nullptr;
    Str rest;
    // The previous call stopped here with entries left over.
    if (*cookie && m_dir_buf && *cookie == m_dir_cookie) {
        buf = m_dir_buf;
        rest = m_dir_rest;
        m_dir_buf = nullptr;
    }
    OpenFid* of = nullptr;
    long result = 0;
    bool any = false;
    for (;;) {
        if (!rest.n) {
            long err = 0;
            if (!of && !(of = io_fid(false, &err))) {
                result = err;
                break;
            }
            if (!buf &&
                !(buf = static_cast<uint8_t*>(mm::alloc_pages(readdir_pages, 1, mm::Fill::any)))) {
                result = -ENOMEM;
                break;
            }
            if ((result = client()->readdir(of->fid, *cookie, buf, readdir_bytes, &rest)))
                break;
            if (!rest.n)
                break; // the end
        }
        p9::DirReader rd(rest);
        p9::Dirent e;
        long k;
        for (;;) {
            Str before = rd.rest();
            if ((k = rd.next(&e)) != 1)
                break;
            if (!sink.emit(Name{e.name.p, e.name.n}, e.qid.path, uint32_t(e.type) << 12,
                           e.offset)) {
                // Full: keep what is left for the next call.
                m_dir_buf = buf;
                m_dir_rest = before;
                m_dir_cookie = *cookie;
                buf = nullptr;
                result = any ? 0 : 1;
                break;
            }
            any = true;
            *cookie = e.offset;
        }
        if (k < 0)
            result = k;
        if (k != 0)
            break;
        rest = Str{};
    }
    if (buf)
        mm::free_pages(buf, readdir_pages);
    if (of)
        put_open(of);
    return result;
}

long P9Node::readlink(char* buf, size_t len) {
    if (!is_lnk(mode))
        return -EINVAL;
    return client()->readlink(m_fid, buf, len);
}

OpenFid* P9Node::io_fid(bool for_write, long* err) {
    for (OpenFid* of = m_opens; of; of = of->next) {
        if (for_write ? can_write(of->access) : can_read(of->access)) {
            of->users++;
            return of;
        }
    }
    // No File has one (a mapping's page fills after close, a directory read
    // by the kernel): one of the node's own, kept until the node goes.
    Client* c = client();
    auto* of = static_cast<OpenFid*>(kheap_alloc(sizeof(OpenFid), alignof(OpenFid)));
    if (!of) {
        *err = -ENOMEM;
        return nullptr;
    }
    uint32_t access = for_write ? o_wronly : o_rdonly;
    uint32_t nf = c->new_fid();
    Qid q;
    uint32_t iounit;
    long r = c->walk(m_fid, nf, nullptr, 0, nullptr);
    if (r) {
        c->free_fid(nf);
    } else if ((r = c->lopen(nf, access | (is_dir(mode) ? o_directory : 0), &q, &iounit))) {
        c->clunk_async(nf);
    }
    if (r) {
        kheap_free(of);
        *err = r;
        return nullptr;
    }
    *of = OpenFid{m_opens, nf, access, 1, true};
    m_opens = of;
    return of;
}

void P9Node::put_open(OpenFid* of) {
    if (--of->users || of->node_owned)
        return;
    for (OpenFid** p = &m_opens; *p; p = &(*p)->next) {
        if (*p == of) {
            *p = of->next;
            break;
        }
    }
    client()->clunk_async(of->fid);
    kheap_free(of);
}

// Whether kernel memory at [p, p + len) can be handed to a device: the
// direct map and the image are, kernel stacks are not.
bool dma_able(uint64_t p, size_t len) {
    uint64_t image_lo = reinterpret_cast<uintptr_t>(__uk_image_start);
    uint64_t image_hi = reinterpret_cast<uintptr_t>(__uk_image_end);
    if (p >= mm::direct_map_base && p - mm::direct_map_base < mm::direct_map_size)
        return len <= mm::direct_map_size - (p - mm::direct_map_base);
    return p >= image_lo && p < image_hi && len <= image_hi - p;
}

// Appends the physical ranges behind [addr, addr + len) (the app's memory
// when `user`) to segs[0, *nseg), for a device that writes them
// (`device_writes`) or reads them: at most `max` segments, physically
// contiguous pieces merged. Returns the bytes covered: fewer when the
// segments run out or a page cannot be used (the caller then copies, which
// reports a bad address as EFAULT).
size_t map_span(bool user, uint64_t addr, size_t len, bool device_writes, p9::Seg* segs, size_t max,
                size_t* nseg) {
    size_t done = 0, n = *nseg;
    auto add = [&](uint64_t pa, size_t k) {
        if (n && segs[n - 1].phys + segs[n - 1].len == pa && segs[n - 1].len + k <= 0xffffffffu) {
            segs[n - 1].len += uint32_t(k);
            return true;
        }
        if (n == max)
            return false;
        segs[n++] = {pa, uint32_t(k), device_writes};
        return true;
    };
    if (!user) {
        if (dma_able(addr, len) && add(mm::virt_to_phys(reinterpret_cast<void*>(addr)), len))
            done = len;
        *nseg = n;
        return done;
    }
    while (done < len) {
        uint64_t va = addr + done;
        size_t in_page = mm::page_size - (va & (mm::page_size - 1));
        size_t k = len - done < in_page ? len - done : in_page;
        uint64_t pa = mm::uvm::dma_page(mm::page_round_down(va), device_writes);
        if (pa == arch::no_page || !add(pa + (va & (mm::page_size - 1)), k))
            break;
        done += k;
    }
    *nseg = n;
    return done;
}

// The physical ranges behind up to `want` bytes of b from its cursor, over
// as many of its segments (iovecs) as fit, as map_span. b is a copy: the
// caller's cursor moves once the device has moved the bytes.
size_t map_buf(IoBuf b, size_t want, bool device_writes, p9::Seg* segs, size_t max, size_t* nseg) {
    size_t done = 0;
    *nseg = 0;
    uint64_t addr;
    size_t len;
    while (done < want && b.span(&addr, &len)) {
        size_t k = len < want - done ? len : want - done;
        size_t got = map_span(b.is_user(), addr, k, device_writes, segs, max, nseg);
        done += got;
        if (got < k)
            break;
        b.skip(got);
    }
    return done;
}

long P9Node::transfer(OpenFid* of, IoBuf& buf, uint64_t off, bool to_host) {
    Client* c = client();
    size_t per_msg = c->msize() - (to_host ? p9::twrite_header_size : p9::rread_header_size);
    size_t done = 0;
    while (buf.left() && !buf.faulted()) {
        Slot* s = c->get_slot();
        if (!s)
            return done ? long(done) : -ENOMEM;
        size_t want = buf.left() < per_msg ? buf.left() : per_msg;
        size_t nseg = 0, mapped = 0;
        if (want > small_io)
            mapped = map_buf(buf, want, !to_host, s->data_segs(), c->max_data_segs(), &nseg);
        long r;
        size_t asked;
        if (mapped) {
            asked = mapped;
            mm::uvm::dma_hold();
            r = to_host ? c->write(s, of->fid, off, nseg, uint32_t(mapped))
                        : c->read(s, of->fid, off, nseg, uint32_t(mapped));
            mm::uvm::dma_release();
            if (r > 0)
                buf.skip(size_t(r));
        } else if (to_host) {
            // Through the message buffer: the data follows Twrite's header.
            uint8_t* data = s->t + p9::twrite_header_size;
            asked = buf.drain(data, want < small_io ? want : small_io);
            r = 0;
            if (asked) {
                s->data_segs()[0] = {mm::virt_to_phys(data), uint32_t(asked), false};
                r = c->write(s, of->fid, off, 1, uint32_t(asked));
            }
        } else {
            uint8_t* data = s->r + p9::rread_header_size;
            asked = want < small_io ? want : small_io;
            s->data_segs()[0] = {mm::virt_to_phys(data), uint32_t(asked), true};
            r = c->read(s, of->fid, off, 1, uint32_t(asked));
            if (r > 0)
                r = long(buf.fill(data, size_t(r)));
        }
        c->put_slot(s);
        if (r < 0)
            return done ? long(done) : r;
        done += size_t(r);
        off += uint64_t(r);
        // End of file, or the host took less than offered.
        if (size_t(r) < asked || r == 0)
            break;
    }
    return buf.result(done);
}

long P9Node::read(IoBuf& buf, uint64_t off) {
    if (is_dir(mode))
        return -EISDIR;
    long err = 0;
    OpenFid* of = io_fid(false, &err);
    if (!of)
        return err;
    long r = transfer(of, buf, off, false);
    put_open(of);
    return r;
}

long P9Node::write(IoBuf& buf, uint64_t off) {
    if (fs->readonly)
        return -EROFS;
    long err = 0;
    OpenFid* of = io_fid(true, &err);
    if (!of)
        return err;
    long r = transfer(of, buf, off, true);
    put_open(of);
    if (r > 0 && off + uint64_t(r) > size)
        size = off + uint64_t(r);
    if (r > 0)
        m_fresh = false;
    return r;
}

long P9Node::fsync(bool data_only) {
    long err = 0;
    OpenFid* of = io_fid(false, &err);
    if (!of)
        return err;
    long r = client()->fsync(of->fid, data_only);
    put_open(of);
    return r;
}

long P9Node::open(uint32_t flags, File** out) {
    uint32_t access = flags & o_accmode;
    OpenFid* of = m_created;
    if (of) {
        // The open that follows create(): Tlcreate opened the file already.
        m_created = nullptr;
    } else {
        Client* c = client();
        // The VFS has truncated (O_TRUNC) and resolves O_APPEND itself; the
        // host's fid only needs the access mode.
        uint32_t lflags =
            is_dir(mode) ? (o_rdonly | o_directory) : (access | (flags & (o_sync | o_dsync)));
        uint32_t nf = c->new_fid();
        Qid q;
        uint32_t iounit;
        if (long r = c->walk(m_fid, nf, nullptr, 0, nullptr)) {
            c->free_fid(nf);
            return r;
        }
        if (long r = c->lopen(nf, lflags, &q, &iounit)) {
            c->clunk_async(nf);
            return r;
        }
        of = static_cast<OpenFid*>(kheap_alloc(sizeof(OpenFid), alignof(OpenFid)));
        if (!of) {
            c->clunk_async(nf);
            return -ENOMEM;
        }
        *of = OpenFid{m_opens, nf, is_dir(mode) ? o_rdonly : access, 0, false};
        m_opens = of;
    }
    P9File* f = make<P9File>();
    if (!f) {
        of->users++;
        put_open(of);
        return -ENOMEM;
    }
    of->users++;
    f->m_of = of;
    *out = f;
    return 0;
}

void P9Node::release() {
    P9Fs* f = p9();
    f->remove(this);
    Client* c = client();
    while (OpenFid* of = m_opens) {
        m_opens = of->next;
        if (of->fid != m_fid)
            c->clunk_async(of->fid);
        kheap_free(of);
    }
    if (m_fid != p9::no_fid)
        c->clunk_async(m_fid);
    dir_changed();
    Node::release();
}

long P9Fs::statfs(StatFs* out) {
    p9::StatFs s;
    if (long r = m_client->statfs(static_cast<P9Node*>(root)->m_fid, &s))
        return r;
    *out = StatFs{};
    out->type = v9fs_magic;
    out->bsize = s.bsize;
    out->frsize = s.bsize;
    out->blocks = s.blocks;
    out->bfree = s.bfree;
    out->bavail = s.bavail;
    out->files = s.files;
    out->ffree = s.ffree;
    out->namelen = s.namelen;
    if (readonly)
        out->flags |= ms_rdonly;
    return 0;
}

void P9Fs::unmount() {
    if (root)
        root->put();
    root = nullptr;
    kheap_free(this);
}

// Options as Linux's 9p takes them (comma-separated); msize= is the one
// that matters here, the rest (trans=, version=, cache=, ...) describe what
// this client does anyway and are ignored.
long parse_options(const char* opts, uint32_t* msize) {
    const char* p = opts ? opts : "";
    while (*p) {
        const char* end = p;
        while (*end && *end != ',')
            end++;
        static const char key[] = "msize=";
        size_t klen = sizeof key - 1;
        if (size_t(end - p) > klen && __builtin_memcmp(p, key, klen) == 0) {
            uint64_t v = 0;
            for (const char* q = p + klen; q < end; q++) {
                if (*q < '0' || *q > '9' || v > 0xffffffffu / 10)
                    return -EINVAL;
                v = v * 10 + uint64_t(*q - '0');
            }
            if (v < 4096 || v > 0xffffffffu)
                return -EINVAL;
            *msize = uint32_t(v);
        }
        p = *end ? end + 1 : end;
    }
    return 0;
}

long mount_9p(const MountArgs& args, FileSystem** out) {
    p9::Transport* t = p9::find_transport(args.source ? args.source : "");
    if (!t)
        return -ENODEV;
    uint32_t msize = default_msize;
    if (long r = parse_options(args.options, &msize))
        return r;
    if (!t->client) {
        if (long r = Client::connect(t, msize, &t->client))
            return r;
    }
    Client* c = t->client;
    uint32_t fid = c->new_fid();
    Qid q;
    if (long r = c->attach(fid, p9::cstr("root"), p9::cstr(""), 0, &q)) {
        c->free_fid(fid);
        return r;
    }
    p9::Attr a;
    if (long r = c->getattr(fid, p9::getattr_basic, &a)) {
        c->clunk_async(fid);
        return r;
    }
    P9Fs* fs = make<P9Fs>();
    if (!fs) {
        c->clunk_async(fid);
        return -ENOMEM;
    }
    fs->m_client = c;
    fs->type = "9pfs";
    fs->readonly = args.flags & ms_rdonly;
    fs->magic = v9fs_magic;
    P9Node* root = fs->node_for(fid, q, a);
    if (!root) {
        kheap_free(fs);
        return -ENOMEM;
    }
    fs->root = root;
    *out = fs;
    return 0;
}

} // namespace

UK_FS_TYPE(p9fs, "9pfs", mount_9p);
UK_FS_TYPE(p9, "9p", mount_9p);

} // namespace uk::vfs
