#include "qemu_cmdline.h"
#include "ukrun_args.h"
#include "ukrun_net.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

using namespace ukrun;

namespace {

Parsed<Options> parse(std::vector<char const*> args) {
    return parse_args(std::span<char const* const>(args.data(), args.size()));
}

// Whether `argv` holds `a` immediately followed by `b`.
bool has_pair(std::vector<std::string> const& argv, std::string const& a, std::string const& b) {
    for (std::size_t i = 0; i + 1 < argv.size(); i++)
        if (argv[i] == a && argv[i + 1] == b)
            return true;
    return false;
}

} // namespace

TEST(UkrunNet, UserWithoutForwards) {
    auto n = parse_net("user");
    ASSERT_TRUE(n) << n.error;
    EXPECT_EQ(n.value->kind, Net::Kind::User);
    EXPECT_TRUE(n.value->hostfwd.empty());
}

TEST(UkrunNet, UserWithForwards) {
    auto n = parse_net("user,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=udp::5353-10.0.2.15:53");
    ASSERT_TRUE(n) << n.error;
    ASSERT_EQ(n.value->hostfwd.size(), 2u);
    EXPECT_EQ(n.value->hostfwd[0], "tcp:127.0.0.1:8080-:80");
    EXPECT_EQ(n.value->hostfwd[1], "udp::5353-10.0.2.15:53");
}

TEST(UkrunNet, BadForwardsAreRefused) {
    for (char const* spec : {
             "user,hostfwd=",                       // empty
             "user,hostfwd=tcp:127.0.0.1:8080",     // no guest side
             "user,hostfwd=sctp::8080-:80",         // protocol
             "user,hostfwd=::8080-:80",             // no protocol
             "user,hostfwd=tcp::8080-:0",           // guest port 0
             "user,hostfwd=tcp::65536-:80",         // port too large
             "user,hostfwd=tcp::80a-:80",           // not a number
             "user,hostfwd=tcp:1.2.3:8080-:80",     // address
             "user,hostfwd=tcp:1.2.3.256:8080-:80", // address
             "user,hostfwd=tcp:localhost:8080-:80", // a name, not an address
             "user,restrict=on",                    // not ukrun's option
             "user,",                               // empty option
             "userx",                               // not a backend
             "",                                    // nothing
             "bridge",                              // not a backend
         }) {
        auto n = parse_net(spec);
        EXPECT_FALSE(n) << spec;
        EXPECT_FALSE(n.error.empty()) << spec;
    }
}

TEST(UkrunNet, Tap) {
    auto n = parse_net("tap:uk0");
    ASSERT_TRUE(n) << n.error;
    EXPECT_EQ(n.value->kind, Net::Kind::Tap);
    EXPECT_EQ(n.value->tap, "uk0");
    EXPECT_TRUE(parse_net("tap:abcdefghijklmno")); // 15 characters, Linux's most
}

TEST(UkrunNet, BadTapNamesAreRefused) {
    for (char const* spec : {"tap:", "tap:abcdefghijklmnop", "tap:a,b", "tap:a/b", "tap:a b",
                             "tap:a:b", "tap:.", "tap:..", "tap:a=b", "tap"}) {
        EXPECT_FALSE(parse_net(spec)) << spec;
    }
}

TEST(UkrunNet, TapOffload) {
    auto on = parse_net("tap:uk0");
    ASSERT_TRUE(on) << on.error;
    EXPECT_TRUE(on.value->offload);
    auto on2 = parse_net("tap:uk0,offload=on");
    ASSERT_TRUE(on2) << on2.error;
    EXPECT_TRUE(on2.value->offload);
    EXPECT_EQ(on2.value->tap, "uk0");
    auto off = parse_net("tap:uk0,offload=off");
    ASSERT_TRUE(off) << off.error;
    EXPECT_FALSE(off.value->offload);
    EXPECT_EQ(off.value->tap, "uk0");
    for (char const* spec :
         {"tap:uk0,offload=", "tap:uk0,offload=no", "tap:uk0,offload", "tap:uk0,",
          "tap:,offload=off", "tap:uk0,offload=off,offload=on", "user,offload=off"}) {
        auto n = parse_net(spec);
        EXPECT_FALSE(n) << spec;
        EXPECT_FALSE(n.error.empty()) << spec;
    }
}

TEST(UkrunNet, TapOffloadOffTurnsTheDevicePropertiesOff) {
    auto off = parse_net("tap:uk0,offload=off");
    auto on = parse_net("tap:uk1");
    ASSERT_TRUE(off && on);
    std::vector<Net> nets{*off.value, *on.value};
    char const* props = ",csum=off,guest_csum=off,guest_tso4=off,guest_tso6=off,guest_ecn=off,"
                        "guest_ufo=off,host_tso4=off,host_tso6=off,host_ecn=off,host_ufo=off";
    auto mvm = net_qemu_args(nets, Machine::Microvm);
    EXPECT_TRUE(has_pair(mvm, "-device", std::string("virtio-net-device,netdev=uknet0") + props));
    EXPECT_TRUE(has_pair(mvm, "-device", "virtio-net-device,netdev=uknet1"));
    auto pc = net_qemu_args(nets, Machine::Pc);
    EXPECT_TRUE(
        has_pair(pc, "-device", std::string("virtio-net-pci,romfile=,netdev=uknet0") + props));
    EXPECT_TRUE(has_pair(pc, "-device", "virtio-net-pci,romfile=,netdev=uknet1"));
    EXPECT_TRUE(has_pair(pc, "-netdev", "tap,id=uknet0,ifname=uk0,script=no,downscript=no"));
}

TEST(UkrunNet, OptionIsRepeatableAndKeptInOrder) {
    auto o = parse({"--net", "user,hostfwd=tcp:127.0.0.1:8080-:80", "--net=tap:uk0", "app"});
    ASSERT_TRUE(o) << o.error;
    ASSERT_EQ(o.value->nets.size(), 2u);
    EXPECT_EQ(o.value->nets[0].kind, Net::Kind::User);
    EXPECT_EQ(o.value->nets[1].kind, Net::Kind::Tap);
    EXPECT_EQ(o.value->nets[1].tap, "uk0");
}

TEST(UkrunNet, OptionErrors) {
    EXPECT_FALSE(parse({"--net", "wifi", "app"}));
    EXPECT_FALSE(parse({"--net"}));
    EXPECT_FALSE(parse({"--net", "user", "--net", "user", "--net", "user", "--net", "user", "--net",
                        "user", "app"})); // more than max_nets
}

TEST(UkrunNet, MicrovmSlotsAreShared) {
    // Four interfaces and four shares would need nine virtio-mmio slots
    // with the console.
    std::vector<char const*> args;
    for (int i = 0; i < 4; i++)
        args.insert(args.end(), {"--net", "user"});
    for (int i = 0; i < 4; i++)
        args.insert(args.end(), {"--share", i % 2 ? "/:/a" : "/:/b"});
    args.push_back("app");
    auto o = parse(args);
    EXPECT_FALSE(o);
}

TEST(UkrunNet, QemuDevicesPerMachine) {
    auto user = parse_net("user,hostfwd=tcp:127.0.0.1:8080-:80");
    auto tap = parse_net("tap:uk0");
    ASSERT_TRUE(user && tap);
    std::vector<Net> nets{*user.value, *tap.value};

    auto mvm = net_qemu_args(nets, Machine::Microvm);
    EXPECT_TRUE(has_pair(mvm, "-netdev", "user,id=uknet0,hostfwd=tcp:127.0.0.1:8080-:80"));
    EXPECT_TRUE(has_pair(mvm, "-device", "virtio-net-device,netdev=uknet0"));
    EXPECT_TRUE(has_pair(mvm, "-netdev", "tap,id=uknet1,ifname=uk0,script=no,downscript=no"));
    EXPECT_TRUE(has_pair(mvm, "-device", "virtio-net-device,netdev=uknet1"));

    auto pc = net_qemu_args(nets, Machine::Pc);
    EXPECT_TRUE(has_pair(pc, "-device", "virtio-net-pci,romfile=,netdev=uknet0"));
    EXPECT_TRUE(has_pair(pc, "-device", "virtio-net-pci,romfile=,netdev=uknet1"));
}

TEST(UkrunNet, QemuArgvCarriesTheInterfaces) {
    QemuConfig config;
    config.kernel = "app";
    config.nets.push_back(*parse_net("user").value);
    auto argv = build_qemu_argv(config);
    EXPECT_TRUE(has_pair(argv, "-netdev", "user,id=uknet0"));
    EXPECT_TRUE(has_pair(argv, "-device", "virtio-net-device,netdev=uknet0"));
    config.nets.clear();
    argv = build_qemu_argv(config);
    EXPECT_EQ(std::find(argv.begin(), argv.end(), "-netdev"), argv.end());
}
