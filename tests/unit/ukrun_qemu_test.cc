#include "kvm_probe_cache.h"
#include "qemu_cmdline.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace ukrun;

namespace {

bool has_pair(std::vector<std::string> const& argv, std::string const& option,
              std::string const& value) {
    for (std::size_t i = 0; i + 1 < argv.size(); i++) {
        if (argv[i] == option && argv[i + 1] == value)
            return true;
    }
    return false;
}

bool has(std::vector<std::string> const& argv, std::string const& arg) {
    return std::find(argv.begin(), argv.end(), arg) != argv.end();
}

} // namespace

TEST(UkrunQemu, MicrovmTcg) {
    QemuConfig config;
    config.qemu = "/usr/bin/qemu-system-x86_64";
    config.kernel = "build/examples/hello";
    config.append = "hello -- one";
    auto argv = build_qemu_argv(config);
    EXPECT_EQ(argv[0], "/usr/bin/qemu-system-x86_64");
    EXPECT_TRUE(has(argv, "-nodefaults"));
    EXPECT_TRUE(has(argv, "-no-user-config"));
    EXPECT_TRUE(has(argv, "-no-reboot"));
    EXPECT_TRUE(has_pair(argv, "-display", "none"));
    EXPECT_TRUE(has_pair(
        argv, "-M", "microvm,x-option-roms=off,acpi=off,isa-serial=on,auto-kernel-cmdline=off"));
    EXPECT_TRUE(has_pair(argv, "-accel", "tcg"));
    EXPECT_TRUE(has_pair(argv, "-cpu", "max"));
    EXPECT_TRUE(has_pair(argv, "-m", "64M"));
    EXPECT_TRUE(has_pair(argv, "-serial", "stdio"));
    EXPECT_TRUE(has_pair(argv, "-device", "isa-debug-exit,iobase=0xf4,iosize=4"));
    EXPECT_TRUE(has_pair(argv, "-chardev", "file,id=ukexit,path=/proc/self/fd/3"));
    EXPECT_TRUE(has_pair(argv, "-device", "isa-debugcon,iobase=0xe9,chardev=ukexit"));
    EXPECT_TRUE(has_pair(argv, "-kernel", "build/examples/hello"));
    EXPECT_TRUE(has_pair(argv, "-append", "hello -- one"));
    EXPECT_FALSE(has(argv, "-bios"));
}

TEST(UkrunQemu, CmdlineInFwCfg) {
    QemuConfig config;
    config.kernel = "k";
    config.append = "uk.cmdline=fw_cfg";
    EXPECT_FALSE(has(build_qemu_argv(config), "-fw_cfg"));
    config.cmdline_in_fw_cfg = true;
    auto argv = build_qemu_argv(config);
    EXPECT_TRUE(has_pair(argv, "-append", "uk.cmdline=fw_cfg"));
    EXPECT_TRUE(has_pair(argv, "-fw_cfg", "name=opt/uk/cmdline,file=/proc/self/fd/5"));
}

TEST(UkrunQemu, PcKvmWithFirmware) {
    QemuConfig config;
    config.machine = Machine::Pc;
    config.kvm = true;
    config.cpu = "host";
    config.bios = "/usr/share/qemu/qboot.rom";
    config.mem_bytes = 2ull << 20;
    config.kernel = "k";
    auto argv = build_qemu_argv(config);
    EXPECT_TRUE(has_pair(argv, "-M", "pc"));
    EXPECT_TRUE(has_pair(argv, "-bios", "/usr/share/qemu/qboot.rom"));
    EXPECT_TRUE(has_pair(argv, "-accel", "kvm"));
    EXPECT_TRUE(has_pair(argv, "-cpu", "host"));
    EXPECT_TRUE(has_pair(argv, "-m", "2M"));
    EXPECT_FALSE(has(argv, "-append"));
}

TEST(UkrunQemu, DefaultCpuAndNoSerial) {
    QemuConfig config;
    config.cpu = "";
    config.serial_stdio = false;
    config.kernel = "k";
    auto argv = build_qemu_argv(config);
    EXPECT_FALSE(has(argv, "-cpu"));
    EXPECT_TRUE(has_pair(argv, "-serial", "null"));
}

TEST(UkrunQemu, ShellCommand) {
    EXPECT_EQ(shell_command({"qemu", "-m", "64M", "-append", "a \"b\" -- it's"}),
              "qemu -m 64M -append 'a \"b\" -- it'\\''s'");
    EXPECT_EQ(shell_command({"x", ""}), "x ''");
}

TEST(UkrunKvmProbe, CacheRoundTrip) {
    auto key = kvm_probe_cache_key("6.1.0-18-amd64", 2792, 17, "/usr/bin/qemu-system-x86_64",
                                   123456, 1700000000, 42);
    EXPECT_NE(key.find("6.1.0-18-amd64"), std::string::npos);
    for (auto verdict :
         {KvmVerdict::Unusable, KvmVerdict::CpuHost, KvmVerdict::CpuMax, KvmVerdict::CpuDefault}) {
        auto content = format_probe_cache(key, verdict);
        EXPECT_EQ(parse_probe_cache(content, key), verdict);
    }
}

TEST(UkrunKvmProbe, CacheKeyChanges) {
    auto key = kvm_probe_cache_key("r1", 1, 2, "/q", 3, 4, 5);
    auto content = format_probe_cache(key, KvmVerdict::CpuHost);
    for (auto const& other : {kvm_probe_cache_key("r2", 1, 2, "/q", 3, 4, 5),
                              kvm_probe_cache_key("r1", 9, 2, "/q", 3, 4, 5),
                              kvm_probe_cache_key("r1", 1, 9, "/q", 3, 4, 5),
                              kvm_probe_cache_key("r1", 1, 2, "/p", 3, 4, 5),
                              kvm_probe_cache_key("r1", 1, 2, "/q", 9, 4, 5),
                              kvm_probe_cache_key("r1", 1, 2, "/q", 3, 9, 5),
                              kvm_probe_cache_key("r1", 1, 2, "/q", 3, 4, 9)})
        EXPECT_FALSE(parse_probe_cache(content, other)) << other;
    // A newline in the QEMU path cannot split the key's line.
    EXPECT_EQ(kvm_probe_cache_key("r", 1, 2, "/a\nb", 3, 4, 5).find('\n'), std::string::npos);
}

TEST(UkrunKvmProbe, CacheRejectsMalformed) {
    auto key = kvm_probe_cache_key("r", 1, 2, "/q", 3, 4, 5);
    auto good = format_probe_cache(key, KvmVerdict::CpuMax);
    EXPECT_FALSE(parse_probe_cache("", key));
    EXPECT_FALSE(parse_probe_cache(good.substr(0, good.size() - 1), key));
    EXPECT_FALSE(parse_probe_cache(good + "extra\n", key));
    EXPECT_FALSE(parse_probe_cache("ukrun-kvm-probe 0\n" + key + "\ncpu-max\n", key));
    EXPECT_FALSE(parse_probe_cache("ukrun-kvm-probe 1\n" + key + "\nfast\n", key));
}

TEST(UkrunQemu, ConsoleDevice) {
    QemuConfig config;
    config.kernel = "k";
    auto argv = build_qemu_argv(config);
    EXPECT_TRUE(has_pair(argv, "-chardev", "socket,id=ukcon,fd=6"));
    EXPECT_TRUE(has_pair(argv, "-device", "virtio-serial-device,max_ports=2"));
    EXPECT_TRUE(has_pair(argv, "-device", "virtserialport,chardev=ukcon,nr=1,name=uk.console"));
    config.machine = Machine::Pc;
    argv = build_qemu_argv(config);
    EXPECT_TRUE(has_pair(argv, "-device", "virtio-serial-pci,max_ports=2"));
    EXPECT_FALSE(has_pair(argv, "-device", "virtio-serial-device,max_ports=2"));
    config.console = false;
    argv = build_qemu_argv(config);
    EXPECT_FALSE(has(argv, "socket,id=ukcon,fd=6"));
    EXPECT_FALSE(has(argv, "virtio-serial-pci,max_ports=2"));
}
