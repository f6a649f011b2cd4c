// ukrun --initrd: the option, QEMU's -initrd, the fit check against --mem,
// and the directory packer, whose archives are read back with the kernel's
// own cpio reader.
#include "qemu_cmdline.h"
#include "ukrun_args.h"
#include "ukrun_image.h"
#include "ukrun_initrd.h"
#include "vfs/cpio.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <string>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <unistd.h>
#include <vector>

using namespace ukrun;
namespace cpio = uk::vfs::cpio;

namespace {

Parsed<Options> parse(std::vector<char const*> args) {
    return parse_args({args.data(), args.size()});
}

} // namespace

TEST(UkrunInitrd, Option) {
    auto r = parse({"--initrd", "root.cpio", "app"});
    ASSERT_TRUE(r) << r.error;
    EXPECT_EQ(r.value->initrd, "root.cpio");
    r = parse({"--initrd=./dir/", "app", "--initrd", "x"});
    ASSERT_TRUE(r) << r.error;
    EXPECT_EQ(r.value->initrd, "./dir/");
    EXPECT_EQ(r.value->args, (std::vector<std::string>{"--initrd", "x"}));
    EXPECT_TRUE(parse({"app"}).value->initrd.empty());
    EXPECT_FALSE(parse({"--initrd"}));
    EXPECT_FALSE(parse({"--initrd=", "app"}));
    EXPECT_NE(usage_text().find("--initrd FILE|DIR"), std::string_view::npos);
}

TEST(UkrunInitrd, QemuGetsTheDescriptor) {
    QemuConfig config;
    config.kernel = "app";
    auto argv = build_qemu_argv(config);
    EXPECT_EQ(std::find(argv.begin(), argv.end(), "-initrd"), argv.end());
    config.initrd = true;
    argv = build_qemu_argv(config);
    auto it = std::find(argv.begin(), argv.end(), "-initrd");
    ASSERT_NE(it, argv.end());
    ASSERT_NE(it + 1, argv.end());
    EXPECT_EQ(*(it + 1), qemu_fd_path(qemu_initrd_fd));
    // Its own descriptor, apart from the others ukrun hands QEMU.
    for (int fd : {0, 1, 2, qemu_debugcon_fd, qemu_kernel_fd, qemu_cmdline_fd})
        EXPECT_NE(qemu_initrd_fd, fd);
}

TEST(UkrunInitrd, WhereQemuPutsIt) {
    // 64 MiB into -m 100M on microvm landed at 0x23ff000.
    EXPECT_EQ(pvh_initrd_address(Machine::Microvm, 100 << 20, 64 << 20), 0x23ff000u);
    // pc keeps its ACPI data above it.
    EXPECT_EQ(pvh_initrd_address(Machine::Pc, 100 << 20, 64 << 20), 0x23ff000u - 0x28000);
    // QEMU refuses one as large as the RAM below 4 GiB allows.
    EXPECT_FALSE(pvh_initrd_address(Machine::Microvm, 64 << 20, 64 << 20));
    EXPECT_FALSE(pvh_initrd_address(Machine::Microvm, 64 << 20, (64 << 20) - 1));
    EXPECT_TRUE(pvh_initrd_address(Machine::Microvm, 64 << 20, (64 << 20) - 2));
    // Above 3.5 GiB only part of the RAM lies below 4 GiB.
    EXPECT_EQ(pvh_initrd_address(Machine::Microvm, 8ull << 30, 4096), 0xe0000000u - 8192);
    EXPECT_EQ(pvh_initrd_address(Machine::Pc, 8ull << 30, 4096),
              (0xc0000000u - 0x28000 - 1 - 4096) & ~0xfffu);
    EXPECT_EQ(pvh_initrd_address(Machine::Pc, 3ull << 30, 4096),
              ((3ull << 30) - 0x28000 - 1 - 4096) & ~0xfffull);
}

TEST(UkrunInitrd, FitCheck) {
    constexpr std::uint64_t image_end = 0x1480b0; // a hello image
    EXPECT_EQ(check_fit(image_end, 64 << 20, Machine::Microvm, false, std::nullopt), "");
    EXPECT_NE(check_fit(image_end, 1 << 20, Machine::Microvm, false, std::nullopt)
                  .find("more than the 1M of --mem"),
              std::string::npos);
    EXPECT_EQ(check_fit(image_end, 100 << 20, Machine::Microvm, false, 64 << 20), "");
    std::string e = check_fit(image_end, 64 << 20, Machine::Microvm, false, 64 << 20);
    EXPECT_NE(e.find("the initrd (65536 KiB) do not fit in the 64M of --mem"), std::string::npos)
        << e;
    // At the boundary, page by page (as checked with QEMU 7.2 on both
    // machines: the next page down overlaps the image and does not boot).
    std::uint64_t mem = 62 << 20;
    std::uint64_t largest = mem - 1 - 0x149000;
    EXPECT_EQ(check_fit(image_end, mem, Machine::Microvm, false, largest), "");
    EXPECT_NE(check_fit(image_end, mem, Machine::Microvm, false, largest + 4096), "");
    EXPECT_EQ(check_fit(image_end, mem, Machine::Pc, false, largest - 0x28000), "");
    EXPECT_NE(check_fit(image_end, mem, Machine::Pc, false, largest - 0x28000 + 4096), "");
    // Multiboot: the module goes after the image.
    EXPECT_EQ(check_fit(image_end, 64 << 20, Machine::Pc, true, 32 << 20), "");
    EXPECT_NE(check_fit(image_end, 64 << 20, Machine::Pc, true, 63 << 20), "");
}

// ---------------------------------------------------------------- the packer

namespace {

class TempDir {
  public:
    TempDir() {
        char templ[] = "/tmp/ukrun-initrd-test-XXXXXX";
        char* p = mkdtemp(templ);
        EXPECT_NE(p, nullptr);
        path = p ? p : "";
    }
    ~TempDir() {
        std::string cmd = "rm -rf '" + path + "'";
        (void)!std::system(cmd.c_str());
    }
    std::string operator/(std::string const& rel) const { return path + "/" + rel; }
    std::string path;
};

void write_file(std::string const& path, std::string const& data, mode_t mode = 0644) {
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
    ASSERT_GE(fd, 0) << path;
    ASSERT_EQ(write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
    close(fd);
    chmod(path.c_str(), mode);
}

void set_mtime(std::string const& path, time_t t) {
    timespec ts[2] = {{t, 0}, {t, 0}};
    ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), ts, AT_SYMLINK_NOFOLLOW), 0) << path;
}

struct Packed {
    std::string bytes;
    std::string error;
};

Packed pack(std::string const& dir) {
    int fd = memfd_create("test", MFD_CLOEXEC);
    EXPECT_GE(fd, 0);
    auto r = pack_directory(dir, fd);
    Packed out;
    if (!r) {
        out.error = r.error;
        close(fd);
        return out;
    }
    out.bytes.resize(*r.value);
    EXPECT_EQ(pread(fd, out.bytes.data(), out.bytes.size(), 0),
              static_cast<ssize_t>(out.bytes.size()));
    char extra;
    EXPECT_EQ(pread(fd, &extra, 1, static_cast<off_t>(out.bytes.size())), 0);
    close(fd);
    return out;
}

std::vector<cpio::Entry> read_back(std::string const& bytes) {
    cpio::Reader r(bytes.data(), bytes.size());
    std::vector<cpio::Entry> out;
    cpio::Entry e;
    cpio::Reader::Status s;
    while ((s = r.next(&e)) == cpio::Reader::Status::entry)
        out.push_back(e);
    EXPECT_EQ(s, cpio::Reader::Status::end) << cpio::error_string(r.error());
    return out;
}

std::string name_of(cpio::Entry const& e) {
    return {e.name, e.name_len};
}
std::string data_of(cpio::Entry const& e) {
    return {reinterpret_cast<char const*>(e.data), e.size};
}

} // namespace

TEST(UkrunInitrd, PacksATreeTheReaderReadsBack) {
    TempDir t;
    ASSERT_EQ(mkdir((t / "etc").c_str(), 0750), 0);
    ASSERT_EQ(mkdir((t / "etc/empty").c_str(), 0700), 0);
    chmod((t / "etc").c_str(), 0750);
    ASSERT_EQ(mkdir((t / "bin").c_str(), 0755), 0);
    write_file(t / "etc/passwd", "root:x:0:0::/:/bin/sh\n", 0640);
    write_file(t / "bin/tool", std::string(3 * 1024 * 1024 + 5, 'x'), 04755);
    write_file(t / "zero", "", 0600);
    ASSERT_EQ(symlink("passwd", (t / "etc/link").c_str()), 0);
    ASSERT_EQ(link((t / "etc/passwd").c_str(), (t / "hard").c_str()), 0);
    ASSERT_EQ(mkfifo((t / "fifo").c_str(), 0620), 0);
    chmod((t / "fifo").c_str(), 0620); // past the umask
    set_mtime(t / "etc/passwd", 1234567890);
    set_mtime(t / "etc/link", 1000000000);
    set_mtime(t / "etc", 1500000000);
    chmod(t.path.c_str(), 0711);
    if (geteuid() == 0) {
        ASSERT_EQ(lchown((t / "etc/passwd").c_str(), 1000, 100), 0);
        ASSERT_EQ(lchown((t / "etc/link").c_str(), 7, 8), 0);
        ASSERT_EQ(mknod((t / "null").c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
        chmod((t / "null").c_str(), 0666);
    }

    Packed p = pack(t.path);
    ASSERT_EQ(p.error, "");
    auto entries = read_back(p.bytes);
    std::vector<std::string> names;
    std::map<std::string, cpio::Entry> by;
    for (auto const& e : entries) {
        names.push_back(name_of(e));
        by[name_of(e)] = e;
    }
    // Depth first, names in byte order, the root first.
    std::vector<std::string> want{".",        "bin",        "bin/tool", "etc", "etc/empty",
                                  "etc/link", "etc/passwd", "fifo",     "hard"};
    if (geteuid() == 0)
        want.push_back("null");
    want.push_back("zero");
    EXPECT_EQ(names, want);

    EXPECT_EQ(by["."].mode, S_IFDIR | 0711u);
    EXPECT_EQ(by["etc"].mode, S_IFDIR | 0750u);
    EXPECT_EQ(by["etc"].mtime, 1500000000u);
    EXPECT_EQ(by["etc/empty"].mode, S_IFDIR | 0700u);
    EXPECT_EQ(by["etc/passwd"].mode, S_IFREG | 0640u);
    EXPECT_EQ(by["etc/passwd"].mtime, 1234567890u);
    EXPECT_EQ(data_of(by["etc/passwd"]), "root:x:0:0::/:/bin/sh\n");
    EXPECT_EQ(by["etc/passwd"].nlink, 2u);
    EXPECT_EQ(by["bin/tool"].mode, S_IFREG | 04755u);
    EXPECT_EQ(data_of(by["bin/tool"]), std::string(3 * 1024 * 1024 + 5, 'x'));
    EXPECT_EQ(by["etc/link"].mode & S_IFMT, unsigned(S_IFLNK));
    EXPECT_EQ(data_of(by["etc/link"]), "passwd");
    EXPECT_EQ(by["etc/link"].mtime, 1000000000u);
    EXPECT_EQ(by["fifo"].mode, S_IFIFO | 0620u);
    EXPECT_EQ(by["zero"].size, 0u);
    // The hard link shares the inode number; the data went with the first name.
    EXPECT_EQ(by["hard"].ino, by["etc/passwd"].ino);
    EXPECT_EQ(by["hard"].size, 0u);
    EXPECT_EQ(by["hard"].nlink, 2u);
    std::vector<std::uint32_t> inos;
    for (auto const& e : entries)
        inos.push_back(e.ino);
    std::sort(inos.begin(), inos.end());
    EXPECT_EQ(std::unique(inos.begin(), inos.end()) - inos.begin(),
              static_cast<long>(entries.size() - 1));
    if (geteuid() == 0) {
        EXPECT_EQ(by["etc/passwd"].uid, 1000u);
        EXPECT_EQ(by["etc/passwd"].gid, 100u);
        EXPECT_EQ(by["etc/link"].uid, 7u);
        EXPECT_EQ(by["null"].mode, S_IFCHR | 0666u);
        EXPECT_EQ(by["null"].rdev_major, 1u);
        EXPECT_EQ(by["null"].rdev_minor, 3u);
    } else {
        EXPECT_EQ(by["etc/passwd"].uid, geteuid());
    }

    // The same tree packs to the same bytes; a trailing slash changes nothing.
    EXPECT_EQ(pack(t.path + "/").bytes, p.bytes);
}

TEST(UkrunInitrd, EmptyDirectory) {
    TempDir t;
    Packed p = pack(t.path);
    ASSERT_EQ(p.error, "");
    auto entries = read_back(p.bytes);
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(name_of(entries[0]), ".");
    EXPECT_EQ(p.bytes.size() % 4, 0u);
}

TEST(UkrunInitrd, Errors) {
    TempDir t;
    Packed p = pack(t / "missing");
    EXPECT_NE(p.error.find("cannot read " + (t / "missing") + ": No such file or directory"),
              std::string::npos)
        << p.error;
    write_file(t / "file", "x");
    p = pack(t / "file");
    EXPECT_NE(p.error.find("Not a directory"), std::string::npos) << p.error;

    // A write that fails names the archive.
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    close(fds[0]);
    signal(SIGPIPE, SIG_IGN);
    auto r = pack_directory(t.path, fds[1]);
    close(fds[1]);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error.find("cannot write the archive"), std::string::npos) << r.error;

    // An entry that cannot be read is named (root reads everything, so
    // only as another user).
    if (geteuid() != 0) {
        ASSERT_EQ(mkdir((t / "d").c_str(), 0755), 0);
        write_file(t / "d/secret", "s", 0);
        p = pack(t.path);
        EXPECT_NE(p.error.find("cannot read " + (t / "d/secret") + ": Permission denied"),
                  std::string::npos)
            << p.error;
    }
}

TEST(UkrunInitrd, WriterLayout) {
    std::string out;
    CpioWriter w([&](std::string_view b) {
        out.append(b);
        return true;
    });
    CpioHeader h;
    h.name = "abc";
    h.mode = 0100644;
    h.size = 5;
    ASSERT_TRUE(w.header(h));
    EXPECT_EQ(out.size(), 116u); // 110 + "abc\0", padded to 4
    ASSERT_TRUE(w.data("12"));
    ASSERT_TRUE(w.data("345"));
    EXPECT_EQ(out.size(), 124u); // 5 bytes, padded to 4
    ASSERT_TRUE(w.finish());
    EXPECT_EQ(w.size(), out.size());
    EXPECT_EQ(out.substr(0, 6), "070701");
    auto entries = read_back(out);
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(data_of(entries[0]), "12345");
}
