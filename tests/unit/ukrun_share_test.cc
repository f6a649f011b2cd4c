#include "boot/cmdline.h"
#include "qemu_cmdline.h"
#include "ukrun_args.h"
#include "ukrun_share.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

using namespace ukrun;

namespace {

// A fresh directory under $TMPDIR, removed (with what the test made in it)
// at the end of the test.
class TempDir {
  public:
    TempDir() {
        char const* tmp = std::getenv("TMPDIR");
        std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/ukrun-share-XXXXXX";
        std::vector<char> buf(templ.begin(), templ.end());
        buf.push_back('\0');
        char* made = mkdtemp(buf.data());
        EXPECT_NE(made, nullptr);
        m_path = made ? made : "";
    }
    ~TempDir() {
        for (auto it = m_made.rbegin(); it != m_made.rend(); ++it)
            (void)!remove(it->c_str());
        rmdir(m_path.c_str());
    }
    std::string const& path() const { return m_path; }
    std::string mkdir(std::string const& name) {
        std::string p = m_path + "/" + name;
        EXPECT_EQ(::mkdir(p.c_str(), 0755), 0) << p;
        m_made.push_back(p);
        return p;
    }
    std::string file(std::string const& name) {
        std::string p = m_path + "/" + name;
        int fd = open(p.c_str(), O_CREAT | O_WRONLY, 0644);
        EXPECT_GE(fd, 0) << p;
        close(fd);
        m_made.push_back(p);
        return p;
    }

  private:
    std::string m_path;
    std::vector<std::string> m_made;
};

void expect_error(std::string const& spec, std::string const& fragment) {
    auto r = parse_share(spec);
    ASSERT_FALSE(r) << spec << " parsed";
    EXPECT_NE(r.error.find(fragment), std::string::npos) << r.error;
}

Parsed<Options> parse(std::vector<std::string> const& args) {
    std::vector<char const*> v;
    for (auto const& a : args)
        v.push_back(a.c_str());
    return parse_args(v);
}

bool has_pair(std::vector<std::string> const& argv, std::string const& option,
              std::string const& value) {
    for (std::size_t i = 0; i + 1 < argv.size(); i++) {
        if (argv[i] == option && argv[i + 1] == value)
            return true;
    }
    return false;
}

} // namespace

TEST(UkrunShare, HostAndGuest) {
    TempDir t;
    auto r = parse_share(t.path() + ":/data");
    ASSERT_TRUE(r) << r.error;
    EXPECT_EQ(r.value->host, t.path());
    EXPECT_EQ(r.value->guest, "/data");
    EXPECT_FALSE(r.value->readonly);
}

TEST(UkrunShare, ReadOnlyAndReadWriteSuffixes) {
    TempDir t;
    auto ro = parse_share(t.path() + ":/srv/x:ro");
    ASSERT_TRUE(ro) << ro.error;
    EXPECT_TRUE(ro.value->readonly);
    EXPECT_EQ(ro.value->guest, "/srv/x");
    auto rw = parse_share(t.path() + ":/srv/x:rw");
    ASSERT_TRUE(rw) << rw.error;
    EXPECT_FALSE(rw.value->readonly);
}

TEST(UkrunShare, HostPathIsMadeAbsolute) {
    TempDir t;
    t.mkdir("sub");
    char cwd[4096];
    ASSERT_NE(getcwd(cwd, sizeof cwd), nullptr);
    ASSERT_EQ(chdir(t.path().c_str()), 0);
    auto r = parse_share("./sub/:/d/");
    ASSERT_EQ(chdir(cwd), 0);
    ASSERT_TRUE(r) << r.error;
    EXPECT_EQ(r.value->host, t.path() + "/sub");
    EXPECT_EQ(r.value->guest, "/d"); // trailing slash dropped
}

TEST(UkrunShare, HostPathMayContainColons) {
    TempDir t;
    std::string dir = t.mkdir("a:b");
    auto r = parse_share(dir + ":/mnt:ro");
    ASSERT_TRUE(r) << r.error;
    EXPECT_EQ(r.value->host, dir);
    EXPECT_EQ(r.value->guest, "/mnt");
    EXPECT_TRUE(r.value->readonly);
}

TEST(UkrunShare, HostMustBeAnExistingDirectory) {
    TempDir t;
    expect_error(t.path() + "/missing:/data", "No such file or directory");
    std::string file = t.file("plain");
    expect_error(file + ":/data", "is not a directory");
    expect_error(":/data", "no host directory");
}

TEST(UkrunShare, GuestPathRules) {
    TempDir t;
    expect_error(t.path(), "no guest path");
    expect_error(t.path() + ":", "absolute");
    expect_error(t.path() + ":data", "absolute");
    expect_error(t.path() + ":/a b", "whitespace");
    expect_error(t.path() + ":/a\"b", "whitespace");
    expect_error(t.path() + ":/a/../b", "'..'");
    expect_error(t.path() + ":/./b", "'.'");
    // "HOST:/a:b" splits at the last colon: the guest path "b" is relative.
    expect_error(t.path() + ":/a:b", "absolute");
    auto dots = parse_share(t.path() + ":/a/.hidden/..x");
    EXPECT_TRUE(dots) << dots.error;
}

TEST(UkrunShare, FstabEntries) {
    Share rw{"/h", "/data", false};
    Share ro{"/h2", "/etc/conf", true};
    EXPECT_EQ(share_fstab_entry(rw, 0), "uk9p0:/data:9pfs");
    EXPECT_EQ(share_fstab_entry(ro, 1), "uk9p1:/etc/conf:9pfs:1");
    EXPECT_EQ(share_fstab_param({}), "");
    EXPECT_EQ(share_fstab_param({rw}), "vfs.fstab=uk9p0:/data:9pfs");
    EXPECT_EQ(share_fstab_param({rw, ro}),
              "vfs.fstab=[ \"uk9p0:/data:9pfs\" \"uk9p1:/etc/conf:9pfs:1\" ]");
}

TEST(UkrunShare, QemuDevicesPerMachine) {
    std::vector<Share> shares{{"/h/a,b", "/data", false}, {"/h2", "/ro", true}};
    auto mmio = share_qemu_args(shares, Machine::Microvm);
    EXPECT_TRUE(has_pair(mmio, "-fsdev", "local,id=uk9p0,path=/h/a,,b,security_model=none"));
    EXPECT_TRUE(has_pair(mmio, "-device", "virtio-9p-device,fsdev=uk9p0,mount_tag=uk9p0"));
    EXPECT_TRUE(
        has_pair(mmio, "-fsdev", "local,id=uk9p1,path=/h2,security_model=none,readonly=on"));
    EXPECT_TRUE(has_pair(mmio, "-device", "virtio-9p-device,fsdev=uk9p1,mount_tag=uk9p1"));
    auto pci = share_qemu_args(shares, Machine::Pc);
    EXPECT_TRUE(has_pair(pci, "-device", "virtio-9p-pci,fsdev=uk9p0,mount_tag=uk9p0"));
    EXPECT_TRUE(has_pair(pci, "-device", "virtio-9p-pci,fsdev=uk9p1,mount_tag=uk9p1"));
    EXPECT_TRUE(share_qemu_args({}, Machine::Pc).empty());

    QemuConfig config;
    config.kernel = "img";
    config.machine = Machine::Pc;
    config.shares = shares;
    auto argv = build_qemu_argv(config);
    EXPECT_TRUE(has_pair(argv, "-device", "virtio-9p-pci,fsdev=uk9p1,mount_tag=uk9p1"));
}

TEST(UkrunShare, CommandLineOption) {
    TempDir a, b;
    auto r = parse({"--share", a.path() + ":/a", "--share=" + b.path() + ":/b:ro", "img", "x"});
    ASSERT_TRUE(r) << r.error;
    ASSERT_EQ(r.value->shares.size(), 2u);
    EXPECT_EQ(r.value->shares[0].host, a.path());
    EXPECT_EQ(r.value->shares[1].guest, "/b");
    EXPECT_TRUE(r.value->shares[1].readonly);
    r.value->params.push_back("env=A=1");
    auto cmdline = build_kernel_cmdline(*r.value);
    ASSERT_TRUE(cmdline) << cmdline.error;
    // One parameter, quoted: the kernel reads the list back from its value.
    EXPECT_EQ(*cmdline.value, "img \"vfs.fstab=[ \\\"uk9p0:/a:9pfs\\\" "
                              "\\\"uk9p1:/b:9pfs:1\\\" ]\" env=A=1 -- x");
    std::vector<char> buf(cmdline.value->begin(), cmdline.value->end());
    buf.push_back('\0');
    uk::CmdlineParam params[4];
    char const* args[4];
    auto parsed = uk::parse_cmdline(buf.data(), params, 4, args, 4);
    ASSERT_EQ(parsed.error, uk::CmdlineError::none);
    ASSERT_EQ(parsed.nparams, 2u);
    EXPECT_STREQ(params[0].name, "vfs.fstab");
    EXPECT_STREQ(params[0].value, "[ \"uk9p0:/a:9pfs\" \"uk9p1:/b:9pfs:1\" ]");
    auto one = parse({"--share", a.path() + ":/a", "img"});
    ASSERT_TRUE(one) << one.error;
    EXPECT_EQ(*build_kernel_cmdline(*one.value).value, "img vfs.fstab=uk9p0:/a:9pfs --");
}

TEST(UkrunShare, CommandLineErrors) {
    TempDir a;
    auto twice = parse({"--share", a.path() + ":/a", "--share", a.path() + ":/a/", "img"});
    ASSERT_FALSE(twice);
    EXPECT_NE(twice.error.find("given twice"), std::string::npos) << twice.error;
    std::vector<std::string> many;
    for (std::size_t i = 0; i <= max_shares; i++) {
        many.push_back("--share");
        many.push_back(a.path() + ":/m" + std::to_string(i));
    }
    many.push_back("img");
    auto too_many = parse(many);
    ASSERT_FALSE(too_many);
    EXPECT_NE(too_many.error.find("at most 7"), std::string::npos) << too_many.error;
    auto missing = parse({"--share", "/nonexistent-ukrun-share:/a", "img"});
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error.find("/nonexistent-ukrun-share"), std::string::npos);
    auto no_value = parse({"img", "--share"});
    EXPECT_TRUE(no_value); // after the image: the app's argument
    auto bare = parse({"--share"});
    EXPECT_FALSE(bare);
}

TEST(UkrunShare, HelpMentionsShare) {
    EXPECT_NE(usage_text().find("--share HOST:GUEST[:ro]"), std::string_view::npos);
}
