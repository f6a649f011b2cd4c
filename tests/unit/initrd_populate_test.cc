// vfs::initrd::populate against a small file system of its own (a map per
// directory), so the tree it makes, the references it leaves and its error
// messages are checked on the host. Built as its own test binary: it defines
// Node's base operations, which the kernel's VFS core defines for real.
#include "vfs/initrd.h"

#include "boot/boot.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "vfs/ramfs.h"

using namespace uk;
using namespace uk::vfs;

// ---------------------------------------------------------------- kernel stand-ins

namespace {
std::string g_log;
size_t g_heap_fail_after = ~size_t(0); // allocations left before one fails
} // namespace

extern "C" int uk_printk(const char* fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    g_log += buf;
    return n;
}

namespace {
uk::boot::Initrd g_boot_initrd{nullptr, 0};
} // namespace

namespace uk {
boot::Initrd boot::initrd() {
    return g_boot_initrd;
}

void* kheap_alloc(size_t size, size_t align) {
    if (g_heap_fail_after == 0)
        return nullptr;
    g_heap_fail_after--;
    return std::aligned_alloc(align, (size + align - 1) & ~(align - 1));
}
void kheap_free(void* p) {
    std::free(p);
}
} // namespace uk

namespace {

struct FakeNode;
std::vector<std::unique_ptr<FakeNode>> g_nodes;
uint64_t g_next_ino = 1;
long g_fail_create = 0; // when set, create() fails with it

struct FakeNode final : Node {
    std::map<std::string, FakeNode*> children; // each holds a reference
    std::string target;
    const void* borrowed = nullptr;
    bool released = false;

    long lookup(Name name, Node** out) override {
        auto it = children.find(std::string(name.p, name.n));
        if (it == children.end())
            return -ENOENT;
        it->second->get();
        *out = it->second;
        return 0;
    }
    FakeNode* add(Name name, uint32_t m, uint64_t rd) {
        g_nodes.push_back(std::make_unique<FakeNode>());
        FakeNode* n = g_nodes.back().get();
        n->ino = g_next_ino++;
        n->mode = m;
        n->rdev = rd;
        n->nlink = 1;
        n->refs = 2; // the directory's and the caller's
        children[std::string(name.p, name.n)] = n;
        return n;
    }
    long create(Name name, uint32_t m, uint64_t rd, Node** out) override {
        if (g_fail_create)
            return g_fail_create;
        if (!is_dir(mode))
            return -ENOTDIR;
        if (children.count(std::string(name.p, name.n)))
            return -EEXIST;
        *out = add(name, m, rd);
        return 0;
    }
    long symlink(Name name, Name t, Node** out) override {
        if (children.count(std::string(name.p, name.n)))
            return -EEXIST;
        FakeNode* n = add(name, s_iflnk | 0777, 0);
        n->target.assign(t.p, t.n);
        *out = n;
        return 0;
    }
    long link(Name name, Node* t) override {
        if (children.count(std::string(name.p, name.n)))
            return -EEXIST;
        auto* n = static_cast<FakeNode*>(t);
        n->get();
        n->nlink++;
        children[std::string(name.p, name.n)] = n;
        return 0;
    }
    long unlink(Name name, Node* victim, bool dir) override {
        auto it = children.find(std::string(name.p, name.n));
        if (it == children.end() || it->second != victim)
            return -ENOENT;
        if (dir && !it->second->children.empty())
            return -39; // ENOTEMPTY
        it->second->nlink--;
        it->second->put();
        children.erase(it);
        return 0;
    }
    void release() override { released = true; }
};

} // namespace

// Node's base operations, as far as populate reaches them.
namespace uk::vfs {
void Node::put() {
    if (--refs == 0)
        release();
}
long Node::getattr(Attr*) {
    return -EINVAL;
}
long Node::setattr(const SetAttr& sa) {
    if (sa.mask & SetAttr::mode_bit)
        mode = (mode & s_ifmt) | (sa.mode & 07777);
    if (sa.mask & SetAttr::uid_bit)
        uid = sa.uid;
    if (sa.mask & SetAttr::gid_bit)
        gid = sa.gid;
    if (sa.mask & SetAttr::mtime_bit)
        mtime = sa.mtime;
    if (sa.mask & SetAttr::atime_bit)
        atime = sa.atime;
    return 0;
}
long Node::lookup(Name, Node**) {
    return -ENOTDIR;
}
long Node::create(Name, uint32_t, uint64_t, Node**) {
    return -ENOTDIR;
}
long Node::symlink(Name, Name, Node**) {
    return -ENOTDIR;
}
long Node::link(Name, Node*) {
    return -ENOTDIR;
}
long Node::unlink(Name, Node*, bool) {
    return -ENOTDIR;
}
long Node::rename(Name, Node*, Name, bool) {
    return -ENOTDIR;
}
long Node::readdir(uint64_t*, DirSink&) {
    return -ENOTDIR;
}
long Node::readlink(char*, size_t) {
    return -EINVAL;
}
long Node::read(IoBuf&, uint64_t) {
    return -EINVAL;
}
long Node::write(IoBuf&, uint64_t) {
    return -EINVAL;
}
long Node::fsync(bool) {
    return 0;
}
long Node::fallocate(int, uint64_t, uint64_t) {
    return -EOPNOTSUPP;
}
long Node::seek_data(uint64_t, bool, uint64_t*) {
    return -EINVAL;
}
long Node::map_page(uint64_t, bool, uint64_t*) {
    return -ENODEV;
}
long Node::open(uint32_t, File**) {
    return -EINVAL;
}
long Node::follow(Node**, Mount**) {
    return -EINVAL;
}
void Node::release() {}

long ramfs::set_borrowed_data(Node* node, const void* data, size_t len) {
    if (!is_reg(node->mode))
        return -EINVAL;
    auto* n = static_cast<FakeNode*>(node);
    n->borrowed = data;
    n->size = len;
    return 0;
}
} // namespace uk::vfs

// ---------------------------------------------------------------- archives

namespace {

struct Spec {
    std::string name{};
    uint32_t mode = 0100644;
    std::string data{};
    uint32_t ino = 0, uid = 0, gid = 0, nlink = 1, mtime = 0;
    uint32_t rmaj = 0, rmin = 0;
};

std::string pad4(std::string s) {
    while (s.size() % 4)
        s += '\0';
    return s;
}

uint32_t g_auto_ino = 1000;

std::string entry(const Spec& s) {
    char h[111];
    std::snprintf(h, sizeof h, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
                  s.ino ? s.ino : g_auto_ino++, s.mode, s.uid, s.gid, s.nlink, s.mtime,
                  unsigned(s.data.size()), 0u, 0u, s.rmaj, s.rmin, unsigned(s.name.size() + 1), 0u);
    return pad4(pad4(std::string(h, 110) + s.name + '\0') + s.data);
}

std::string archive(const std::vector<Spec>& specs) {
    std::string out;
    for (const Spec& s : specs)
        out += entry(s);
    Spec t{"TRAILER!!!", 0};
    return out + entry(t);
}

class Populate : public ::testing::Test {
  protected:
    void SetUp() override {
        g_nodes.clear();
        g_log.clear();
        g_heap_fail_after = ~size_t(0);
        g_fail_create = 0;
        g_nodes.push_back(std::make_unique<FakeNode>());
        root = g_nodes.back().get();
        root->mode = s_ifdir | 0755;
        root->ino = g_next_ino++;
    }

    long run(const std::string& a, bool warn = false) {
        data = a;
        return initrd::populate(root, data.data(), data.size(), warn);
    }

    // The node at path, or nullptr.
    FakeNode* at(const std::string& path) {
        FakeNode* n = root;
        size_t i = 0;
        while (i < path.size()) {
            size_t j = path.find('/', i);
            if (j == std::string::npos)
                j = path.size();
            auto it = n->children.find(path.substr(i, j - i));
            if (it == n->children.end())
                return nullptr;
            n = it->second;
            i = j + 1;
        }
        return n;
    }

    std::string contents(FakeNode* n) {
        if (!n->borrowed)
            return "";
        return std::string(static_cast<const char*>(n->borrowed), n->size);
    }

    // Every node holds exactly one reference per name (the root one more,
    // the caller's): populate kept none.
    void expect_no_leaks() {
        EXPECT_EQ(root->refs, 1u);
        std::map<FakeNode*, uint32_t> names;
        for (auto& n : g_nodes)
            for (auto& [name, child] : n->children)
                names[child]++;
        for (auto& [node, count] : names)
            EXPECT_EQ(node->refs, count) << "ino " << node->ino;
    }

    FakeNode* root;
    std::string data;
};

} // namespace

TEST_F(Populate, TreeWithAttributes) {
    Spec d{"etc", 040750, "", 0, 10, 20, 2, 1111};
    Spec f{"etc/passwd", 0104755, "root:x:0:0\n", 0, 1000, 100, 1, 2222};
    Spec l{"etc/link", 0120777, "passwd", 0, 5, 6, 1, 3333};
    Spec c{"dev/null", 020666, "", 0, 0, 0, 1, 44};
    c.rmaj = 1;
    c.rmin = 3;
    Spec p{"run/fifo", 010600, ""};
    Spec e{"empty", 0100600, ""};
    ASSERT_EQ(run(archive({d, f, l, {"dev", 040755}, c, {"run", 040700}, p, e})), 0) << g_log;
    EXPECT_EQ(g_log, "");

    FakeNode* etc = at("etc");
    ASSERT_NE(etc, nullptr);
    EXPECT_EQ(etc->mode, s_ifdir | 0750);
    EXPECT_EQ(etc->uid, 10u);
    EXPECT_EQ(etc->gid, 20u);
    // Set after its entries were made.
    EXPECT_EQ(etc->mtime.sec, 1111);

    FakeNode* pw = at("etc/passwd");
    ASSERT_NE(pw, nullptr);
    EXPECT_EQ(pw->mode, s_ifreg | 04755);
    EXPECT_EQ(pw->uid, 1000u);
    EXPECT_EQ(pw->gid, 100u);
    EXPECT_EQ(pw->mtime.sec, 2222);
    EXPECT_EQ(pw->atime.sec, 2222);
    EXPECT_EQ(contents(pw), "root:x:0:0\n");
    // In place: the bytes are the archive's own.
    EXPECT_GE(static_cast<const char*>(pw->borrowed), data.data());
    EXPECT_LT(static_cast<const char*>(pw->borrowed), data.data() + data.size());

    FakeNode* ln = at("etc/link");
    ASSERT_NE(ln, nullptr);
    EXPECT_TRUE(is_lnk(ln->mode));
    EXPECT_EQ(ln->target, "passwd");
    EXPECT_EQ(ln->uid, 5u);
    EXPECT_EQ(ln->mtime.sec, 3333);

    FakeNode* null = at("dev/null");
    ASSERT_NE(null, nullptr);
    EXPECT_EQ(null->mode, s_ifchr | 0666);
    EXPECT_EQ(null->rdev, make_dev(1, 3));
    EXPECT_EQ(at("run/fifo")->mode, s_ififo | 0600);
    EXPECT_EQ(at("run")->mode, s_ifdir | 0700);
    EXPECT_EQ(at("empty")->size, 0u);
    EXPECT_EQ(at("empty")->borrowed, nullptr);
    expect_no_leaks();
}

TEST_F(Populate, LeadingSlashAndDotAreTheRoot) {
    Spec dot{".", 040700, "", 0, 7, 8, 2, 99};
    ASSERT_EQ(run(archive({dot,
                           {"./a", 0100644, "A"},
                           {"/b", 0100644, "B"},
                           {"./c/", 040755},
                           {"c/./d", 0100644, "D"},
                           {"//c//e", 0100644, "E"}})),
              0)
        << g_log;
    EXPECT_EQ(root->mode, s_ifdir | 0700);
    EXPECT_EQ(root->uid, 7u);
    EXPECT_EQ(root->mtime.sec, 99);
    EXPECT_EQ(contents(at("a")), "A");
    EXPECT_EQ(contents(at("b")), "B");
    EXPECT_EQ(contents(at("c/d")), "D");
    EXPECT_EQ(contents(at("c/e")), "E");
    expect_no_leaks();
}

TEST_F(Populate, MissingParentsAreMade) {
    ASSERT_EQ(run(archive({{"usr/share/doc/x", 0100644, "x"}, {"usr/share", 040711, "", 0, 3}})), 0)
        << g_log;
    EXPECT_EQ(contents(at("usr/share/doc/x")), "x");
    EXPECT_EQ(at("usr")->mode, s_ifdir | 0755);
    EXPECT_EQ(at("usr/share/doc")->mode, s_ifdir | 0755);
    // A later entry for a made directory sets its attributes.
    EXPECT_EQ(at("usr/share")->mode, s_ifdir | 0711);
    EXPECT_EQ(at("usr/share")->uid, 3u);
    expect_no_leaks();
}

TEST_F(Populate, HardLinks) {
    // GNU cpio's newc: the data on the last name of the set.
    Spec a{"a", 0100644, "", 77, 0, 0, 3};
    Spec b{"d/b", 0100644, "", 77, 0, 0, 3};
    Spec c{"c", 0100644, "shared", 77, 0, 0, 3};
    // Same inode number, another device: another file.
    Spec other{"other", 0100644, "o", 77, 0, 0, 2};
    std::string arch = archive({a, {"d", 040755}, b, c});
    // A device number in the header of `other`.
    std::string o = entry(other);
    o[6 + 8 * 7 + 7] = '1';
    arch = arch.substr(0, arch.size() - entry({"TRAILER!!!", 0}).size()) + o +
           entry({"TRAILER!!!", 0});
    ASSERT_EQ(run(arch), 0) << g_log;
    FakeNode* na = at("a");
    ASSERT_NE(na, nullptr);
    EXPECT_EQ(at("d/b"), na);
    EXPECT_EQ(at("c"), na);
    EXPECT_EQ(na->nlink, 3u);
    EXPECT_EQ(contents(na), "shared");
    EXPECT_NE(at("other"), na);
    EXPECT_EQ(contents(at("other")), "o");
    expect_no_leaks();
}

TEST_F(Populate, LaterEntriesReplaceEarlierOnes) {
    ASSERT_EQ(run(archive({{"x", 0100644, "old"},
                           {"x", 0100600, "new"},
                           {"d", 040755},
                           {"d", 040700},
                           {"s", 0100644, "file"},
                           {"s", 0120777, "target"}})),
              0)
        << g_log;
    EXPECT_EQ(contents(at("x")), "new");
    EXPECT_EQ(at("x")->mode, s_ifreg | 0600);
    EXPECT_EQ(at("d")->mode, s_ifdir | 0700);
    EXPECT_EQ(at("s")->target, "target");
    expect_no_leaks();
}

TEST_F(Populate, DotDotIsRefused) {
    std::string a = archive({{"ok", 0100644, ""}, {"a/../../etc/x", 0100644, "evil"}});
    EXPECT_EQ(run(a), -EINVAL);
    EXPECT_NE(g_log.find("entry 2 \"a/../../etc/x\""), std::string::npos) << g_log;
    EXPECT_NE(g_log.find("\"..\""), std::string::npos) << g_log;
    EXPECT_NE(g_log.find("header at byte 116"), std::string::npos) << g_log;
    EXPECT_EQ(at("etc"), nullptr);
    expect_no_leaks();

    // With warn_only the entry is skipped and the rest is made.
    SetUp();
    a = archive({{"../x", 0100644, "evil"}, {"ok", 0100644, "1"}});
    EXPECT_EQ(run(a, true), 0);
    EXPECT_NE(g_log.find("skipped"), std::string::npos) << g_log;
    EXPECT_EQ(contents(at("ok")), "1");
    EXPECT_EQ(at("x"), nullptr);
    expect_no_leaks();
}

TEST_F(Populate, CorruptAndTruncatedArchives) {
    std::string good = archive({{"a", 0100644, "aaaa"}, {"big", 0100644, std::string(100, 'b')}});
    std::string cut = good.substr(0, 300);
    EXPECT_EQ(run(cut), -EINVAL);
    EXPECT_NE(g_log.find("at byte 300, entry 2 \"big\" (header at byte 116)"), std::string::npos)
        << g_log;
    EXPECT_NE(g_log.find("truncated"), std::string::npos) << g_log;
    // What came before the damage was made.
    EXPECT_EQ(contents(at("a")), "aaaa");
    expect_no_leaks();

    SetUp();
    std::string bad = good;
    bad[116 + 3] = 'x';
    EXPECT_EQ(run(bad), -EINVAL);
    EXPECT_NE(g_log.find("at byte 116, entry 2 (header at byte 116)"), std::string::npos) << g_log;
    EXPECT_NE(g_log.find("070701"), std::string::npos) << g_log;

    SetUp();
    EXPECT_EQ(run(bad, true), 0);
    EXPECT_NE(g_log.find("the rest is skipped"), std::string::npos) << g_log;
    EXPECT_EQ(contents(at("a")), "aaaa");
    EXPECT_EQ(at("big"), nullptr);
    expect_no_leaks();

    // No trailer: cut between entries.
    SetUp();
    EXPECT_EQ(run(good.substr(0, 116)), -EINVAL);
    EXPECT_NE(g_log.find("TRAILER!!!"), std::string::npos) << g_log;
}

TEST_F(Populate, BadEntries) {
    struct Case {
        Spec spec;
        const char* message;
    };
    for (const Case& c : {Case{{"l", 0120777, ""}, "symbolic link's target is empty"},
                          Case{{"l", 0120777, std::string("a\0b", 3)}, "contains a NUL"},
                          Case{{"l", 0120777, std::string(4096, 'x')}, "longer than 4095"},
                          Case{{"w", 0160644, ""}, "unknown file type"},
                          Case{{"n", 0000644, ""}, "unknown file type"},
                          Case{{".", 0100644, ""}, "names the root, but is not a directory"},
                          Case{{std::string(256, 'n'), 0100644, ""}, "longer than 255"},
                          Case{{std::string(256, 'd') + "/f", 0100644, ""}, "longer than 255"}}) {
        SetUp();
        EXPECT_EQ(run(archive({c.spec})), -EINVAL) << c.message;
        EXPECT_NE(g_log.find(c.message), std::string::npos) << g_log;
        expect_no_leaks();
    }
}

TEST_F(Populate, ParentThatIsNotADirectory) {
    EXPECT_EQ(run(archive({{"f", 0100644, "x"}, {"f/g", 0100644, "y"}})), -EINVAL);
    EXPECT_NE(g_log.find("entry 2 \"f/g\""), std::string::npos) << g_log;
    EXPECT_NE(g_log.find("not a directory"), std::string::npos) << g_log;
    expect_no_leaks();
    // A non-empty directory is not replaced by a file.
    SetUp();
    EXPECT_EQ(run(archive({{"d/x", 0100644, "x"}, {"d", 0100644, "y"}})), -EINVAL);
    EXPECT_NE(g_log.find("not empty"), std::string::npos) << g_log;
    expect_no_leaks();
}

TEST_F(Populate, OutOfMemoryStopsEvenWhenWarning) {
    g_fail_create = -28; // ENOSPC
    EXPECT_EQ(run(archive({{"a", 0100644, "1"}, {"b", 0100644, "2"}}), true), -28);
    EXPECT_NE(g_log.find("no space left"), std::string::npos) << g_log;
    EXPECT_EQ(g_log.find("entry 2"), std::string::npos) << g_log;
    expect_no_leaks();

    // The heap running out while keeping track of directories.
    SetUp();
    g_heap_fail_after = 0;
    EXPECT_EQ(run(archive({{"d", 040755}})), -ENOMEM);
    expect_no_leaks();
}

TEST_F(Populate, EmptyArchiveAndEmptyInput) {
    EXPECT_EQ(run(archive({})), 0);
    EXPECT_TRUE(root->children.empty());
    EXPECT_EQ(run(""), 0);
    EXPECT_EQ(g_log, "");
}

TEST_F(Populate, ManyHardLinksAndDirectories) {
    // Enough to grow the link table and the directory list several times.
    std::vector<Spec> specs;
    for (uint32_t i = 0; i < 300; i++) {
        std::string dir = "d" + std::to_string(i % 40);
        specs.push_back({dir, 040755, "", 5000 + i % 40, 0, 0, 2, i});
        specs.push_back({dir + "/f" + std::to_string(i), 0100644, "x", 9000 + i / 2, 0, 0, 2});
    }
    ASSERT_EQ(run(archive(specs)), 0) << g_log;
    for (uint32_t i = 0; i < 300; i += 2)
        EXPECT_EQ(at("d" + std::to_string(i % 40) + "/f" + std::to_string(i)),
                  at("d" + std::to_string((i + 1) % 40) + "/f" + std::to_string(i + 1)))
            << i;
    // The last entry for each directory sets its time.
    EXPECT_EQ(at("d0")->mtime.sec, 280);
    expect_no_leaks();
}

TEST(InitrdModule, IsTheBootLoadersFirstModule) {
    const void* data = nullptr;
    size_t len = 1;
    g_boot_initrd = {nullptr, 0};
    EXPECT_FALSE(initrd::module(&data, &len));
    static const char bytes[] = "070701";
    g_boot_initrd = {bytes, 0};
    ASSERT_TRUE(initrd::module(&data, &len));
    EXPECT_EQ(data, bytes);
    EXPECT_EQ(len, 0u); // An empty module is an empty archive, not none.
    g_boot_initrd = {bytes, 6};
    ASSERT_TRUE(initrd::module(&data, &len));
    EXPECT_EQ(len, 6u);
}
