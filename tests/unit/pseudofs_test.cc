// The table-driven file systems behind /proc and /sys (vfs/pseudofs.cc) on
// the host, over the VFS core's stand-in kernel services (vfs_host.cc):
// lookups, directory listings that resume where a full buffer stopped,
// numbered entries that come and go, stable inode numbers, links, and
// generated text read with offsets as Linux's seq_file files are.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "vfs/pseudofs.h"
#include "vfs/vfs.h"

using namespace uk::vfs;
using pseudo::Ctx;
using pseudo::Dir;
using pseudo::Entry;
using uk::Text;

namespace {

// What the test's tree shows: numbers that exist, a counter each file's
// text shows, what the writable file was given.
std::vector<long> g_numbers;
int g_generation = 0;
std::string g_stored;

long show_counter(Text& out, const Ctx&) {
    out.printf("generation %d\n", ++g_generation);
    return 0;
}

long show_number(Text& out, const Ctx& c) {
    out.printf("number %ld\n", long(c.num));
    return 0;
}

long show_long(Text& out, const Ctx&) {
    for (int i = 0; i < 1000; i++)
        out.printf("line %04d\n", i);
    return 0;
}

long store(const Ctx&, const char* data, size_t len) {
    g_stored.assign(data, len);
    return 0;
}

long link_text(Text& out, const Ctx& c) {
    out.printf("target-%ld", long(c.num));
    return 0;
}

long next_number(const Ctx&, long from) {
    long best = -1;
    for (long n : g_numbers)
        if (n >= from && (best < 0 || n < best))
            best = n;
    return best;
}

void bind_number(Ctx& c, long n) {
    c.num = n;
}

const Entry number_dir_entries[] = {
    {.name = "value", .mode = s_ifreg | 0444, .show = show_number},
    {.name = "link", .mode = s_iflnk | 0777, .link = link_text},
};
const Dir number_dir{number_dir_entries, 2, nullptr, nullptr, nullptr};
const Entry number_entry{.name = "n", .mode = s_ifdir | 0555, .dir = &number_dir};

const Entry root_entries[] = {
    {.name = "counter", .mode = s_ifreg | 0444, .show = show_counter},
    {.name = "long", .mode = s_ifreg | 0444, .show = show_long},
    {.name = "settable", .mode = s_ifreg | 0644, .show = show_counter, .store = store},
};
const Dir root_dir{root_entries, 3, &number_entry, next_number, bind_number};
const Entry root_entry{.name = "", .mode = s_ifdir | 0555, .dir = &root_dir};

class PseudoFs : public ::testing::Test {
  protected:
    void SetUp() override {
        g_numbers = {3, 10, 7};
        g_generation = 0;
        g_stored.clear();
        ASSERT_EQ(pseudo::make(&root_entry, "testfs", 0x1234, &fs), 0);
    }
    void TearDown() override { fs->unmount(); }

    Node* get(Node* dir, const char* name) {
        Node* out = nullptr;
        long r = dir->lookup(Name{name, strlen(name)}, &out);
        return r ? nullptr : out;
    }

    FileSystem* fs = nullptr;
};

// A sink that takes at most `room` entries per readdir call.
struct Listing final : DirSink {
    size_t room = ~size_t(0);
    size_t taken = 0;
    std::vector<std::string> names;
    std::vector<uint64_t> inos;
    bool emit(Name n, uint64_t ino, uint32_t, uint64_t) override {
        if (taken == room)
            return false;
        taken++;
        names.emplace_back(n.p, n.n);
        inos.push_back(ino);
        return true;
    }
};

std::vector<std::string> list(Node* dir, size_t room) {
    Listing l;
    l.room = room;
    uint64_t cookie = 0;
    for (int calls = 0; calls < 100; calls++) {
        l.taken = 0;
        long r = dir->readdir(&cookie, l);
        EXPECT_GE(r, 0);
        if (l.taken == 0)
            break;
    }
    return l.names;
}

std::string read_all(File* f, size_t chunk) {
    std::string out;
    std::vector<char> buf(chunk);
    for (;;) {
        IoBuf b = IoBuf::kernel(buf.data(), chunk);
        long n = f->read(b);
        EXPECT_GE(n, 0);
        if (n <= 0)
            return out;
        out.append(buf.data(), size_t(n));
    }
}

TEST_F(PseudoFs, ListsFixedThenNumberedEntriesAndResumes) {
    const std::vector<std::string> want = {".",        "..", "counter", "long",
                                           "settable", "3",  "7",       "10"};
    EXPECT_EQ(list(fs->root, ~size_t(0)), want);
    // One entry a call: each call resumes after the last entry taken.
    EXPECT_EQ(list(fs->root, 1), want);
    EXPECT_EQ(list(fs->root, 3), want);
    // A number that goes away between two calls is not listed; later ones
    // still are.
    Listing l;
    l.room = 6;
    uint64_t cookie = 0;
    fs->root->readdir(&cookie, l);
    g_numbers = {3, 10};
    l.room = ~size_t(0);
    l.taken = 0;
    fs->root->readdir(&cookie, l);
    EXPECT_EQ(l.names,
              (std::vector<std::string>{".", "..", "counter", "long", "settable", "3", "10"}));
}

TEST_F(PseudoFs, LooksUpNamesAndNumbers) {
    Node* counter = get(fs->root, "counter");
    ASSERT_NE(counter, nullptr);
    EXPECT_EQ(counter->mode, s_ifreg | 0444u);
    counter->put();
    EXPECT_EQ(get(fs->root, "missing"), nullptr);
    // Numbers exist while next() says so, spelled without leading zeros.
    Node* seven = get(fs->root, "7");
    ASSERT_NE(seven, nullptr);
    EXPECT_EQ(seven->mode, s_ifdir | 0555u);
    EXPECT_EQ(get(fs->root, "8"), nullptr);
    EXPECT_EQ(get(fs->root, "07"), nullptr);
    EXPECT_EQ(get(fs->root, "+7"), nullptr);
    EXPECT_EQ(get(fs->root, "99999999999999999999"), nullptr);
    Node* value = get(seven, "value");
    ASSERT_NE(value, nullptr);
    Node* none = nullptr;
    EXPECT_EQ(value->lookup(Name{"x", 1}, &none), -ENOTDIR);
    value->put();
    seven->put();
}

TEST_F(PseudoFs, InodeNumbersAreStableAndDistinct) {
    Node* a = get(fs->root, "7");
    Node* b = get(fs->root, "7");
    Node* c = get(fs->root, "10");
    ASSERT_TRUE(a && b && c);
    EXPECT_EQ(a->ino, b->ino);
    EXPECT_NE(a->ino, c->ino);
    EXPECT_EQ(fs->root->ino, 1u);
    Node* va = get(a, "value");
    Node* vc = get(c, "value");
    EXPECT_NE(va->ino, vc->ino);
    // readdir reports the numbers lookup gives.
    Listing l;
    uint64_t cookie = 0;
    fs->root->readdir(&cookie, l);
    for (size_t i = 0; i < l.names.size(); i++)
        if (l.names[i] == "7") {
            EXPECT_EQ(l.inos[i], a->ino);
        }
    va->put();
    vc->put();
    a->put();
    b->put();
    c->put();
}

TEST_F(PseudoFs, LinksGiveTheirText) {
    Node* ten = get(fs->root, "10");
    Node* link = get(ten, "link");
    ASSERT_NE(link, nullptr);
    EXPECT_EQ(link->mode & s_ifmt, s_iflnk);
    char buf[64];
    long n = link->readlink(buf, sizeof buf);
    EXPECT_EQ(std::string(buf, size_t(n)), "target-10");
    EXPECT_EQ(link->readlink(buf, 3), 3); // cut to the buffer, as readlink(2)
    Node* where = nullptr;
    Mount* mnt = nullptr;
    EXPECT_EQ(link->follow(&where, &mnt), -EINVAL); // an ordinary link
    link->put();
    ten->put();
}

TEST_F(PseudoFs, TextIsMadeAtOffsetZeroAndReadInPieces) {
    Node* counter = get(fs->root, "counter");
    File* f = nullptr;
    ASSERT_EQ(counter->open(o_rdonly, &f), 0);
    f->node = counter; // what open_node does
    counter->get();
    EXPECT_EQ(read_all(f, 4), "generation 1\n");
    // Reading on at the end: nothing new is made.
    EXPECT_EQ(read_all(f, 4), "");
    EXPECT_EQ(g_generation, 1);
    // Back to the start: a fresh text.
    EXPECT_EQ(f->seek(0, 0), 0);
    EXPECT_EQ(read_all(f, 100), "generation 2\n");
    // pread at 0 makes it afresh; elsewhere reads the snapshot.
    char buf[32];
    IoBuf b = IoBuf::kernel(buf, sizeof buf);
    EXPECT_EQ(f->pread(b, 0), 13);
    EXPECT_EQ(std::string(buf, 13), "generation 3\n");
    IoBuf b2 = IoBuf::kernel(buf, sizeof buf);
    EXPECT_EQ(f->pread(b2, 11), 2);
    EXPECT_EQ(std::string(buf, 2), "3\n");
    // seq_file's lseek: SET and CUR only, never negative.
    EXPECT_EQ(f->seek(0, 2), -EINVAL);
    EXPECT_EQ(f->seek(-1, 0), -EINVAL);
    EXPECT_EQ(f->seek(5, 0), 5);
    EXPECT_EQ(f->seek(2, 1), 7);
    EXPECT_EQ(f->seek(1000, 0), 1000);
    IoBuf b3 = IoBuf::kernel(buf, sizeof buf);
    EXPECT_EQ(f->read(b3), 0);
    // No writes, no pwrite.
    IoBuf w = IoBuf::kernel("x", 1);
    EXPECT_EQ(f->write(w), -EINVAL);
    IoBuf w2 = IoBuf::kernel("x", 1);
    EXPECT_EQ(f->pwrite(w2, 0), -ESPIPE);
    Attr a;
    EXPECT_EQ(f->stat(&a), 0);
    EXPECT_EQ(a.size, 0u);
    EXPECT_EQ(a.mode, s_ifreg | 0444u);
    f->put();
    counter->put();
}

TEST_F(PseudoFs, LongTextComesWholeInAnyPieces) {
    Node* n = get(fs->root, "long");
    std::string whole;
    for (int i = 0; i < 1000; i++) {
        char line[16];
        snprintf(line, sizeof line, "line %04d\n", i);
        whole += line;
    }
    for (size_t chunk : {size_t(1), size_t(7), size_t(4096), size_t(20000)}) {
        File* f = nullptr;
        ASSERT_EQ(n->open(o_rdonly, &f), 0);
        f->node = n;
        n->get();
        EXPECT_EQ(read_all(f, chunk), whole) << chunk;
        f->put();
    }
    n->put();
}

TEST_F(PseudoFs, WritableFilesTakeTheWholeWrite) {
    Node* n = get(fs->root, "settable");
    File* f = nullptr;
    ASSERT_EQ(n->open(o_wronly, &f), 0);
    f->node = n;
    n->get();
    IoBuf w = IoBuf::kernel("hello\n", 6);
    EXPECT_EQ(f->write(w), 6);
    EXPECT_EQ(g_stored, "hello\n");
    std::string big(1000, 'z');
    IoBuf w2 = IoBuf::kernel(big.data(), big.size());
    EXPECT_EQ(f->write(w2), 1000); // taken whole, kept in part
    EXPECT_EQ(g_stored.size(), 256u);
    f->put();
    n->put();
}

} // namespace
