// The newc cpio reader and the initrd's name rules, on archives built here
// byte by byte.
#include "vfs/cpio.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

using namespace uk::vfs::cpio;

namespace {

struct Spec {
    std::string name;
    uint32_t mode = 0100644;
    std::string data;
    uint32_t ino = 1, uid = 0, gid = 0, nlink = 1, mtime = 0;
    uint32_t rmaj = 0, rmin = 0;
    const char* magic = "070701";
};

std::string pad4(std::string s) {
    while (s.size() % 4)
        s += '\0';
    return s;
}

// One entry as `cpio -H newc` writes it, starting at a 4-byte boundary.
std::string entry(const Spec& s) {
    char h[111];
    std::snprintf(h, sizeof h, "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", s.magic,
                  s.ino, s.mode, s.uid, s.gid, s.nlink, s.mtime, unsigned(s.data.size()), 0u, 0u,
                  s.rmaj, s.rmin, unsigned(s.name.size() + 1), 0u);
    std::string out(h, 110);
    out += s.name;
    out += '\0';
    return pad4(pad4(out) + s.data);
}

std::string trailer() {
    Spec t;
    t.name = "TRAILER!!!";
    t.mode = 0;
    t.ino = 0;
    return entry(t);
}

std::string archive(const std::vector<Spec>& specs) {
    std::string out;
    for (const Spec& s : specs)
        out += entry(s);
    return out + trailer();
}

struct Walk {
    std::vector<Entry> entries;
    Reader::Status last;
    Error error = Error::none;
    uint64_t offset = 0;
    Entry at_error;
};

Walk walk(const std::string& a) {
    Reader r(a.data(), a.size());
    Walk w;
    Entry e;
    for (int guard = 0; guard < 10000; guard++) {
        w.last = r.next(&e);
        if (w.last != Reader::Status::entry)
            break;
        w.entries.push_back(e);
    }
    w.error = r.error();
    w.offset = r.error_offset();
    w.at_error = e;
    EXPECT_EQ(r.entries(), w.entries.size());
    // The end and an error stay put.
    Entry again;
    EXPECT_EQ(r.next(&again), w.last);
    return w;
}

std::string name_of(const Entry& e) {
    return std::string(e.name, e.name_len);
}

} // namespace

TEST(Cpio, EntriesAndTheirFields) {
    Spec f{"etc/passwd", 0100640, "root:x:0:0::/:/bin/sh\n"};
    f.ino = 7;
    f.uid = 1000;
    f.gid = 100;
    f.mtime = 1700000000;
    Spec d{"etc", 040755, ""};
    Spec l{"lib", 0120777, "usr/lib"};
    Spec c{"dev/null", 020666, ""};
    c.rmaj = 1;
    c.rmin = 3;
    std::string a = archive({d, f, l, c});
    Walk w = walk(a);
    ASSERT_EQ(w.last, Reader::Status::end);
    ASSERT_EQ(w.entries.size(), 4u);
    EXPECT_EQ(name_of(w.entries[0]), "etc");
    EXPECT_EQ(w.entries[0].offset, 0u);
    const Entry& e = w.entries[1];
    EXPECT_EQ(name_of(e), "etc/passwd");
    EXPECT_EQ(e.name[e.name_len], '\0');
    EXPECT_EQ(e.mode, 0100640u);
    EXPECT_EQ(e.ino, 7u);
    EXPECT_EQ(e.uid, 1000u);
    EXPECT_EQ(e.gid, 100u);
    EXPECT_EQ(e.mtime, 1700000000u);
    EXPECT_EQ(e.nlink, 1u);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(e.data), e.size), f.data);
    EXPECT_EQ(e.offset, entry(d).size());
    EXPECT_EQ((reinterpret_cast<const char*>(e.data) - a.data()) % 4, 0);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(w.entries[2].data), w.entries[2].size),
              "usr/lib");
    EXPECT_EQ(w.entries[3].rdev_major, 1u);
    EXPECT_EQ(w.entries[3].rdev_minor, 3u);
}

TEST(Cpio, LowerCaseHexAndTheCrcMagic) {
    Spec f{"a", 0100644, "xyz"};
    f.magic = "070702";
    f.mtime = 0xabcdef;
    std::string a = archive({f});
    // The reader takes lower-case digits as well.
    for (size_t i = 6; i < 110; i++)
        a[i] = char(std::tolower(static_cast<unsigned char>(a[i])));
    Walk w = walk(a);
    ASSERT_EQ(w.last, Reader::Status::end);
    ASSERT_EQ(w.entries.size(), 1u);
    EXPECT_EQ(w.entries[0].mtime, 0xabcdefu);
}

TEST(Cpio, EmptyInputIsAnEmptyArchive) {
    Walk w = walk("");
    EXPECT_EQ(w.last, Reader::Status::end);
    EXPECT_TRUE(w.entries.empty());
    w = walk(trailer());
    EXPECT_EQ(w.last, Reader::Status::end);
    EXPECT_TRUE(w.entries.empty());
}

TEST(Cpio, PaddingAndConcatenatedArchives) {
    // NULs after a trailer (cpio pads to 512 bytes), then another archive,
    // as Linux's initramfs allows.
    std::string a = archive({{"a", 0100644, "1"}});
    a += std::string(512 - a.size() % 512, '\0');
    a += archive({{"b", 0100644, "22"}});
    a += std::string(100, '\0');
    Walk w = walk(a);
    ASSERT_EQ(w.last, Reader::Status::end);
    ASSERT_EQ(w.entries.size(), 2u);
    EXPECT_EQ(name_of(w.entries[1]), "b");
    EXPECT_EQ(w.entries[1].offset, 512u);

    // The last padding may be missing.
    std::string t = archive({{"c", 0100644, "x"}});
    t.resize(t.size() - 1);
    EXPECT_EQ(walk(t).last, Reader::Status::end);

    // A second archive must start at a multiple of 4.
    Walk bad = walk(archive({}) + std::string(1, '\0') + archive({}));
    EXPECT_EQ(bad.last, Reader::Status::error);
    EXPECT_EQ(bad.error, Error::bad_padding);
    EXPECT_EQ(bad.offset, trailer().size() + 1);
}

TEST(Cpio, HeaderErrors) {
    std::string good = archive({{"a", 0100644, "data"}, {"b", 0100644, "more"}});
    size_t second = entry({"a", 0100644, "data"}).size();

    std::string a = good;
    a[second + 2] = 'X';
    Walk w = walk(a);
    EXPECT_EQ(w.error, Error::bad_magic);
    EXPECT_EQ(w.offset, second);
    EXPECT_EQ(w.entries.size(), 1u);
    EXPECT_EQ(w.at_error.offset, second);
    EXPECT_EQ(w.at_error.name, nullptr);

    a = good;
    a[5] = '7';
    EXPECT_EQ(walk(a).error, Error::old_format);

    a = good;
    a[6 + 8 * 5 + 3] = 'g'; // mtime
    w = walk(a);
    EXPECT_EQ(w.error, Error::bad_field);
    EXPECT_EQ(w.offset, 6u + 8 * 5);
    // The name is still there for the message.
    ASSERT_NE(w.at_error.name, nullptr);
    EXPECT_EQ(name_of(w.at_error), "a");
    a[6 + 8 * 11 + 7] = 'x'; // and the name size too: no name
    EXPECT_EQ(walk(a).at_error.name, nullptr);

    a = good;
    std::memcpy(&a[6 + 8 * 11], "00000000", 8); // namesize 0
    w = walk(a);
    EXPECT_EQ(w.error, Error::bad_name_size);
    EXPECT_EQ(w.offset, 6u + 8 * 11);
    std::memcpy(&a[6 + 8 * 11], "00000001", 8); // an empty name
    EXPECT_EQ(walk(a).error, Error::bad_name_size);
    std::memcpy(&a[6 + 8 * 11], "00001001", 8); // 4097 bytes
    EXPECT_EQ(walk(a).error, Error::bad_name_size);

    // A NUL inside the name, or none at its end.
    a = archive({{std::string("x\0y", 3), 0100644, ""}});
    w = walk(a);
    EXPECT_EQ(w.error, Error::name_not_terminated);
    EXPECT_EQ(w.offset, 111u);
    a = good;
    a[110 + 1] = 'Z'; // over "a"'s NUL
    EXPECT_EQ(walk(a).error, Error::name_not_terminated);

    EXPECT_EQ(walk("not an archive at all, just text").error, Error::bad_magic);
    EXPECT_EQ(walk(std::string(64, '\0')).error, Error::bad_magic);
}

TEST(Cpio, TruncatedArchives) {
    std::string good =
        archive({{"dir", 040755, ""}, {"dir/file", 0100644, std::string(1000, 'x')}});
    size_t second = entry({"dir", 040755, ""}).size();
    size_t data_at = second + 112 + 8; // header, "dir/file\0" padded to 4
    // Every cut of the archive is an error, each one named.
    for (size_t cut = 1; cut < good.size(); cut++) {
        Walk w = walk(good.substr(0, cut));
        std::string what = "cut at " + std::to_string(cut);
        if (cut == good.size() - 1 || cut == good.size() - 2 || cut == good.size() - 3) {
            // Only the trailer's own padding is missing.
            EXPECT_EQ(w.last, Reader::Status::end) << what;
            continue;
        }
        ASSERT_EQ(w.last, Reader::Status::error) << what;
        Error want;
        if (cut == second || cut == good.size() - trailer().size())
            want = Error::missing_trailer;
        else if (cut < second) {
            want = cut < 110   ? Error::truncated_header
                   : cut < 114 ? Error::truncated_name
                               : Error::missing_trailer;
        } else if (cut < second + 110)
            want = Error::truncated_header;
        else if (cut < second + 119)
            want = Error::truncated_name;
        else if (cut < data_at + 1000)
            want = Error::truncated_data;
        else if (cut < good.size() - trailer().size())
            want = Error::missing_trailer;
        else if (cut < good.size() - trailer().size() + 110)
            want = Error::truncated_header;
        else
            want = Error::truncated_name;
        EXPECT_EQ(w.error, want) << what << ": " << error_string(w.error);
        if (want == Error::truncated_data) {
            EXPECT_EQ(name_of(w.at_error), "dir/file") << what;
            EXPECT_EQ(w.at_error.offset, second) << what;
            EXPECT_EQ(w.offset, cut) << what;
        }
    }
}

TEST(Cpio, HugeSizesDoNotWrap) {
    std::string a = archive({{"f", 0100644, ""}});
    std::memcpy(&a[6 + 8 * 6], "FFFFFFFF", 8);
    EXPECT_EQ(walk(a).error, Error::truncated_data);
    a = archive({{"f", 0100644, ""}});
    std::memcpy(&a[6 + 8 * 11], "00001000", 8);
    EXPECT_EQ(walk(a).error, Error::truncated_name);
}

TEST(Cpio, ErrorStringsAreDistinct) {
    std::vector<std::string> seen;
    for (int i = 0; i <= int(Error::missing_trailer); i++) {
        std::string s = error_string(Error(i));
        for (const std::string& t : seen)
            EXPECT_NE(s, t);
        seen.push_back(s);
    }
    EXPECT_NE(error_string(Error(99)), nullptr);
}

namespace {

std::string rest_of(const char* name, NameKind* kind) {
    const char* rest;
    size_t n;
    *kind = classify_name(name, std::strlen(name), &rest, &n);
    return std::string(rest, n);
}

std::vector<std::string> components(const std::string& path) {
    std::vector<std::string> out;
    size_t pos = 0;
    const char* c;
    size_t n;
    while (next_component(path.data(), path.size(), &pos, &c, &n))
        out.emplace_back(c, n);
    return out;
}

} // namespace

TEST(Cpio, NamesAreTakenFromTheRoot) {
    NameKind k;
    EXPECT_EQ(rest_of("etc/passwd", &k), "etc/passwd");
    EXPECT_EQ(k, NameKind::path);
    EXPECT_EQ(rest_of("./etc/passwd", &k), "etc/passwd");
    EXPECT_EQ(k, NameKind::path);
    EXPECT_EQ(rest_of("/etc/passwd", &k), "etc/passwd");
    EXPECT_EQ(k, NameKind::path);
    EXPECT_EQ(rest_of("//.//./etc", &k), "etc");
    EXPECT_EQ(k, NameKind::path);
    EXPECT_EQ(rest_of(".hidden", &k), ".hidden");
    EXPECT_EQ(k, NameKind::path);
    EXPECT_EQ(rest_of("...", &k), "...");
    EXPECT_EQ(k, NameKind::path);
    for (const char* root : {".", "/", "./", "//", "./.", "/./"}) {
        rest_of(root, &k);
        EXPECT_EQ(k, NameKind::root) << root;
    }
    for (const char* up : {"..", "../x", "a/../b", "a/..", "/..", "./../etc", "a/./../.."}) {
        rest_of(up, &k);
        EXPECT_EQ(k, NameKind::dotdot) << up;
    }
    rest_of("a/..b/c..", &k);
    EXPECT_EQ(k, NameKind::path);
}

TEST(Cpio, Components) {
    EXPECT_EQ(components("a/b/c"), (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(components("a//./b/"), (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(components(""), std::vector<std::string>{});
    EXPECT_EQ(components("./."), std::vector<std::string>{});
    EXPECT_EQ(components(".a/..b"), (std::vector<std::string>{".a", "..b"}));
}
