// Path lookup and ramfs on the host: the kernel's own vfs.cc, path.cc,
// fd.cc and ramfs.cc over stand-in kernel services (vfs_host.cc).
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "vfs/fd.h"
#include "vfs/path.h"
#include "vfs/ramfs.h"
#include "vfs/vfs.h"
#include "vfs_host.h"

using namespace uk::vfs;

namespace {

// Makes `path`'s last component with `make(dir, name)`.
template <typename F> long at_parent(const std::string& path, F make) {
    Parent p;
    if (long r = lookup_parent(at_fdcwd, path.c_str(), &p))
        return r;
    long r = make(p.dir.node, p.last);
    p.release();
    return r;
}

long mkdir(const std::string& path) {
    return at_parent(path, [](Node* dir, Name n) {
        Node* out = nullptr;
        long r = dir->create(n, s_ifdir | 0755, 0, &out);
        if (out)
            out->put();
        return r;
    });
}

long touch(const std::string& path, const std::string& data = "") {
    return at_parent(path, [&](Node* dir, Name n) {
        Node* out = nullptr;
        long r = dir->create(n, s_ifreg | 0644, 0, &out);
        if (!r && !data.empty()) {
            IoBuf b = IoBuf::kernel(data.data(), data.size());
            r = out->write(b, 0) == long(data.size()) ? 0 : -EIO;
        }
        if (out)
            out->put();
        return r;
    });
}

long symlink(const std::string& target, const std::string& path) {
    return at_parent(path, [&](Node* dir, Name n) {
        Node* out = nullptr;
        long r = dir->symlink(n, Name{target.data(), target.size()}, &out);
        if (out)
            out->put();
        return r;
    });
}

// Resolves path; returns the errno or 0 with the inode number in *ino.
long resolve(const std::string& path, unsigned flags = lk_follow, uint64_t* ino = nullptr) {
    Location loc;
    long r = lookup(at_fdcwd, path.c_str(), flags, &loc);
    if (!r) {
        if (ino)
            *ino = loc.node->ino;
        loc.release();
    }
    return r;
}

uint64_t ino_of(const std::string& path, unsigned flags = lk_follow) {
    uint64_t ino = 0;
    EXPECT_EQ(resolve(path, flags, &ino), 0) << path;
    return ino;
}

std::string where(const std::string& path) {
    Location loc;
    if (lookup(at_fdcwd, path.c_str(), lk_follow, &loc))
        return "?";
    char buf[path_max];
    long n = path_of(loc, buf, sizeof buf);
    loc.release();
    return n < 0 ? "error " + std::to_string(-n) : std::string(buf);
}

class VfsPath : public ::testing::Test {
  protected:
    void SetUp() override {
        vfs_host::boot();
        static int n = 0;
        base = "/t" + std::to_string(n++);
        ASSERT_EQ(mkdir(base), 0);
    }
    std::string base;
};

TEST_F(VfsPath, PlainNamesDotsAndSlashes) {
    ASSERT_EQ(mkdir(base + "/a"), 0);
    ASSERT_EQ(mkdir(base + "/a/b"), 0);
    ASSERT_EQ(touch(base + "/a/b/f"), 0);
    uint64_t f = ino_of(base + "/a/b/f");
    EXPECT_EQ(ino_of(base + "//a///b/./f"), f);
    EXPECT_EQ(ino_of(base + "/a/b/../b/f"), f);
    EXPECT_EQ(ino_of("/../../" + base.substr(1) + "/a/b/f"), f);
    EXPECT_EQ(ino_of(base + "/a/b/"), ino_of(base + "/a/b"));
    EXPECT_EQ(resolve(base + "/a/b/f/"), -ENOTDIR);
    EXPECT_EQ(resolve(base + "/a/b/f/x"), -ENOTDIR);
    EXPECT_EQ(resolve(base + "/a/b/f/.."), -ENOTDIR);
    EXPECT_EQ(resolve(base + "/a/b/f", lk_follow | lk_directory), -ENOTDIR);
    EXPECT_EQ(resolve(base + "/a/missing/f"), -ENOENT);
    EXPECT_EQ(resolve(""), -ENOENT);
    EXPECT_EQ(ino_of("/"), ino_of("/.."));
}

TEST_F(VfsPath, NameLengths) {
    std::string longest(255, 'n'), too_long(256, 'n');
    EXPECT_EQ(touch(base + "/" + longest), 0);
    EXPECT_EQ(resolve(base + "/" + longest), 0);
    EXPECT_EQ(resolve(base + "/" + too_long), -ENAMETOOLONG);
    EXPECT_EQ(touch(base + "/" + too_long), -ENAMETOOLONG);
}

TEST_F(VfsPath, Symlinks) {
    ASSERT_EQ(mkdir(base + "/d"), 0);
    ASSERT_EQ(touch(base + "/d/f"), 0);
    ASSERT_EQ(symlink("d/f", base + "/rel"), 0);
    ASSERT_EQ(symlink(base + "/d", base + "/abs"), 0);
    ASSERT_EQ(symlink("../d/f", base + "/d/up"), 0);
    ASSERT_EQ(symlink("missing", base + "/dangling"), 0);
    uint64_t f = ino_of(base + "/d/f");
    EXPECT_EQ(ino_of(base + "/rel"), f);
    EXPECT_EQ(ino_of(base + "/abs/f"), f);
    EXPECT_EQ(ino_of(base + "/abs/up"), f);
    EXPECT_NE(ino_of(base + "/rel", 0), f); // not followed: the link itself
    EXPECT_EQ(resolve(base + "/dangling"), -ENOENT);
    EXPECT_EQ(resolve(base + "/dangling", 0), 0);
    // A trailing slash follows even without lk_follow, and needs a directory.
    EXPECT_EQ(ino_of(base + "/abs/", 0), ino_of(base + "/d"));
    EXPECT_EQ(resolve(base + "/rel/", 0), -ENOTDIR);
    // ".." after a symlink to a directory is the target's parent.
    EXPECT_EQ(ino_of(base + "/abs/.."), ino_of(base));
}

TEST_F(VfsPath, SymlinkLoopsAndLimit) {
    ASSERT_EQ(symlink("self", base + "/self"), 0);
    EXPECT_EQ(resolve(base + "/self"), -ELOOP);
    ASSERT_EQ(symlink("b", base + "/a"), 0);
    ASSERT_EQ(symlink("a", base + "/b"), 0);
    EXPECT_EQ(resolve(base + "/a/x"), -ELOOP);
    // A chain of 40 links resolves; 41 is too many.
    ASSERT_EQ(touch(base + "/end"), 0);
    std::string prev = "end";
    for (int i = 1; i <= 41; i++) {
        std::string name = "l" + std::to_string(i);
        ASSERT_EQ(symlink(prev, base + "/" + name), 0);
        prev = name;
    }
    EXPECT_EQ(resolve(base + "/l40"), 0);
    EXPECT_EQ(resolve(base + "/l41"), -ELOOP);
}

TEST_F(VfsPath, MountsAndParentLinks) {
    ASSERT_EQ(mkdir(base + "/m"), 0);
    ASSERT_EQ(mkdir(base + "/m/under"), 0); // hidden by the mount
    ASSERT_EQ(mount("", (base + "/m").c_str(), "tmpfs", 0, ""), 0);
    EXPECT_EQ(resolve(base + "/m/under"), -ENOENT);
    ASSERT_EQ(mkdir(base + "/m/x"), 0);
    EXPECT_EQ(ino_of(base + "/m/x/../.."), ino_of(base));
    EXPECT_EQ(where(base + "/m/x"), base + "/m/x");
    EXPECT_EQ(where(base + "/m"), base + "/m");
    EXPECT_EQ(mount("", (base + "/nope").c_str(), "tmpfs", 0, ""), -ENOENT);
    EXPECT_EQ(mount("", (base + "/m").c_str(), "nosuchfs", 0, ""), -ENODEV);
    EXPECT_EQ(umount((base + "/m/x").c_str()), -EINVAL);
    EXPECT_EQ(umount((base + "/m").c_str()), 0);
    EXPECT_EQ(resolve(base + "/m/under"), 0);
    EXPECT_EQ(umount("/"), -EBUSY);
}

TEST_F(VfsPath, LookupParent) {
    Parent p;
    ASSERT_EQ(lookup_parent(at_fdcwd, "/", &p), 0);
    EXPECT_EQ(p.last.n, 0u);
    p.release();
    ASSERT_EQ(lookup_parent(at_fdcwd, (base + "/new/").c_str(), &p), 0);
    EXPECT_TRUE(p.last.is("new"));
    EXPECT_TRUE(p.trailing_slash);
    p.release();
    ASSERT_EQ(lookup_parent(at_fdcwd, (base + "/..").c_str(), &p), 0);
    EXPECT_TRUE(p.last.is(".."));
    p.release();
    EXPECT_EQ(lookup_parent(at_fdcwd, (base + "/no/x").c_str(), &p), -ENOENT);
    // Through a symlink in the middle: the name is the caller's to keep.
    ASSERT_EQ(mkdir(base + "/real"), 0);
    ASSERT_EQ(symlink("real", base + "/link"), 0);
    ASSERT_EQ(lookup_parent(at_fdcwd, (base + "/link/child").c_str(), &p), 0);
    EXPECT_TRUE(p.last.is("child"));
    EXPECT_EQ(p.dir.node->ino, ino_of(base + "/real"));
    p.release();
}

TEST_F(VfsPath, RenamedDirectoriesKeepTheirPath) {
    ASSERT_EQ(mkdir(base + "/a"), 0);
    ASSERT_EQ(mkdir(base + "/a/b"), 0);
    Location b;
    ASSERT_EQ(lookup(at_fdcwd, (base + "/a/b").c_str(), 0, &b), 0);
    Location a;
    ASSERT_EQ(lookup(at_fdcwd, base.c_str(), 0, &a), 0);
    ASSERT_EQ(a.node->rename(Name{"a", 1}, a.node, Name{"z", 1}, false), 0);
    // The VFS keeps names of directories; a rename through the syscall
    // updates them (posix/fs.cc), here the name stays the old one until
    // looked up again, so only the parent chain is checked.
    char buf[path_max];
    EXPECT_GT(path_of(b, buf, sizeof buf), 0);
    EXPECT_EQ(ino_of(base + "/z/b"), b.node->ino);
    b.release();
    a.release();
}

TEST_F(VfsPath, ReaddirSurvivesRemovals) {
    ASSERT_EQ(mkdir(base + "/d"), 0);
    for (int i = 0; i < 100; i++)
        ASSERT_EQ(touch(base + "/d/f" + std::to_string(i)), 0);
    Location d;
    ASSERT_EQ(lookup(at_fdcwd, (base + "/d").c_str(), 0, &d), 0);
    struct Collect final : DirSink {
        std::vector<std::string> names;
        size_t room = 10;
        bool emit(Name n, uint64_t, uint32_t, uint64_t) override {
            if (!room)
                return false;
            room--;
            names.emplace_back(n.p, n.n);
            return true;
        }
    } sink;
    uint64_t cookie = 0;
    ASSERT_EQ(d.node->readdir(&cookie, sink), 0);
    EXPECT_EQ(sink.names.size(), 10u);
    // Remove every other file, then read on: each remaining name once.
    for (int i = 0; i < 100; i += 2) {
        Node* victim = nullptr;
        std::string n = "f" + std::to_string(i);
        ASSERT_EQ(d.node->lookup(Name{n.data(), n.size()}, &victim), 0);
        ASSERT_EQ(d.node->unlink(Name{n.data(), n.size()}, victim, false), 0);
        victim->put();
    }
    sink.room = 1000;
    ASSERT_EQ(d.node->readdir(&cookie, sink), 0);
    std::set<std::string> seen(sink.names.begin(), sink.names.end());
    EXPECT_EQ(seen.size(), sink.names.size()); // no duplicates
    for (int i = 1; i < 100; i += 2)
        EXPECT_TRUE(seen.count("f" + std::to_string(i))) << i;
    d.release();
}

TEST_F(VfsPath, FileDataHolesAndSpace) {
    ASSERT_EQ(touch(base + "/f"), 0);
    Location f;
    ASSERT_EQ(lookup(at_fdcwd, (base + "/f").c_str(), 0, &f), 0);
    IoBuf w = IoBuf::kernel("xyz", 3);
    ASSERT_EQ(f.node->write(w, 10000), 3);
    EXPECT_EQ(f.node->size, 10003u);
    char buf[16];
    IoBuf r = IoBuf::kernel(buf, sizeof buf);
    ASSERT_EQ(f.node->read(r, 9995), 8);
    EXPECT_EQ(std::memcmp(buf, "\0\0\0\0\0xyz", 8), 0);
    uint64_t at;
    ASSERT_EQ(f.node->seek_data(0, false, &at), 0);
    EXPECT_EQ(at, 8192u);
    ASSERT_EQ(f.node->seek_data(0, true, &at), 0);
    EXPECT_EQ(at, 0u);
    EXPECT_EQ(f.node->seek_data(20000, false, &at), -ENXIO);
    // Running out of pages is ENOSPC, and truncating gives them back.
    size_t before = vfs_host::free_pages();
    vfs_host::set_pages(before > 2000 ? 2000 : before);
    std::vector<char> big(1 << 20, 'b');
    long total = 0, n;
    do {
        IoBuf b = IoBuf::kernel(big.data(), big.size());
        n = f.node->write(b, uint64_t(total));
        if (n > 0)
            total += n;
    } while (n > 0);
    EXPECT_EQ(n, -ENOSPC);
    SetAttr sa;
    sa.mask = SetAttr::size_bit;
    sa.size = 0;
    ASSERT_EQ(f.node->setattr(sa), 0);
    EXPECT_GT(vfs_host::free_pages(), size_t(total / 4096) - 8);
    vfs_host::set_pages(1 << 16);
    f.release();
}

} // namespace
