// The initrd laid out as a tree: each cpio entry becomes a node made through
// the Node operations, regular files borrowing their bytes from the archive.
//
// Names follow Linux's initramfs, which unpacks from "/": a leading "/" or
// "./" changes nothing, and an entry named "." (or "/") sets the root's own
// mode, owner and time. Unlike Linux, which resolves ".." at the root to the
// root, a name with a ".." component is refused: it says it wants something
// above the root. Where Linux silently drops an entry whose parent directory
// is missing, the parent is made (mode 0755, root's), as `cpio -id` does;
// an entry for it later in the archive then sets its attributes. A later
// entry of the same name replaces an earlier one, as on Linux.
#include "vfs/initrd.h"

#include <uk/console.h>

#include "boot/boot.h"
#include "lib/errno.h"
#include "mm/kheap.h"
#include "vfs/cpio.h"
#include "vfs/ramfs.h"

namespace uk::vfs::initrd {

namespace {

constexpr size_t max_component = 255;
constexpr size_t max_symlink = 4095;

// A growable array in the kernel heap for plain values.
template <typename T> struct Array {
    T* items = nullptr;
    size_t n = 0;
    size_t cap = 0;

    bool push(const T& v) {
        if (n == cap) {
            size_t ncap = cap ? 2 * cap : 16;
            auto* p = static_cast<T*>(kheap_alloc(ncap * sizeof(T)));
            if (!p)
                return false;
            for (size_t i = 0; i < n; i++)
                p[i] = items[i];
            kheap_free(items);
            items = p;
            cap = ncap;
        }
        items[n++] = v;
        return true;
    }
    void free() {
        kheap_free(items);
        *this = Array{};
    }
};

// Entries with nlink > 1 that share an inode in the archive (same device,
// inode number and file type) are one file.
struct LinkKey {
    uint32_t dev_major, dev_minor, ino, type;
    bool operator==(const LinkKey&) const = default;
};

struct LinkSlot {
    LinkKey key;
    Node* node; // a reference; nullptr: an empty slot
};

// An open-addressing hash table from LinkKey to the node made first.
class LinkTable {
  public:
    Node* find(const LinkKey& k) const {
        if (!m_cap)
            return nullptr;
        for (size_t i = hash(k) & (m_cap - 1);; i = (i + 1) & (m_cap - 1)) {
            if (!m_slots[i].node)
                return nullptr;
            if (m_slots[i].key == k)
                return m_slots[i].node;
        }
    }

    // Takes a reference on node. False when memory runs out.
    bool add(const LinkKey& k, Node* node) {
        if (2 * (m_n + 1) > m_cap && !grow())
            return false;
        insert(k, node);
        node->get();
        m_n++;
        return true;
    }

    void clear() {
        for (size_t i = 0; i < m_cap; i++)
            if (m_slots[i].node)
                m_slots[i].node->put();
        kheap_free(m_slots);
        m_slots = nullptr;
        m_cap = m_n = 0;
    }

  private:
    static size_t hash(const LinkKey& k) {
        uint64_t h = (uint64_t(k.dev_major) << 32 | k.dev_minor) * 0x9e3779b97f4a7c15ull;
        h ^= (uint64_t(k.ino) << 16 | k.type >> 12) * 0xc2b2ae3d27d4eb4full;
        return size_t(h ^ (h >> 29));
    }

    void insert(const LinkKey& k, Node* node) {
        size_t i = hash(k) & (m_cap - 1);
        while (m_slots[i].node)
            i = (i + 1) & (m_cap - 1);
        m_slots[i] = LinkSlot{k, node};
    }

    bool grow() {
        size_t ncap = m_cap ? 2 * m_cap : 64;
        auto* slots = static_cast<LinkSlot*>(kheap_alloc(ncap * sizeof(LinkSlot)));
        if (!slots)
            return false;
        for (size_t i = 0; i < ncap; i++)
            slots[i] = LinkSlot{{}, nullptr};
        LinkSlot* old = m_slots;
        size_t old_cap = m_cap;
        m_slots = slots;
        m_cap = ncap;
        for (size_t i = 0; i < old_cap; i++)
            if (old[i].node)
                insert(old[i].key, old[i].node);
        kheap_free(old);
        return true;
    }

    LinkSlot* m_slots = nullptr;
    size_t m_cap = 0;
    size_t m_n = 0;
};

// A directory whose time is set once everything in it exists (making its
// entries changes it).
struct DirTime {
    Node* dir; // a reference
    uint32_t mtime;
};

// Why an entry could not be used: an errno for the caller, and a sentence.
struct Problem {
    long err; // -EINVAL for a bad archive, or what a Node operation returned
    const char* what;
};
constexpr Problem no_problem{0, nullptr};

bool out_of_memory(long err) {
    return err == -ENOMEM || err == -ENOSPC;
}

const char* errno_text(long err) {
    switch (-err) {
    case ENOMEM:
        return "out of memory";
    case ENOSPC:
        return "no space left";
    case EEXIST:
        return "it exists and cannot be replaced";
    case ENOTDIR:
        return "a parent of it is not a directory";
    case ENAMETOOLONG:
        return "a component of its name is longer than 255 bytes";
    case ENOTEMPTY:
        return "it replaces a directory that is not empty";
    case EPERM:
        return "the file system refused it (EPERM)";
    case EINVAL:
        return "the file system refused it (EINVAL)";
    default:
        return "the file system refused it";
    }
}

class Populator {
  public:
    Populator(Node* root, const void* data, size_t len, bool warn_only)
        : m_root(root), m_reader(data, len), m_warn_only(warn_only) {}

    long run();

  private:
    Problem add(const cpio::Entry& e);
    Problem add_in(Node* parent, Name name, const cpio::Entry& e);
    Problem find_parent(const char* dir, size_t dir_len, Node** out);
    Problem make(Node* parent, Name name, const cpio::Entry& e, Node** out);
    Problem set_attrs(Node* node, const cpio::Entry& e, bool with_time);
    void report(const cpio::Entry& e, const char* what, uint64_t at, bool stop);
    void finish();
    void forget_dir() {
        if (m_dir_node)
            m_dir_node->put();
        m_dir_node = nullptr;
    }

    Node* m_root;
    cpio::Reader m_reader;
    bool m_warn_only;
    // The directory of the previous entry, which the next one usually
    // shares: its path (in the archive) and node (a reference).
    const char* m_dir = nullptr;
    size_t m_dir_len = 0;
    Node* m_dir_node = nullptr;
    LinkTable m_links;
    Array<DirTime> m_dirs;
    size_t m_index = 0; // of the entry being added, from 1
};

// The name, printable and bounded, for messages.
void name_for_message(const cpio::Entry& e, char* buf, size_t cap) {
    size_t n = 0;
    if (e.name) {
        for (size_t i = 0; i < e.name_len && n + 4 < cap; i++) {
            char c = e.name[i];
            buf[n++] = c >= 0x20 && c < 0x7f ? c : '?';
        }
        if (e.name_len && n < e.name_len) {
            for (int i = 0; i < 3; i++)
                buf[n++] = '.';
        }
    }
    buf[n] = '\0';
}

void Populator::report(const cpio::Entry& e, const char* what, uint64_t at, bool stop) {
    char name[128];
    name_for_message(e, name, sizeof(name));
    const char* outcome = !m_warn_only ? "" : stop ? "; the rest is skipped" : "; skipped";
    if (e.name)
        uk_printk("uk: initrd: at byte %lu, entry %lu \"%s\" (header at byte %lu): %s%s\n",
                  (unsigned long)at, (unsigned long)m_index, name, (unsigned long)e.offset, what,
                  outcome);
    else
        uk_printk("uk: initrd: at byte %lu, entry %lu (header at byte %lu): %s%s\n",
                  (unsigned long)at, (unsigned long)m_index, (unsigned long)e.offset, what,
                  outcome);
}

Problem Populator::set_attrs(Node* node, const cpio::Entry& e, bool with_time) {
    SetAttr sa;
    sa.mask = SetAttr::uid_bit | SetAttr::gid_bit;
    if (!is_lnk(e.mode)) {
        sa.mask |= SetAttr::mode_bit;
        sa.mode = e.mode & 07777;
    }
    sa.uid = e.uid;
    sa.gid = e.gid;
    if (with_time) {
        sa.mask |= SetAttr::atime_bit | SetAttr::mtime_bit;
        sa.atime = sa.mtime = Time{int64_t(e.mtime), 0};
    }
    long r = node->setattr(sa);
    return r < 0 ? Problem{r, errno_text(r)} : no_problem;
}

Problem Populator::find_parent(const char* dir, size_t dir_len, Node** out) {
    if (m_dir_node && dir_len == m_dir_len && __builtin_memcmp(dir, m_dir, dir_len) == 0) {
        m_dir_node->get();
        *out = m_dir_node;
        return no_problem;
    }
    Node* at = m_root;
    at->get();
    size_t pos = 0;
    const char* comp;
    size_t n;
    while (cpio::next_component(dir, dir_len, &pos, &comp, &n)) {
        if (n > max_component) {
            at->put();
            return Problem{-ENAMETOOLONG, errno_text(-ENAMETOOLONG)};
        }
        Name name{comp, n};
        Node* next = nullptr;
        long r = at->lookup(name, &next);
        if (r == -ENOENT) {
            r = at->create(name, s_ifdir | 0755, 0, &next);
        } else if (r == 0 && !is_dir(next->mode)) {
            next->put();
            r = -ENOTDIR;
        }
        at->put();
        if (r < 0)
            return Problem{r, errno_text(r)};
        at = next;
    }
    forget_dir();
    m_dir = dir;
    m_dir_len = dir_len;
    m_dir_node = at;
    at->get();
    *out = at;
    return no_problem;
}

Problem Populator::make(Node* parent, Name name, const cpio::Entry& e, Node** out) {
    uint32_t type = e.mode & s_ifmt;
    if (type == s_iflnk) {
        if (e.size == 0 || e.size > max_symlink)
            return Problem{-EINVAL, "a symbolic link's target is empty or longer than 4095 bytes"};
        for (size_t i = 0; i < e.size; i++)
            if (e.data[i] == 0)
                return Problem{-EINVAL, "a symbolic link's target contains a NUL byte"};
        long r = parent->symlink(name, Name{reinterpret_cast<const char*>(e.data), e.size}, out);
        return r < 0 ? Problem{r, errno_text(r)} : no_problem;
    }
    if (type != s_ifreg && type != s_ifdir && type != s_ifchr && type != s_ifblk &&
        type != s_ififo && type != s_ifsock)
        return Problem{-EINVAL, "unknown file type in its mode"};
    uint64_t rdev = type == s_ifchr || type == s_ifblk ? make_dev(e.rdev_major, e.rdev_minor) : 0;
    long r = parent->create(name, e.mode & (s_ifmt | 07777), rdev, out);
    return r < 0 ? Problem{r, errno_text(r)} : no_problem;
}

Problem Populator::add(const cpio::Entry& e) {
    const char* path;
    size_t path_len;
    switch (cpio::classify_name(e.name, e.name_len, &path, &path_len)) {
    case cpio::NameKind::dotdot:
        return Problem{-EINVAL, "its name has a \"..\" component, which could leave the root"};
    case cpio::NameKind::root:
        if (!is_dir(e.mode))
            return Problem{-EINVAL, "it names the root, but is not a directory"};
        if (Problem p = set_attrs(m_root, e, false); p.err)
            return p;
        m_root->get();
        if (!m_dirs.push(DirTime{m_root, e.mtime})) {
            m_root->put();
            return Problem{-ENOMEM, errno_text(-ENOMEM)};
        }
        return no_problem;
    case cpio::NameKind::path:
        break;
    }
    // Drop trailing slashes ("dir/" from some archivers) and "." parts at
    // the end, then split off the last component.
    size_t end = path_len;
    for (;;) {
        while (end && path[end - 1] == '/')
            end--;
        if (end >= 2 && path[end - 1] == '.' && path[end - 2] == '/')
            end -= 2;
        else if (end == 1 && path[0] == '.')
            end = 0;
        else
            break;
    }
    size_t slash = end;
    while (slash && path[slash - 1] != '/')
        slash--;
    Name name{path + slash, end - slash};
    if (name.n > max_component)
        return Problem{-ENAMETOOLONG, errno_text(-ENAMETOOLONG)};
    Node* parent;
    if (Problem p = find_parent(path, slash, &parent); p.err)
        return p;
    Problem p = add_in(parent, name, e);
    parent->put();
    return p;
}

Problem Populator::add_in(Node* parent, Name name, const cpio::Entry& e) {
    uint32_t type = e.mode & s_ifmt;
    LinkKey key{e.dev_major, e.dev_minor, e.ino, type};
    bool linkable = e.nlink > 1 && type != s_ifdir && type != s_iflnk;
    Node* first = linkable ? m_links.find(key) : nullptr;

    // An existing name is replaced, unless both are directories.
    Node* old = nullptr;
    if (parent->lookup(name, &old) == 0) {
        bool keep = (is_dir(old->mode) && type == s_ifdir) || old == first;
        if (!keep) {
            long r = parent->unlink(name, old, is_dir(old->mode));
            if (r < 0) {
                old->put();
                return Problem{r, errno_text(r)};
            }
            // The cached directory may have been the one removed.
            forget_dir();
            old->put();
            old = nullptr;
        }
    }

    Node* node = old;
    if (!node && first) {
        long r = parent->link(name, first);
        if (r < 0)
            return Problem{r, errno_text(r)};
        node = first;
        node->get();
    } else if (!node) {
        if (Problem p = make(parent, name, e, &node); p.err)
            return p;
    }
    Problem p = no_problem;
    if (type == s_ifreg && e.size) {
        // With hard links, the archive carries the data on one of the names
        // (GNU cpio: the last); the others have none.
        long r = ramfs::set_borrowed_data(node, e.data, e.size);
        if (r < 0)
            p = Problem{r, errno_text(r)};
    }
    if (!p.err)
        p = set_attrs(node, e, type != s_ifdir);
    if (!p.err && type == s_ifdir) {
        node->get();
        if (!m_dirs.push(DirTime{node, e.mtime})) {
            node->put();
            p = Problem{-ENOMEM, errno_text(-ENOMEM)};
        }
    }
    if (!p.err && linkable && !first && !m_links.add(key, node))
        p = Problem{-ENOMEM, errno_text(-ENOMEM)};
    node->put();
    return p;
}

void Populator::finish() {
    for (size_t i = 0; i < m_dirs.n; i++) {
        SetAttr sa;
        sa.mask = SetAttr::atime_bit | SetAttr::mtime_bit;
        sa.atime = sa.mtime = Time{int64_t(m_dirs.items[i].mtime), 0};
        m_dirs.items[i].dir->setattr(sa);
        m_dirs.items[i].dir->put();
    }
    m_dirs.free();
    m_links.clear();
    forget_dir();
}

long Populator::run() {
    long result = 0;
    for (;;) {
        cpio::Entry e;
        cpio::Reader::Status s = m_reader.next(&e);
        m_index++;
        if (s == cpio::Reader::Status::end)
            break;
        if (s == cpio::Reader::Status::error) {
            report(e, cpio::error_string(m_reader.error()), m_reader.error_offset(), true);
            if (!m_warn_only)
                result = -EINVAL;
            break;
        }
        Problem p = add(e);
        if (!p.err)
            continue;
        report(e, p.what, e.offset, out_of_memory(p.err));
        if (out_of_memory(p.err)) {
            result = p.err;
            break;
        }
        if (!m_warn_only) {
            result = -EINVAL;
            break;
        }
    }
    finish();
    return result;
}

} // namespace

bool module(const void** data, size_t* len) {
    boot::Initrd rd = boot::initrd();
    if (!rd.data)
        return false;
    *data = rd.data;
    *len = rd.len;
    return true;
}

long populate(Node* root, const void* data, size_t len, bool warn_only) {
    Populator p(root, data, len, warn_only);
    return p.run();
}

} // namespace uk::vfs::initrd
