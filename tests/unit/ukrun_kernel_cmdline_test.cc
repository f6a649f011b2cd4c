// The contract between ukrun and the kernel: every command line ukrun
// builds parses back, with the kernel's own parser, into exactly the image
// name, parameters and app arguments ukrun was given.
#include "boot/bootinfo.h"
#include "boot/cmdline.h"
#include "ukrun_args.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace ukrun;

namespace {

struct Parsed {
    std::string argv0;
    std::vector<std::string> params;
    std::vector<std::string> args;
};

// Counts, then parses, as the kernel does.
Parsed parse_with_kernel(std::string cmdline) {
    std::vector<char> buf(cmdline.begin(), cmdline.end());
    buf.push_back('\0');
    auto n = uk::count_cmdline(buf.data());
    EXPECT_EQ(n.error, uk::CmdlineError::none);
    std::vector<uk::CmdlineParam> params(n.nparams);
    std::vector<char const*> args(n.nargs);
    auto r = uk::parse_cmdline(buf.data(), params.data(), n.nparams, args.data(), n.nargs);
    EXPECT_EQ(r.error, uk::CmdlineError::none)
        << uk::cmdline_error_string(r.error) << " in <" << cmdline << ">";
    Parsed out;
    if (r.argv0)
        out.argv0 = r.argv0;
    for (std::size_t i = 0; i < r.nparams && i < n.nparams; i++)
        out.params.push_back(std::string(params[i].name) +
                             (params[i].value ? "=" + std::string(params[i].value) : ""));
    for (std::size_t i = 0; i < r.nargs && i < n.nargs; i++)
        out.args.emplace_back(args[i]);
    return out;
}

} // namespace

TEST(UkrunKernelCmdline, RoundTrip) {
    Options o;
    o.image = "build/examples/hello";
    o.params = {"uk.timestamps=1", "uk.msg=two words", "uk.q=\"quoted\"", "uk.flag", "uk.eq=a=b"};
    o.args = {"one", "",   " ", "two words", "tab\there", "\"",         "\\",           "\\\"",
              "--",  "-x", "=", "k=v",       "\"--\"",    "trailing\\", "cr\rvt\vff\f", "é"};
    auto cmdline = build_kernel_cmdline(o);
    ASSERT_TRUE(cmdline) << cmdline.error;
    auto parsed = parse_with_kernel(*cmdline.value);
    EXPECT_EQ(parsed.argv0, "hello");
    EXPECT_EQ(parsed.params, o.params);
    EXPECT_EQ(parsed.args, o.args);
}

TEST(UkrunKernelCmdline, AwkwardImageNames) {
    for (char const* image : {"dir/a=b", "my image", "q\"uote", "back\\slash", "--", "x=", "="}) {
        Options o;
        o.image = image;
        o.args = {"a"};
        auto cmdline = build_kernel_cmdline(o);
        ASSERT_TRUE(cmdline) << cmdline.error;
        auto parsed = parse_with_kernel(*cmdline.value);
        std::string name = image;
        name = name.substr(name.rfind('/') == std::string::npos ? 0 : name.rfind('/') + 1);
        EXPECT_EQ(parsed.argv0, name) << *cmdline.value;
        EXPECT_TRUE(parsed.params.empty()) << *cmdline.value;
        EXPECT_EQ(parsed.args, std::vector<std::string>{"a"}) << *cmdline.value;
    }
}

TEST(UkrunKernelCmdline, NoArgs) {
    Options o;
    o.image = "hello";
    auto parsed = parse_with_kernel(*build_kernel_cmdline(o).value);
    EXPECT_EQ(parsed.argv0, "hello");
    EXPECT_TRUE(parsed.params.empty());
    EXPECT_TRUE(parsed.args.empty());
}

TEST(UkrunKernelCmdline, AppendFitsTheKernelsCopy) {
    // The kernel copies at most max_cmdline - 1 bytes from the boot loader.
    EXPECT_LT(append_max, uk::boot::max_cmdline);
}

TEST(UkrunKernelCmdline, FwCfgRoute) {
    // What reaches the kernel on -append names the one source it accepts,
    // and the fw_cfg file, however long, parses back into every argument.
    Options o;
    o.image = "dir/app";
    o.params = {"uk.timestamps=1", "env=A=x y", "env=B=\"q\""};
    for (int i = 0; i < 3000; i++) {
        std::string arg = std::to_string(i);
        arg += std::string(static_cast<std::size_t>(i % 97), "ab \"\\\t=-"[i % 8]);
        o.args.push_back(arg);
    }
    o.args.push_back("");
    o.args.push_back(std::string(131071, 'z'));
    auto route = route_kernel_cmdline(o);
    ASSERT_TRUE(route) << route.error;
    ASSERT_TRUE(route.value->fw_cfg);
    auto marker = parse_with_kernel(route.value->append);
    EXPECT_EQ(marker.params, std::vector<std::string>{std::string(uk::cmdline_source_param) + "=" +
                                                      uk::cmdline_source_fw_cfg});
    EXPECT_TRUE(marker.args.empty());
    EXPECT_TRUE(marker.argv0.empty());
    auto parsed = parse_with_kernel(*route.value->fw_cfg);
    EXPECT_EQ(parsed.argv0, "app");
    EXPECT_EQ(parsed.params, o.params);
    EXPECT_EQ(parsed.args, o.args);
}

TEST(UkrunKernelCmdline, ListValuesArriveUnchanged) {
    Options o;
    o.image = "app";
    o.params = {R"(vfs.fstab=[ "a:b:c" "d:e:f" ])",
                R"(vfs.fstab=["x y:/m:9pfs:rw:msize=1" ])",
                "a=[",
                "b=[x",
                "c=]",
                R"(d=[ "\" ])",
                "e=[[]]"};
    o.args = {"[", "a=[ b", "]"};
    auto cmdline = build_kernel_cmdline(o);
    ASSERT_TRUE(cmdline) << cmdline.error;
    auto parsed = parse_with_kernel(*cmdline.value);
    EXPECT_EQ(parsed.params, o.params);
    EXPECT_EQ(parsed.args, o.args);
}
