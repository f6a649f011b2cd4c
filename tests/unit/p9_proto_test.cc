#include "vfs/p9_proto.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace {

using namespace uk::p9;

// Builds messages byte by byte, the way the protocol defines them, so that
// the encoder is checked against an independent spelling of the format.
struct Bytes {
    std::vector<uint8_t> b;
    Bytes& u8(uint8_t v) {
        b.push_back(v);
        return *this;
    }
    Bytes& u16(uint16_t v) {
        for (int i = 0; i < 2; i++)
            b.push_back(uint8_t(v >> (8 * i)));
        return *this;
    }
    Bytes& u32(uint32_t v) {
        for (int i = 0; i < 4; i++)
            b.push_back(uint8_t(v >> (8 * i)));
        return *this;
    }
    Bytes& u64(uint64_t v) {
        for (int i = 0; i < 8; i++)
            b.push_back(uint8_t(v >> (8 * i)));
        return *this;
    }
    Bytes& str(const std::string& s) {
        u16(uint16_t(s.size()));
        b.insert(b.end(), s.begin(), s.end());
        return *this;
    }
    Bytes& qid(uint8_t type, uint32_t version, uint64_t path) {
        return u8(type).u32(version).u64(path);
    }
    // A whole message: size[4] type[1] tag[2] then the body built so far.
    std::vector<uint8_t> msg(uint8_t type, uint16_t tag, size_t trailing = 0) const {
        Bytes m;
        m.u32(uint32_t(b.size() + header_size + trailing)).u8(type).u16(tag);
        m.b.insert(m.b.end(), b.begin(), b.end());
        return m.b;
    }
};

std::vector<uint8_t> encoded(size_t n, const uint8_t* buf) {
    return std::vector<uint8_t>(buf, buf + n);
}

Str s(const char* p) {
    return cstr(p);
}

// Opens `reply` as a reply of `type` with tag 7, the device having written
// exactly its bytes.
long open(const std::vector<uint8_t>& reply, uint8_t type, Decoder* d, uint16_t tag = 7) {
    return open_reply(reply.data(), reply.size(), reply.size(), type, tag, d);
}

TEST(P9Encode, Version) {
    uint8_t buf[64];
    size_t n = tversion(buf, sizeof buf, 524288, s("9P2000.L"));
    EXPECT_EQ(encoded(n, buf), Bytes().u32(524288).str("9P2000.L").msg(t_version, no_tag));
}

TEST(P9Encode, Attach) {
    uint8_t buf[64];
    size_t n = tattach(buf, sizeof buf, 3, 1, s("root"), s(""), 0);
    EXPECT_EQ(encoded(n, buf),
              Bytes().u32(1).u32(no_fid).str("root").str("").u32(0).msg(t_attach, 3));
}

TEST(P9Encode, WalkNamesAndClone) {
    uint8_t buf[128];
    Str names[] = {s("usr"), s("lib")};
    size_t n = twalk(buf, sizeof buf, 9, 1, 2, names, 2);
    EXPECT_EQ(encoded(n, buf), Bytes().u32(1).u32(2).u16(2).str("usr").str("lib").msg(t_walk, 9));
    n = twalk(buf, sizeof buf, 9, 1, 5, nullptr, 0);
    EXPECT_EQ(encoded(n, buf), Bytes().u32(1).u32(5).u16(0).msg(t_walk, 9));
}

TEST(P9Encode, WalkRefusesMoreThanSixteenNames) {
    uint8_t buf[1024];
    Str names[17];
    for (auto& name : names)
        name = s("a");
    EXPECT_EQ(twalk(buf, sizeof buf, 1, 1, 2, names, 17), 0u);
    EXPECT_NE(twalk(buf, sizeof buf, 1, 1, 2, names, 16), 0u);
}

TEST(P9Encode, CreateCalls) {
    uint8_t buf[128];
    size_t n = tlcreate(buf, sizeof buf, 4, 10, s("f"), 0101, 0644, 0);
    EXPECT_EQ(encoded(n, buf),
              Bytes().u32(10).str("f").u32(0101).u32(0644).u32(0).msg(t_lcreate, 4));
    n = tmkdir(buf, sizeof buf, 4, 10, s("d"), 0755, 5);
    EXPECT_EQ(encoded(n, buf), Bytes().u32(10).str("d").u32(0755).u32(5).msg(t_mkdir, 4));
    n = tsymlink(buf, sizeof buf, 4, 10, s("l"), s("../t"), 0);
    EXPECT_EQ(encoded(n, buf), Bytes().u32(10).str("l").str("../t").u32(0).msg(t_symlink, 4));
    n = tmknod(buf, sizeof buf, 4, 10, s("p"), 010644, 0, 0, 0);
    EXPECT_EQ(encoded(n, buf),
              Bytes().u32(10).str("p").u32(010644).u32(0).u32(0).u32(0).msg(t_mknod, 4));
    n = tlink(buf, sizeof buf, 4, 10, 11, s("h"));
    EXPECT_EQ(encoded(n, buf), Bytes().u32(10).u32(11).str("h").msg(t_link, 4));
}

TEST(P9Encode, RemoveAndRename) {
    uint8_t buf[128];
    size_t n = tunlinkat(buf, sizeof buf, 2, 10, s("x"), at_removedir);
    EXPECT_EQ(encoded(n, buf), Bytes().u32(10).str("x").u32(0x200).msg(t_unlinkat, 2));
    n = trenameat(buf, sizeof buf, 2, 10, s("a"), 11, s("b"));
    EXPECT_EQ(encoded(n, buf), Bytes().u32(10).str("a").u32(11).str("b").msg(t_renameat, 2));
}

TEST(P9Encode, AttrCalls) {
    uint8_t buf[128];
    size_t n = tgetattr(buf, sizeof buf, 1, 3, getattr_basic);
    EXPECT_EQ(encoded(n, buf), Bytes().u32(3).u64(0x7ff).msg(t_getattr, 1));
    SetAttr sa;
    sa.valid = setattr_mode | setattr_size;
    sa.mode = 0600;
    sa.size = 1ull << 33;
    sa.mtime_sec = 99;
    n = tsetattr(buf, sizeof buf, 1, 3, sa);
    EXPECT_EQ(encoded(n, buf), Bytes()
                                   .u32(3)
                                   .u32(9)
                                   .u32(0600)
                                   .u32(0)
                                   .u32(0)
                                   .u64(1ull << 33)
                                   .u64(0)
                                   .u64(0)
                                   .u64(99)
                                   .u64(0)
                                   .msg(t_setattr, 1));
}

TEST(P9Encode, DataCalls) {
    uint8_t buf[128];
    size_t n = tread(buf, sizeof buf, 6, 3, 1ull << 40, 4096);
    EXPECT_EQ(encoded(n, buf), Bytes().u32(3).u64(1ull << 40).u32(4096).msg(t_read, 6));
    n = treaddir(buf, sizeof buf, 6, 3, 17, 8192);
    EXPECT_EQ(encoded(n, buf), Bytes().u32(3).u64(17).u32(8192).msg(t_readdir, 6));
    n = twrite(buf, sizeof buf, 6, 3, 5, 3, "abc");
    auto want = Bytes().u32(3).u64(5).u32(3).msg(t_write, 6);
    want.insert(want.end(), {'a', 'b', 'c'});
    want[0] = uint8_t(want.size());
    EXPECT_EQ(encoded(n, buf), want);
    n = tfsync(buf, sizeof buf, 6, 3, true);
    EXPECT_EQ(encoded(n, buf), Bytes().u32(3).u32(1).msg(t_fsync, 6));
    n = tclunk(buf, sizeof buf, 6, 3);
    EXPECT_EQ(encoded(n, buf), Bytes().u32(3).msg(t_clunk, 6));
    n = tstatfs(buf, sizeof buf, 6, 3);
    EXPECT_EQ(encoded(n, buf), Bytes().u32(3).msg(t_statfs, 6));
    n = tlopen(buf, sizeof buf, 6, 3, 02);
    EXPECT_EQ(encoded(n, buf), Bytes().u32(3).u32(2).msg(t_lopen, 6));
    n = treadlink(buf, sizeof buf, 6, 3);
    EXPECT_EQ(encoded(n, buf), Bytes().u32(3).msg(t_readlink, 6));
    n = tflush(buf, sizeof buf, 6, 5);
    EXPECT_EQ(encoded(n, buf), Bytes().u16(5).msg(t_flush, 6));
}

TEST(P9Encode, ZeroCopyWriteCountsTheDataInTheSize) {
    uint8_t buf[64];
    size_t n = twrite(buf, sizeof buf, 6, 3, 0, 1 << 20, nullptr);
    ASSERT_EQ(n, twrite_header_size);
    EXPECT_EQ(encoded(n, buf), Bytes().u32(3).u64(0).u32(1 << 20).msg(t_write, 6, 1 << 20));
}

TEST(P9Encode, FailsWhenTheBufferIsTooSmall) {
    uint8_t buf[256];
    // Every prefix shorter than the message is refused; the exact size fits.
    size_t full = tlcreate(buf, sizeof buf, 1, 2, s("name"), 0, 0644, 0);
    ASSERT_GT(full, 0u);
    for (size_t cap = 0; cap < full; cap++)
        EXPECT_EQ(tlcreate(buf, cap, 1, 2, s("name"), 0, 0644, 0), 0u) << cap;
    EXPECT_EQ(tlcreate(buf, full, 1, 2, s("name"), 0, 0644, 0), full);
}

TEST(P9Encode, RefusesStringsPastTheLengthField) {
    std::string big(70000, 'x');
    std::vector<uint8_t> buf(80000);
    EXPECT_EQ(tunlinkat(buf.data(), buf.size(), 1, 2, Str{big.data(), big.size()}, 0), 0u);
    EXPECT_NE(tunlinkat(buf.data(), buf.size(), 1, 2, Str{big.data(), 65535}, 0), 0u);
}

TEST(P9Reply, OpensAGoodReply) {
    auto r = Bytes().qid(qt_dir, 1, 42).msg(r_attach, 7);
    Decoder d;
    ASSERT_EQ(open(r, r_attach, &d), 0);
    Qid q;
    ASSERT_EQ(rqid(d, &q), 0);
    EXPECT_EQ(q.type, qt_dir);
    EXPECT_EQ(q.version, 1u);
    EXPECT_EQ(q.path, 42u);
}

TEST(P9Reply, PassesTheHostsErrnoThrough) {
    Decoder d;
    EXPECT_EQ(open(Bytes().u32(2).msg(r_lerror, 7), r_walk, &d), -2);    // ENOENT
    EXPECT_EQ(open(Bytes().u32(13).msg(r_lerror, 7), r_lopen, &d), -13); // EACCES
    // Not an errno: EIO rather than a success or a huge negative value.
    EXPECT_EQ(open(Bytes().u32(0).msg(r_lerror, 7), r_walk, &d), -EIO);
    EXPECT_EQ(open(Bytes().u32(0xffffffff).msg(r_lerror, 7), r_walk, &d), -EIO);
    // An Rlerror too short for its ecode.
    EXPECT_EQ(open(Bytes().u16(2).msg(r_lerror, 7), r_walk, &d), -EPROTO);
}

TEST(P9Reply, RefusesBadHeaders) {
    Decoder d;
    auto good = Bytes().u32(5).msg(r_write, 7);
    EXPECT_EQ(open(good, r_write, &d), 0);
    EXPECT_EQ(open(good, r_read, &d), -EPROTO);     // another type
    EXPECT_EQ(open(good, r_write, &d, 8), -EPROTO); // another tag
    // Shorter than a header.
    EXPECT_EQ(open_reply(good.data(), 6, 6, r_write, 7, &d), -EPROTO);
    // A size field larger than what the device wrote.
    EXPECT_EQ(open_reply(good.data(), good.size(), good.size() - 1, r_write, 7, &d), -EPROTO);
    // A size field smaller than a header.
    auto bad = good;
    bad[0] = 6;
    EXPECT_EQ(open(bad, r_write, &d), -EPROTO);
    // A size field that cuts the body: the count is then missing.
    bad = good;
    bad[0] = 9;
    ASSERT_EQ(open(bad, r_write, &d), 0);
    uint32_t count;
    EXPECT_EQ(rwrite(d, 100, &count), -EPROTO);
}

TEST(P9Reply, Version) {
    auto r = Bytes().u32(8192).str("9P2000.L").msg(r_version, no_tag);
    Decoder d;
    ASSERT_EQ(open(r, r_version, &d, no_tag), 0);
    uint32_t msize;
    Str v;
    ASSERT_EQ(rversion(d, &msize, &v), 0);
    EXPECT_EQ(msize, 8192u);
    EXPECT_EQ(std::string(v.p, v.n), "9P2000.L");
    // A string longer than the message.
    auto bad = Bytes().u32(8192).u16(200).msg(r_version, no_tag);
    ASSERT_EQ(open(bad, r_version, &d, no_tag), 0);
    EXPECT_EQ(rversion(d, &msize, &v), -EPROTO);
}

TEST(P9Reply, Walk) {
    auto r = Bytes().u16(2).qid(qt_dir, 0, 5).qid(0, 3, 6).msg(r_walk, 7);
    Decoder d;
    ASSERT_EQ(open(r, r_walk, &d), 0);
    Qid q[16];
    size_t n = 99;
    ASSERT_EQ(rwalk(d, q, 16, &n), 0);
    ASSERT_EQ(n, 2u);
    EXPECT_EQ(q[0].path, 5u);
    EXPECT_EQ(q[1].version, 3u);
    // More qids than names asked for.
    ASSERT_EQ(open(r, r_walk, &d), 0);
    EXPECT_EQ(rwalk(d, q, 1, &n), -EPROTO);
    // A count the bytes do not back.
    auto short_r = Bytes().u16(3).qid(qt_dir, 0, 5).msg(r_walk, 7);
    ASSERT_EQ(open(short_r, r_walk, &d), 0);
    EXPECT_EQ(rwalk(d, q, 16, &n), -EPROTO);
}

TEST(P9Reply, Getattr) {
    Bytes b;
    b.u64(getattr_basic).qid(0, 1, 77).u32(0100644).u32(1000).u32(1001).u64(2).u64(0).u64(12345);
    b.u64(4096).u64(24).u64(1).u64(2).u64(3).u64(4).u64(5).u64(6).u64(0).u64(0).u64(0).u64(0);
    auto r = b.msg(r_getattr, 7);
    Decoder d;
    ASSERT_EQ(open(r, r_getattr, &d), 0);
    Attr a;
    ASSERT_EQ(rgetattr(d, &a), 0);
    EXPECT_EQ(a.qid.path, 77u);
    EXPECT_EQ(a.mode, 0100644u);
    EXPECT_EQ(a.uid, 1000u);
    EXPECT_EQ(a.gid, 1001u);
    EXPECT_EQ(a.nlink, 2u);
    EXPECT_EQ(a.size, 12345u);
    EXPECT_EQ(a.blocks, 24u);
    EXPECT_EQ(a.mtime_sec, 3u);
    EXPECT_EQ(a.ctime_nsec, 6u);
    EXPECT_LE(r.size(), max_small_reply);
    // One byte short.
    r.pop_back();
    r[0]--;
    ASSERT_EQ(open(r, r_getattr, &d), 0);
    EXPECT_EQ(rgetattr(d, &a), -EPROTO);
}

TEST(P9Reply, Statfs) {
    auto r = Bytes()
                 .u32(0x01021997)
                 .u32(4096)
                 .u64(100)
                 .u64(50)
                 .u64(40)
                 .u64(9)
                 .u64(8)
                 .u64(7)
                 .u32(255)
                 .msg(r_statfs, 7);
    Decoder d;
    ASSERT_EQ(open(r, r_statfs, &d), 0);
    StatFs st;
    ASSERT_EQ(rstatfs(d, &st), 0);
    EXPECT_EQ(st.bsize, 4096u);
    EXPECT_EQ(st.bavail, 40u);
    EXPECT_EQ(st.namelen, 255u);
}

TEST(P9Reply, ReadInTheBuffer) {
    auto r = Bytes().u32(3).msg(r_read, 7);
    r.insert(r.end(), {'x', 'y', 'z'});
    r[0] = uint8_t(r.size());
    Decoder d;
    ASSERT_EQ(open(r, r_read, &d), 0);
    Str data;
    ASSERT_EQ(rread(d, 10, &data), 0);
    EXPECT_EQ(std::string(data.p, data.n), "xyz");
    // More than was asked for.
    ASSERT_EQ(open(r, r_read, &d), 0);
    EXPECT_EQ(rread(d, 2, &data), -EPROTO);
    // A count past the message.
    auto bad = Bytes().u32(1000).msg(r_read, 7);
    ASSERT_EQ(open(bad, r_read, &d), 0);
    EXPECT_EQ(rread(d, 4096, &data), -EPROTO);
}

TEST(P9Reply, ZeroCopyRead) {
    // The device wrote an 11-byte header into our buffer and 5000 bytes of
    // data elsewhere.
    auto hdr = Bytes().u32(5000).msg(r_read, 7, 5000);
    ASSERT_EQ(hdr.size(), rread_header_size);
    Decoder d;
    ASSERT_EQ(open_reply(hdr.data(), hdr.size(), hdr.size() + 5000, r_read, 7, &d), 0);
    uint32_t count;
    ASSERT_EQ(rread_count(d, 8192, message_size(hdr.data()), &count), 0);
    EXPECT_EQ(count, 5000u);
    // The count disagrees with the size field.
    auto bad = Bytes().u32(6000).msg(r_read, 7, 5000);
    ASSERT_EQ(open_reply(bad.data(), bad.size(), bad.size() + 5000, r_read, 7, &d), 0);
    EXPECT_EQ(rread_count(d, 8192, message_size(bad.data()), &count), -EPROTO);
    // More than asked.
    ASSERT_EQ(open_reply(hdr.data(), hdr.size(), hdr.size() + 5000, r_read, 7, &d), 0);
    EXPECT_EQ(rread_count(d, 4096, message_size(hdr.data()), &count), -EPROTO);
    // The device claims to have written less than the size field says.
    EXPECT_EQ(open_reply(hdr.data(), hdr.size(), hdr.size() + 4999, r_read, 7, &d), -EPROTO);
    // An error reply in the header buffer.
    auto err = Bytes().u32(5).msg(r_lerror, 7);
    EXPECT_EQ(open_reply(err.data(), err.size(), err.size(), r_read, 7, &d), -5);
}

TEST(P9Reply, WriteCount) {
    auto r = Bytes().u32(4096).msg(r_write, 7);
    Decoder d;
    ASSERT_EQ(open(r, r_write, &d), 0);
    uint32_t count;
    ASSERT_EQ(rwrite(d, 4096, &count), 0);
    EXPECT_EQ(count, 4096u);
    ASSERT_EQ(open(r, r_write, &d), 0);
    EXPECT_EQ(rwrite(d, 4095, &count), -EPROTO);
}

TEST(P9Reply, Readlink) {
    auto r = Bytes().str("/etc/target").msg(r_readlink, 7);
    Decoder d;
    ASSERT_EQ(open(r, r_readlink, &d), 0);
    Str t;
    ASSERT_EQ(rreadlink(d, &t), 0);
    EXPECT_EQ(std::string(t.p, t.n), "/etc/target");
}

TEST(P9Reply, Readdir) {
    Bytes entries;
    entries.qid(qt_dir, 0, 1).u64(1).u8(4).str(".");
    entries.qid(qt_dir, 0, 2).u64(2).u8(4).str("..");
    entries.qid(0, 0, 3).u64(99).u8(8).str("file.txt");
    auto r = Bytes().u32(uint32_t(entries.b.size())).msg(r_readdir, 7);
    r.insert(r.end(), entries.b.begin(), entries.b.end());
    r[0] = uint8_t(r.size());
    Decoder d;
    ASSERT_EQ(open(r, r_readdir, &d), 0);
    Str data;
    ASSERT_EQ(rreaddir(d, 8192, &data), 0);
    DirReader rd(data);
    Dirent e;
    std::vector<std::string> names;
    long st;
    while ((st = rd.next(&e)) == 1)
        names.emplace_back(e.name.p, e.name.n);
    EXPECT_EQ(st, 0);
    EXPECT_EQ(names, (std::vector<std::string>{".", "..", "file.txt"}));
    EXPECT_EQ(e.offset, 99u);
    EXPECT_EQ(e.type, 8);
    EXPECT_EQ(e.qid.path, 3u);
}

TEST(P9Reply, ReaddirRefusesBrokenEntries) {
    auto check = [](Bytes entries) {
        DirReader rd(Str{reinterpret_cast<const char*>(entries.b.data()), entries.b.size()});
        Dirent e;
        return rd.next(&e);
    };
    EXPECT_EQ(check(Bytes().qid(0, 0, 3).u64(1).u8(8).str("ok")), 1);
    // A name longer than the entry.
    EXPECT_EQ(check(Bytes().qid(0, 0, 3).u64(1).u8(8).u16(10).u8('a')), -EPROTO);
    // Names the VFS cannot hand on.
    EXPECT_EQ(check(Bytes().qid(0, 0, 3).u64(1).u8(8).str("")), -EPROTO);
    EXPECT_EQ(check(Bytes().qid(0, 0, 3).u64(1).u8(8).str("a/b")), -EPROTO);
    EXPECT_EQ(check(Bytes().qid(0, 0, 3).u64(1).u8(8).str(std::string("a\0b", 3))), -EPROTO);
    // A partial entry.
    EXPECT_EQ(check(Bytes().qid(0, 0, 3).u64(1)), -EPROTO);
}

} // namespace
