// Fuzzes the 9P reply decoder: whatever the host's server sends, opening and
// decoding a reply must never read outside the bytes the device wrote
// (ASan), every string and data range it returns must lie inside them, and
// counts must stay within what was asked for.
//
// Input: byte 0 picks the reply kind, bytes 1-2 the tag expected, bytes 3-6
// the count asked for (reads, writes, readdir), byte 7 how many bytes of the
// reply sit in the header buffer when the rest went elsewhere (zero-copy
// reads); the rest is the reply.

#include "vfs/p9_proto.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

using namespace uk::p9;

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "p9_reply_fuzz: %s\n", what);
    std::abort();
}

void expect(bool ok, const char* what) {
    if (!ok)
        fail(what);
}

const uint8_t kinds[] = {r_version, r_attach,   r_walk, r_lopen, r_lcreate, r_getattr,
                         r_statfs,  r_readlink, r_read, r_write, r_readdir, r_mkdir};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 8)
        return 0;
    uint8_t kind = kinds[data[0] % sizeof kinds];
    bool zero_copy = data[0] & 0x80;
    uint16_t tag = uint16_t(data[1] | data[2] << 8);
    uint32_t asked = uint32_t(data[3] | data[4] << 8 | data[5] << 16 | uint32_t(data[6]) << 24);
    size_t in_buffer = data[7];
    // An exact-size copy, so that ASan sees any read past the end.
    std::vector<uint8_t> reply(data + 8, data + size);
    const uint8_t* lo = reply.data();
    const uint8_t* hi = lo + reply.size();
    auto inside = [&](Str s) {
        auto p = reinterpret_cast<const uint8_t*>(s.p);
        return s.n == 0 || (p >= lo && p <= hi && s.n <= size_t(hi - p));
    };

    size_t len = reply.size();
    size_t total = reply.size();
    if (zero_copy && kind == r_read) {
        // The header buffer holds the first in_buffer bytes; the device
        // claims to have written `total` in all.
        len = in_buffer < reply.size() ? in_buffer : reply.size();
        total = reply.size() + asked % 4096;
        std::vector<uint8_t> head(reply.begin(), reply.begin() + long(len));
        Decoder d;
        long st = open_reply(head.data(), head.size(), total, kind, tag, &d);
        expect(st <= 0, "open_reply returned a positive value");
        if (st == 0) {
            uint32_t count;
            if (rread_count(d, asked, message_size(head.data()), &count) == 0) {
                expect(count <= asked, "zero-copy count past what was asked");
                expect(rread_header_size + size_t(count) <= total, "count past what was written");
            }
        }
        return 0;
    }

    Decoder d;
    long st = open_reply(reply.data(), len, total, kind, tag, &d);
    expect(st <= 0 && st >= -4095, "open_reply result out of range");
    if (st != 0)
        return 0;
    expect(d.left() <= reply.size(), "body longer than the reply");
    switch (kind) {
    case r_version: {
        uint32_t msize;
        Str v;
        if (rversion(d, &msize, &v) == 0)
            expect(inside(v), "version string outside the reply");
        break;
    }
    case r_attach:
    case r_lcreate:
    case r_mkdir: {
        Qid q;
        (void)rqid(d, &q);
        break;
    }
    case r_walk: {
        Qid qids[max_walk_names];
        size_t n = 0;
        if (rwalk(d, qids, asked % (max_walk_names + 1), &n) == 0)
            expect(n <= asked % (max_walk_names + 1), "more qids than room");
        break;
    }
    case r_lopen: {
        Qid q;
        uint32_t iounit;
        (void)rlopen(d, &q, &iounit);
        break;
    }
    case r_getattr: {
        Attr a;
        (void)rgetattr(d, &a);
        break;
    }
    case r_statfs: {
        StatFs s;
        (void)rstatfs(d, &s);
        break;
    }
    case r_readlink: {
        Str t;
        if (rreadlink(d, &t) == 0)
            expect(inside(t), "link target outside the reply");
        break;
    }
    case r_read: {
        Str out;
        if (rread(d, asked, &out) == 0) {
            expect(inside(out), "read data outside the reply");
            expect(out.n <= asked, "read count past what was asked");
        }
        break;
    }
    case r_write: {
        uint32_t count;
        if (rwrite(d, asked, &count) == 0)
            expect(count <= asked, "write count past what was asked");
        break;
    }
    case r_readdir: {
        Str entries;
        if (rreaddir(d, asked, &entries) != 0)
            break;
        expect(inside(entries), "entries outside the reply");
        DirReader rd(entries);
        Dirent e;
        long r;
        size_t seen = 0;
        while ((r = rd.next(&e)) == 1) {
            expect(inside(e.name) && e.name.n > 0, "entry name outside the reply or empty");
            expect(std::memchr(e.name.p, '/', e.name.n) == nullptr, "name with a slash");
            expect(++seen <= entries.n, "more entries than bytes");
        }
        expect(r == 0 || r == -uk::EPROTO, "readdir result out of range");
        break;
    }
    }
    return 0;
}
