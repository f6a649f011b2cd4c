// The contract between ukrun and the kernel: every command line ukrun
// builds parses back, with the kernel's own parser, into exactly the image
// name, parameters and app arguments ukrun was given.
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

Parsed parse_with_kernel(std::string cmdline) {
    std::vector<char> buf(cmdline.begin(), cmdline.end());
    buf.push_back('\0');
    uk::CmdlineParam params[16];
    char const* args[32];
    auto r = uk::parse_cmdline(buf.data(), params, 16, args, 32);
    EXPECT_EQ(r.error, uk::CmdlineError::none)
        << uk::cmdline_error_string(r.error) << " in <" << cmdline << ">";
    Parsed out;
    if (r.argv0)
        out.argv0 = r.argv0;
    for (std::size_t i = 0; i < r.nparams && i < 16; i++)
        out.params.push_back(std::string(params[i].name) +
                             (params[i].value ? "=" + std::string(params[i].value) : ""));
    for (std::size_t i = 0; i < r.nargs && i < 32; i++)
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
