// ramfs: directories are hash tables over an insertion-ordered entry array
// (readdir positions stay valid while names come and go), regular files an
// array of pages, possibly borrowing their first bytes from the initrd.
#include "vfs/ramfs.h"

#include "lib/errno.h"
#include "mm/layout.h"
#include "mm/mm.h"

namespace uk::vfs::ramfs {

namespace {

constexpr uint64_t ramfs_magic = 0x858458f6, tmpfs_magic = 0x01021994;
constexpr size_t page = mm::page_size;
// The largest file: what the page array can index without its size
// wrapping (16 TiB).
constexpr uint64_t max_file_size = uint64_t(1) << 44;

class RamFs;
class RamNode;

struct Entry {
    RamNode* node;
    uint32_t hash;
    uint16_t len;
    char name[1]; // len bytes, not terminated
};

uint32_t hash_name(Name n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n.n; i++)
        h = (h ^ uint8_t(n.p[i])) * 16777619u;
    return h;
}

class RamFs final : public FileSystem {
  public:
    size_t pages_used = 0;
    uint64_t nodes = 0;
    bool tmpfs = false;
    long statfs(StatFs* out) override;
    void unmount() override;

    // A zeroed page for file data, or nullptr: ENOSPC. A reserve stays for
    // the app's own memory and the kernel.
    void* alloc_page() {
        size_t total = mm::total_page_count();
        size_t reserve = total / 32 > 256 ? total / 32 : 256;
        if (mm::free_page_count() <= reserve)
            return nullptr;
        void* p = mm::alloc_pages(1);
        if (p)
            pages_used++;
        return p;
    }
    void free_page(char* p) {
        mm::free_pages(p, 1);
        pages_used--;
    }
};

class RamNode final : public Node {
  public:
    // Directories.
    Entry** entries = nullptr; // in creation order; nullptr where removed
    uint32_t nentries = 0, entries_cap = 0, live = 0;
    uint32_t* index = nullptr; // open addressing: entry position + 1, 0 empty
    uint32_t index_cap = 0;
    // Regular files: the pages, by their kernel address (nullptr: a hole,
    // or borrowed).
    char** pages = nullptr;
    size_t pages_cap = 0;
    size_t npages = 0; // allocated pages
    const char* borrowed = nullptr;
    size_t borrowed_len = 0;
    // Symbolic links.
    char* target = nullptr;
    size_t target_len = 0;

    RamFs* rfs() const { return static_cast<RamFs*>(fs); }

    long getattr(Attr* a) override {
        Node::getattr(a);
        if (is_reg(mode))
            a->blocks = npages * (page / 512);
        return 0;
    }
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
    long fallocate(int mode, uint64_t off, uint64_t len) override;
    long seek_data(uint64_t off, bool hole, uint64_t* out) override;
    long map_page(uint64_t index, bool for_write, uint64_t* phys) override;
    bool maps_pages() const override { return is_reg(mode); }
    size_t lasting_bytes(uint64_t off, size_t max, const char** out) override;
    void release() override;

    // Directory helpers.
    int find(Name name, uint32_t hash) const;
    long add_entry(Name name, RamNode* child);
    void remove_at(int pos);
    bool rehash(uint32_t cap);

    // File helpers.
    bool ensure_page_slots(size_t n);
    long page_for_write(size_t i, char** out);
    void free_pages_from(size_t first);
    long resize(uint64_t new_size);
};

RamNode* new_node(RamFs* fs, uint32_t mode) {
    auto* n = vfs::make<RamNode>();
    if (!n)
        return nullptr;
    n->fs = fs;
    n->ino = ++fs->nodes + 1;
    n->mode = mode;
    n->nlink = is_dir(mode) ? 2 : 1;
    Time t = now();
    n->atime = n->mtime = n->ctime = n->btime = t;
    return n;
}

RamNode* as_ram(Node* n) {
    return static_cast<RamNode*>(n);
}

// ------------------------------------------------------------ directories

int RamNode::find(Name name, uint32_t hash) const {
    if (!index_cap)
        return -1;
    for (uint32_t i = hash & (index_cap - 1);; i = (i + 1) & (index_cap - 1)) {
        uint32_t v = index[i];
        if (v == 0)
            return -1;
        if (v == UINT32_MAX)
            continue;
        Entry* e = entries[v - 1];
        if (e && e->hash == hash && e->len == name.n &&
            __builtin_memcmp(e->name, name.p, name.n) == 0)
            return int(v - 1);
    }
}

bool RamNode::rehash(uint32_t cap) {
    auto* idx = static_cast<uint32_t*>(kheap_alloc(cap * sizeof(uint32_t), 16));
    if (!idx)
        return false;
    __builtin_memset(idx, 0, cap * sizeof(uint32_t));
    for (uint32_t pos = 0; pos < nentries; pos++) {
        Entry* e = entries[pos];
        if (!e)
            continue;
        uint32_t i = e->hash & (cap - 1);
        while (idx[i])
            i = (i + 1) & (cap - 1);
        idx[i] = pos + 1;
    }
    kheap_free(index);
    index = idx;
    index_cap = cap;
    return true;
}

long RamNode::add_entry(Name name, RamNode* child) {
    // Compact the array when removed entries dominate and no open
    // directory stream holds positions in it.
    if (nentries == entries_cap && live < nentries / 2 && open_files == 0) {
        uint32_t w = 0;
        for (uint32_t r = 0; r < nentries; r++)
            if (entries[r])
                entries[w++] = entries[r];
        nentries = w;
        if (!rehash(index_cap))
            return -ENOMEM;
    }
    if (nentries == entries_cap) {
        uint32_t cap = entries_cap ? entries_cap * 2 : 8;
        auto** grown = static_cast<Entry**>(kheap_alloc(cap * sizeof(Entry*), 16));
        if (!grown)
            return -ENOSPC;
        if (nentries)
            __builtin_memcpy(grown, entries, nentries * sizeof(Entry*));
        kheap_free(entries);
        entries = grown;
        entries_cap = cap;
    }
    if ((nentries + 1) * 2 > index_cap && !rehash(index_cap ? index_cap * 2 : 16))
        return -ENOSPC;
    auto* e = static_cast<Entry*>(kheap_alloc(sizeof(Entry) + name.n, 8));
    if (!e)
        return -ENOSPC;
    e->node = child;
    e->hash = hash_name(name);
    e->len = uint16_t(name.n);
    __builtin_memcpy(e->name, name.p, name.n);
    uint32_t pos = nentries++;
    entries[pos] = e;
    uint32_t i = e->hash & (index_cap - 1);
    while (index[i] && index[i] != UINT32_MAX)
        i = (i + 1) & (index_cap - 1);
    index[i] = pos + 1;
    live++;
    child->get();
    return 0;
}

// Drops entry `pos` (and the directory's reference to its node).
void RamNode::remove_at(int pos) {
    Entry* e = entries[pos];
    for (uint32_t i = e->hash & (index_cap - 1);; i = (i + 1) & (index_cap - 1))
        if (index[i] == uint32_t(pos) + 1) {
            index[i] = UINT32_MAX;
            break;
        }
    entries[pos] = nullptr;
    live--;
    RamNode* child = e->node;
    kheap_free(e);
    child->put();
}

long RamNode::lookup(Name name, Node** out) {
    if (!is_dir(mode))
        return -ENOTDIR;
    int pos = find(name, hash_name(name));
    if (pos < 0)
        return -ENOENT;
    Node* n = entries[pos]->node;
    n->get();
    *out = n;
    return 0;
}

long RamNode::create(Name name, uint32_t new_mode, uint64_t new_rdev, Node** out) {
    if (find(name, hash_name(name)) >= 0)
        return -EEXIST;
    RamNode* child = new_node(rfs(), new_mode);
    if (!child)
        return -ENOSPC;
    child->rdev = new_rdev;
    if (long r = add_entry(name, child)) {
        child->release();
        return r;
    }
    if (is_dir(new_mode))
        nlink++;
    mtime = ctime = child->ctime;
    *out = child; // the creation reference becomes the caller's
    return 0;
}

long RamNode::symlink(Name name, Name to, Node** out) {
    if (find(name, hash_name(name)) >= 0)
        return -EEXIST;
    RamNode* child = new_node(rfs(), s_iflnk | 0777);
    char* t = child ? static_cast<char*>(kheap_alloc(to.n + 1, 1)) : nullptr;
    if (!t) {
        if (child)
            child->release();
        return -ENOSPC;
    }
    __builtin_memcpy(t, to.p, to.n);
    t[to.n] = '\0';
    child->target = t;
    child->target_len = to.n;
    child->size = to.n;
    if (long r = add_entry(name, child)) {
        child->release();
        return r;
    }
    mtime = ctime = child->ctime;
    *out = child;
    return 0;
}

long RamNode::link(Name name, Node* target) {
    if (find(name, hash_name(name)) >= 0)
        return -EEXIST;
    if (long r = add_entry(name, as_ram(target)))
        return r;
    target->nlink++;
    target->ctime = mtime = ctime = now();
    return 0;
}

long RamNode::unlink(Name name, Node* victim, bool dir) {
    int pos = find(name, hash_name(name));
    if (pos < 0)
        return -ENOENT;
    RamNode* v = entries[pos]->node;
    if (v != victim)
        return -ENOENT;
    if (dir) {
        if (v->live)
            return -ENOTEMPTY;
        v->nlink = 0;
        nlink--;
    } else {
        v->nlink--;
    }
    v->ctime = mtime = ctime = now();
    remove_at(pos);
    return 0;
}

long RamNode::rename(Name name, Node* to_dir, Name to_name, bool exchange) {
    RamNode* to = as_ram(to_dir);
    int from_pos = find(name, hash_name(name));
    if (from_pos < 0)
        return -ENOENT;
    RamNode* moving = entries[from_pos]->node;
    int to_pos = to->find(to_name, hash_name(to_name));
    Time t = now();
    if (exchange) {
        if (to_pos < 0)
            return -ENOENT;
        RamNode* other = to->entries[to_pos]->node;
        entries[from_pos]->node = other;
        to->entries[to_pos]->node = moving;
        if (is_dir(moving->mode) != is_dir(other->mode) && this != to) {
            if (is_dir(moving->mode)) {
                nlink--;
                to->nlink++;
            } else {
                nlink++;
                to->nlink--;
            }
        }
        moving->ctime = other->ctime = mtime = ctime = to->mtime = to->ctime = t;
        return 0;
    }
    if (to_pos >= 0) {
        RamNode* old = to->entries[to_pos]->node;
        if (old == moving)
            return 0;
        if (is_dir(old->mode)) {
            if (old->live)
                return -ENOTEMPTY;
            old->nlink = 0;
            to->nlink--;
        } else {
            old->nlink--;
        }
        old->ctime = t;
        // Point the existing entry at the moving node: no allocation, so
        // the replacement cannot fail half way.
        moving->get();
        to->entries[to_pos]->node = moving;
        old->put();
    } else if (long r = to->add_entry(to_name, moving)) {
        return r;
    }
    if (is_dir(moving->mode) && this != to) {
        nlink--;
        to->nlink++;
    }
    // Removing the old entry may compact nothing (positions stay), and
    // drops the old directory's reference to the node.
    from_pos = find(name, hash_name(name));
    remove_at(from_pos);
    moving->ctime = mtime = ctime = to->mtime = to->ctime = t;
    return 0;
}

long RamNode::readdir(uint64_t* cookie, DirSink& sink) {
    if (!is_dir(mode))
        return -ENOTDIR;
    uint64_t c = *cookie;
    bool any = false;
    if (c == 0) {
        if (!sink.emit(Name{".", 1}, ino, s_ifdir, 1))
            return 1;
        any = true;
        c = 1;
    }
    if (c == 1) {
        uint64_t pino = parent ? parent->ino : ino;
        if (!sink.emit(Name{"..", 2}, pino, s_ifdir, 2))
            return any ? 0 : 1;
        any = true;
        c = 2;
    }
    for (uint64_t pos = c - 2; pos < nentries; pos++) {
        Entry* e = entries[pos];
        if (!e)
            continue;
        if (!sink.emit(Name{e->name, e->len}, e->node->ino, e->node->mode, pos + 3)) {
            *cookie = pos + 2;
            return any ? 0 : 1;
        }
        any = true;
    }
    *cookie = uint64_t(nentries) + 2;
    return 0;
}

long RamNode::readlink(char* buf, size_t len) {
    if (!is_lnk(mode))
        return -EINVAL;
    size_t n = target_len < len ? target_len : len;
    __builtin_memcpy(buf, target, n);
    return long(n);
}

// ------------------------------------------------------------ files

bool RamNode::ensure_page_slots(size_t n) {
    if (n <= pages_cap)
        return true;
    size_t cap = pages_cap ? pages_cap : 4;
    while (cap < n)
        cap *= 2;
    auto* grown = static_cast<char**>(kheap_alloc(cap * sizeof(char*), 16));
    if (!grown)
        return false;
    if (pages_cap)
        __builtin_memcpy(grown, pages, pages_cap * sizeof(char*));
    __builtin_memset(grown + pages_cap, 0, (cap - pages_cap) * sizeof(char*));
    kheap_free(pages);
    pages = grown;
    pages_cap = cap;
    return true;
}

// The writable page i of the file (allocating it, with the borrowed bytes
// it covered), or -ENOSPC.
long RamNode::page_for_write(size_t i, char** out) {
    if (!ensure_page_slots(i + 1))
        return -ENOSPC;
    if (!pages[i]) {
        void* p = rfs()->alloc_page();
        if (!p)
            return -ENOSPC;
        uint64_t at = uint64_t(i) * page;
        if (at < borrowed_len) {
            size_t n = borrowed_len - at < page ? size_t(borrowed_len - at) : page;
            __builtin_memcpy(p, borrowed + at, n);
        }
        pages[i] = static_cast<char*>(p);
        npages++;
    }
    *out = pages[i];
    return 0;
}

void RamNode::free_pages_from(size_t first) {
    for (size_t i = first; i < pages_cap; i++)
        if (pages[i]) {
            rfs()->free_page(pages[i]);
            pages[i] = nullptr;
            npages--;
        }
}

long RamNode::resize(uint64_t new_size) {
    if (new_size > max_file_size)
        return -EFBIG;
    if (new_size < size) {
        // Zero the tail of the last page kept, so that growing again reads
        // zeros; free whole pages past it unless a mapping uses them.
        size_t keep = size_t((new_size + page - 1) / page);
        if (new_size % page && keep - 1 < pages_cap && pages[keep - 1]) {
            char* p = pages[keep - 1];
            __builtin_memset(p + new_size % page, 0, page - new_size % page);
        }
        if (!mmaps)
            free_pages_from(keep);
        if (borrowed_len > new_size)
            borrowed_len = size_t(new_size);
        // A borrowed partial page whose tail must now read as zeros is
        // copied, so the zeros exist.
        if (new_size % page && new_size < borrowed_len + page && keep - 1 < pages_cap &&
            !pages[keep - 1] && uint64_t(keep - 1) * page < borrowed_len) {
            char* p;
            if (long r = page_for_write(keep - 1, &p))
                return r;
        }
    }
    size = new_size;
    return 0;
}

long RamNode::setattr(const SetAttr& sa) {
    if (sa.mask & SetAttr::size_bit) {
        if (!is_reg(mode))
            return is_dir(mode) ? -EISDIR : -EINVAL;
        if (long r = resize(sa.size))
            return r;
        mtime = now();
    }
    SetAttr rest = sa;
    rest.mask &= ~SetAttr::size_bit;
    return Node::setattr(rest);
}

long RamNode::read(IoBuf& buf, uint64_t off) {
    if (!is_reg(mode))
        return Node::read(buf, off);
    size_t done = 0;
    while (buf.left() && off < size) {
        size_t i = size_t(off / page);
        size_t in = size_t(off % page);
        size_t n = page - in;
        if (n > size - off)
            n = size_t(size - off);
        if (n > buf.left())
            n = buf.left();
        size_t moved;
        if (i < pages_cap && pages[i]) {
            moved = buf.fill(pages[i] + in, n);
        } else if (off < borrowed_len) {
            size_t b = borrowed_len - off < n ? size_t(borrowed_len - off) : n;
            moved = buf.fill(borrowed + off, b);
            if (moved == b && b < n)
                moved += buf.fill_zero(n - b);
        } else {
            moved = buf.fill_zero(n);
        }
        done += moved;
        off += moved;
        if (moved < n)
            break;
    }
    return buf.result(done);
}

// The initrd's bytes (borrowed) stay where they are for good: a write
// gives the file a page of its own instead, and the bytes stop at the
// first such page.
size_t RamNode::lasting_bytes(uint64_t off, size_t max, const char** out) {
    if (!is_reg(mode) || off >= size || off >= borrowed_len)
        return 0;
    uint64_t end = size < borrowed_len ? size : borrowed_len;
    if (end - off > max)
        end = off + max;
    uint64_t at = off;
    while (at < end) {
        size_t i = size_t(at / page);
        if (i < pages_cap && pages[i])
            break;
        at = (at / page + 1) * page;
    }
    if (at > end)
        at = end;
    *out = borrowed + off;
    return size_t(at - off);
}

long RamNode::write(IoBuf& buf, uint64_t off) {
    if (!is_reg(mode))
        return Node::write(buf, off);
    if (off >= max_file_size)
        return buf.left() ? -EFBIG : 0;
    size_t done = 0;
    long err = 0;
    while (buf.left()) {
        if (off >= max_file_size)
            break;
        size_t i = size_t(off / page);
        size_t in = size_t(off % page);
        size_t n = page - in < buf.left() ? page - in : buf.left();
        char* p;
        if (long r = page_for_write(i, &p)) {
            err = r;
            break;
        }
        size_t moved = buf.drain(p + in, n);
        done += moved;
        off += moved;
        if (off > size)
            size = off;
        if (moved < n)
            break;
    }
    if (done) {
        mtime = ctime = now();
        return long(done);
    }
    return err ? err : buf.result(0);
}

long RamNode::fallocate(int fmode, uint64_t off, uint64_t len) {
    constexpr int keep_size = 1, punch_hole = 2;
    if (!is_reg(mode))
        return is_dir(mode) ? -EISDIR : -ENODEV;
    if (len > max_file_size || off > max_file_size - len)
        return -EFBIG;
    if (fmode & ~(keep_size | punch_hole))
        return -EOPNOTSUPP;
    if (fmode & punch_hole) {
        if (!(fmode & keep_size))
            return -EOPNOTSUPP;
        uint64_t end = off + len < size ? off + len : size;
        for (uint64_t at = off; at < end;) {
            size_t i = size_t(at / page);
            size_t in = size_t(at % page);
            size_t n = page - in < end - at ? page - in : size_t(end - at);
            if (in == 0 && n == page && i < pages_cap && pages[i] && !mmaps &&
                at + page > borrowed_len) {
                rfs()->free_page(pages[i]);
                pages[i] = nullptr;
                npages--;
            } else if ((i < pages_cap && pages[i]) || at < borrowed_len) {
                char* p;
                if (long r = page_for_write(i, &p))
                    return r;
                __builtin_memset(p + in, 0, n);
            }
            at += n;
        }
        mtime = ctime = now();
        return 0;
    }
    // Space is checked, not taken: like tmpfs's unwritten pages, the range
    // reads as a hole (SEEK_DATA skips it) until it is written.
    uint64_t want = (len + page - 1) / page;
    if (mm::free_page_count() < want + mm::total_page_count() / 32)
        return -ENOSPC;
    if (!(fmode & keep_size) && off + len > size)
        size = off + len;
    ctime = now();
    return 0;
}

long RamNode::seek_data(uint64_t off, bool hole, uint64_t* out) {
    if (off >= size)
        return -ENXIO;
    for (uint64_t at = off; at < size; at = (at / page + 1) * page) {
        size_t i = size_t(at / page);
        bool data = (i < pages_cap && pages[i]) || at < borrowed_len;
        if (data != hole) {
            *out = at < off ? off : at;
            return 0;
        }
    }
    if (hole) {
        *out = size;
        return 0;
    }
    return -ENXIO;
}

long RamNode::map_page(uint64_t i, bool for_write, uint64_t* phys) {
    if (!is_reg(mode))
        return -ENODEV;
    if (i >= max_file_size / page)
        return -EFBIG;
    size_t idx = size_t(i);
    if (!for_write && !(idx < pages_cap && pages[idx]) && uint64_t(idx) * page < borrowed_len &&
        (reinterpret_cast<uintptr_t>(borrowed) & (page - 1)) == 0 &&
        uint64_t(idx + 1) * page <= borrowed_len) {
        *phys = mm::virt_to_phys(borrowed + idx * page);
        return 0;
    }
    char* p;
    if (long r = page_for_write(idx, &p))
        return r;
    *phys = mm::virt_to_phys(pages[idx]);
    return 0;
}

void RamNode::release() {
    if (is_dir(mode)) {
        for (uint32_t pos = 0; pos < nentries; pos++)
            if (entries[pos])
                remove_at(int(pos));
        kheap_free(entries);
        kheap_free(index);
    }
    if (pages) {
        free_pages_from(0);
        kheap_free(pages);
    }
    kheap_free(target);
    Node::release();
}

// ------------------------------------------------------------ file system

long RamFs::statfs(StatFs* out) {
    *out = StatFs{};
    out->type = tmpfs ? tmpfs_magic : ramfs_magic;
    size_t total = mm::total_page_count();
    size_t free = mm::free_page_count();
    out->blocks = total;
    out->bfree = free;
    out->bavail = free;
    out->files = total;
    out->ffree = total > nodes ? total - nodes : 0;
    out->namelen = 255;
    return 0;
}

// Empties the tree under `top` bottom-up. Directories and their children
// reference each other (a child holds its parent for ".."), so dropping
// the root alone would keep a non-empty tree alive; no recursion, so a deep
// tree cannot exhaust the stack.
void clear_tree(RamNode* top) {
    for (;;) {
        // Down to a directory whose subdirectories are all empty.
        RamNode* d = top;
        for (bool deeper = true; deeper;) {
            deeper = false;
            for (uint32_t pos = 0; pos < d->nentries; pos++) {
                Entry* e = d->entries[pos];
                if (e && is_dir(e->node->mode) && e->node->live) {
                    d = e->node;
                    deeper = true;
                    break;
                }
            }
        }
        for (uint32_t pos = 0; pos < d->nentries; pos++) {
            if (Entry* e = d->entries[pos]) {
                RamNode* n = e->node;
                if (is_dir(n->mode)) {
                    n->nlink = 0;
                    d->nlink--;
                } else {
                    n->nlink--;
                }
                d->remove_at(int(pos));
            }
        }
        if (d == top)
            return;
    }
}

void RamFs::unmount() {
    clear_tree(static_cast<RamNode*>(root));
    root->put();
    kheap_free(this);
}

} // namespace

long make(const MountArgs&, FileSystem** out) {
    auto* fs = vfs::make<RamFs>();
    if (!fs)
        return -ENOMEM;
    fs->type = "ramfs";
    fs->magic = ramfs_magic;
    RamNode* root = new_node(fs, s_ifdir | 0755);
    if (!root) {
        kheap_free(fs);
        return -ENOMEM;
    }
    fs->root = root;
    *out = fs;
    return 0;
}

long make_tmpfs(const MountArgs& args, FileSystem** out) {
    if (long r = make(args, out))
        return r;
    auto* fs = static_cast<RamFs*>(*out);
    fs->type = "tmpfs";
    fs->tmpfs = true;
    fs->magic = tmpfs_magic;
    fs->root->mode = s_ifdir | 01777;
    return 0;
}

long set_borrowed_data(Node* node, const void* data, size_t len) {
    if (!is_ramfs(node->fs) || !is_reg(node->mode))
        return -EINVAL;
    RamNode* n = as_ram(node);
    n->free_pages_from(0);
    n->borrowed = static_cast<const char*>(data);
    n->borrowed_len = len;
    n->size = len;
    return 0;
}

bool is_ramfs(const FileSystem* fs) {
    return fs && (fs->magic == ramfs_magic || fs->magic == tmpfs_magic);
}

size_t used_pages(const FileSystem* fs) {
    return is_ramfs(fs) ? static_cast<const RamFs*>(fs)->pages_used : 0;
}

UK_FS_TYPE(ramfs, "ramfs", make);
UK_FS_TYPE(tmpfs, "tmpfs", make_tmpfs);

} // namespace uk::vfs::ramfs
