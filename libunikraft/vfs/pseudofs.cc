#include "vfs/pseudofs.h"

#include "lib/errno.h"

namespace uk::vfs::pseudo {

namespace {

constexpr int seek_set = 0, seek_cur = 1;
// What one write to a writable file may carry (more than Linux's comm and
// sysctl files keep).
constexpr size_t store_max = 256;

class PseudoFs final : public FileSystem {
  public:
    void unmount() override {
        root->put();
        kheap_free(this);
    }
};

// Stable inode numbers: the same entry in the same context has the same
// number from one lookup to the next (find and tar compare them), 1 is
// the root's.
uint64_t ino_of(const Entry* e, const Ctx& c, bool root) {
    if (root)
        return 1;
    uint64_t x = reinterpret_cast<uintptr_t>(e) * 0x9e3779b97f4a7c15ULL;
    x ^=
        (uint64_t(uint32_t(c.pid)) << 40) ^ (uint64_t(uint32_t(c.tid)) << 20) ^ uint64_t(c.num + 1);
    x ^= x >> 31;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 29;
    return (x & 0xffffffffu) | 0x1000;
}

class PseudoNode final : public Node {
  public:
    const Entry* entry = nullptr;
    Ctx ctx;

    long lookup(Name name, Node** out) override;
    long readdir(uint64_t* cookie, DirSink& sink) override;
    long readlink(char* buf, size_t len) override;
    long follow(Node** node, Mount** mnt) override {
        return entry->follow ? entry->follow(ctx, node, mnt) : -EINVAL;
    }
    long read(IoBuf& buf, uint64_t off) override;
    long write(IoBuf& buf, uint64_t off) override;
    long open(uint32_t flags, File** out) override;
    long getattr(Attr* a) override {
        Node::getattr(a);
        a->blksize = 1024;
        return 0;
    }
};

PseudoNode* new_node(FileSystem* fs, const Entry* e, const Ctx& c, bool root) {
    auto* n = vfs::make<PseudoNode>();
    if (!n)
        return nullptr;
    n->entry = e;
    n->ctx = c;
    n->fs = fs;
    n->ino = ino_of(e, c, root);
    n->mode = e->mode_of ? e->mode_of(c) : e->mode;
    n->nlink = is_dir(e->mode) ? 2 : 1;
    n->atime = n->mtime = n->ctime = n->btime = now();
    return n;
}

// The numbered child `n` of directory d.
PseudoNode* numbered_child(const PseudoNode* d, long n) {
    Ctx c = d->ctx;
    d->entry->dir->bind(c, n);
    return new_node(d->fs, d->entry->dir->each, c, false);
}

long PseudoNode::lookup(Name name, Node** out) {
    const Dir* d = entry->dir;
    if (!d)
        return -ENOTDIR;
    for (size_t i = 0; i < d->nfixed; i++) {
        if (name.is(d->fixed[i].name)) {
            PseudoNode* n = new_node(fs, &d->fixed[i], ctx, false);
            if (!n)
                return -ENOMEM;
            *out = n;
            return 0;
        }
    }
    if (!d->each)
        return -ENOENT;
    long num = parse_number(name);
    if (num < 0 || d->next(ctx, num) != num)
        return -ENOENT;
    PseudoNode* n = numbered_child(this, num);
    if (!n)
        return -ENOMEM;
    *out = n;
    return 0;
}

// Positions: 0 ".", 1 "..", 2 + i the fixed entry i, 2 + nfixed + n the
// number n.
long PseudoNode::readdir(uint64_t* cookie, DirSink& sink) {
    const Dir* d = entry->dir;
    if (!d)
        return -ENOTDIR;
    if (*cookie == 0) {
        if (!sink.emit(Name{".", 1}, ino, mode, 1))
            return 1;
        *cookie = 1;
    }
    if (*cookie == 1) {
        uint64_t up = parent ? parent->ino : ino;
        if (!sink.emit(Name{"..", 2}, up, s_ifdir, 2))
            return 1;
        *cookie = 2;
    }
    while (*cookie < 2 + d->nfixed) {
        const Entry& e = d->fixed[*cookie - 2];
        uint32_t m = e.mode_of ? e.mode_of(ctx) : e.mode;
        if (!sink.emit(Name{e.name, __builtin_strlen(e.name)}, ino_of(&e, ctx, false), m,
                       *cookie + 1))
            return 1;
        ++*cookie;
    }
    if (!d->each)
        return 0;
    for (;;) {
        long num = d->next(ctx, long(*cookie - 2 - d->nfixed));
        if (num < 0)
            return 0;
        Ctx c = ctx;
        d->bind(c, num);
        char name[24];
        size_t len = 0;
        char digits[24];
        size_t nd = 0;
        unsigned long v = (unsigned long)num;
        do {
            digits[nd++] = char('0' + v % 10);
            v /= 10;
        } while (v);
        while (nd)
            name[len++] = digits[--nd];
        const Entry* e = d->each;
        uint32_t m = e->mode_of ? e->mode_of(c) : e->mode;
        uint64_t after = 2 + d->nfixed + uint64_t(num) + 1;
        if (!sink.emit(Name{name, len}, ino_of(e, c, false), m, after))
            return 1;
        *cookie = after;
    }
}

long PseudoNode::readlink(char* buf, size_t len) {
    if (!entry->link)
        return -EINVAL;
    Text t;
    if (long r = entry->link(t, ctx))
        return r;
    if (t.failed())
        return -ENOMEM;
    size_t n = t.size() < len ? t.size() : len;
    __builtin_memcpy(buf, t.data(), n);
    return long(n);
}

// Copies text[off, ...) into buf.
long copy_out(const Text& text, IoBuf& buf, uint64_t off) {
    if (off >= text.size())
        return 0;
    size_t n = text.size() - size_t(off);
    return buf.result(buf.fill(text.data() + off, n < buf.left() ? n : buf.left()));
}

long PseudoNode::read(IoBuf& buf, uint64_t off) {
    if (!entry->show)
        return is_dir(mode) ? -EISDIR : -EINVAL;
    Text t;
    if (long r = entry->show(t, ctx))
        return r;
    if (t.failed())
        return -ENOMEM;
    return copy_out(t, buf, off);
}

long PseudoNode::write(IoBuf& buf, uint64_t) {
    if (!entry->store)
        return -EINVAL;
    // The file keeps what fits and takes the whole write, as Linux's comm
    // does.
    size_t total = buf.left();
    char data[store_max];
    size_t n = total < sizeof data ? total : sizeof data;
    if (buf.drain(data, n) < n)
        return -EFAULT;
    if (long r = entry->store(ctx, data, n))
        return r;
    return long(total);
}

// An open generated file: the text of its last read from offset 0.
class TextFile final : public File {
  public:
    Text text;
    bool made = false;

    PseudoNode* pnode() const { return static_cast<PseudoNode*>(node); }

    long remake() {
        const Entry* e = pnode()->entry;
        if (!e->show)
            return -EINVAL;
        text.clear();
        if (long r = e->show(text, pnode()->ctx))
            return r;
        if (text.failed())
            return -ENOMEM;
        made = true;
        return 0;
    }
    long read_at(IoBuf& buf, uint64_t off) {
        if (off == 0 || !made)
            if (long r = remake())
                return r;
        return copy_out(text, buf, off);
    }
    long read(IoBuf& buf) override {
        long n = read_at(buf, pos);
        if (n > 0)
            pos += uint64_t(n);
        return n;
    }
    long pread(IoBuf& buf, uint64_t off) override { return read_at(buf, off); }
    long write(IoBuf& buf) override { return node->write(buf, pos); }
    // seq_file's files take no pwrite (Linux clears FMODE_PWRITE).
    long pwrite(IoBuf&, uint64_t) override { return -ESPIPE; }
    long seek(int64_t off, int whence) override {
        // seq_file's lseek: from the start or the current position only.
        int64_t base;
        if (whence == seek_set)
            base = 0;
        else if (whence == seek_cur)
            base = int64_t(pos);
        else
            return -EINVAL;
        if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
            return -EINVAL;
        pos = uint64_t(base + off);
        return long(pos);
    }
    void destroy() override {
        this->~TextFile();
        kheap_free(this);
    }
};

long PseudoNode::open(uint32_t flags, File** out) {
    if (!entry->show && !entry->store)
        return Node::open(flags, out);
    auto* f = vfs::make<TextFile>();
    if (!f)
        return -ENOMEM;
    *out = f;
    return 0;
}

} // namespace

long parse_number(Name name) {
    if (!name.n || name.n > 18 || (name.n > 1 && name.p[0] == '0'))
        return -1;
    long v = 0;
    for (size_t i = 0; i < name.n; i++) {
        if (name.p[i] < '0' || name.p[i] > '9')
            return -1;
        v = v * 10 + (name.p[i] - '0');
    }
    return v;
}

long make(const Entry* root, const char* type, uint64_t magic, FileSystem** out) {
    auto* fs = vfs::make<PseudoFs>();
    if (!fs)
        return -ENOMEM;
    fs->type = type;
    fs->magic = magic;
    PseudoNode* r = new_node(fs, root, Ctx{}, true);
    if (!r) {
        kheap_free(fs);
        return -ENOMEM;
    }
    fs->root = r;
    *out = fs;
    return 0;
}

} // namespace uk::vfs::pseudo
