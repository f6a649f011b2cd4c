#include "ukrun_args.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <initializer_list>
#include <string>
#include <unistd.h>
#include <vector>

using namespace ukrun;

namespace {

Parsed<Options> parse(std::initializer_list<char const*> args) {
    std::vector<char const*> v(args);
    return parse_args(v);
}

void expect_error(std::initializer_list<char const*> args, std::string const& fragment) {
    auto result = parse(args);
    ASSERT_FALSE(result) << "expected an error containing '" << fragment << "'";
    EXPECT_NE(result.error.find(fragment), std::string::npos) << result.error;
}

// Splits a kernel command line by the kernel's rules (libunikraft/boot/
// cmdline.h): whitespace separates, double quotes group and are removed, a
// backslash escapes the next character.
std::vector<std::string> split_like_kernel(std::string const& cmdline) {
    std::vector<std::string> tokens;
    std::size_t i = 0;
    auto space = [](char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
    };
    while (true) {
        while (i < cmdline.size() && space(cmdline[i]))
            i++;
        if (i == cmdline.size())
            return tokens;
        std::string token;
        bool quoted = false;
        while (i < cmdline.size() && (quoted || !space(cmdline[i]))) {
            if (cmdline[i] == '\\' && i + 1 < cmdline.size()) {
                token += cmdline[i + 1];
                i += 2;
            } else if (cmdline[i] == '"') {
                quoted = !quoted;
                i++;
            } else {
                token += cmdline[i++];
            }
        }
        tokens.push_back(token);
    }
}

} // namespace

TEST(UkrunArgs, Defaults) {
    auto r = parse({"hello"});
    ASSERT_TRUE(r) << r.error;
    auto const& o = *r.value;
    EXPECT_EQ(o.action, Action::Run);
    EXPECT_EQ(o.mem_bytes, 64ull << 20);
    EXPECT_EQ(o.machine, Machine::Microvm);
    EXPECT_EQ(o.accel, Accel::Auto);
    EXPECT_EQ(o.timeout_ms, 0u);
    EXPECT_TRUE(o.params.empty());
    EXPECT_TRUE(o.qemu.empty());
    EXPECT_FALSE(o.verbose);
    EXPECT_EQ(o.image, "hello");
    EXPECT_TRUE(o.args.empty());
}

TEST(UkrunArgs, AllOptionsBothForms) {
    auto r =
        parse({"--mem", "128M", "--machine=pc", "--accel", "tcg", "--timeout=2.5", "--param",
               "uk.timestamps=1", "--param=a.b=c d", "--qemu", "/opt/q", "--verbose", "img", "x"});
    ASSERT_TRUE(r) << r.error;
    auto const& o = *r.value;
    EXPECT_EQ(o.mem_bytes, 128ull << 20);
    EXPECT_EQ(o.machine, Machine::Pc);
    EXPECT_EQ(o.accel, Accel::Tcg);
    EXPECT_EQ(o.timeout_ms, 2500u);
    EXPECT_EQ(o.params, (std::vector<std::string>{"uk.timestamps=1", "a.b=c d"}));
    EXPECT_EQ(o.qemu, "/opt/q");
    EXPECT_TRUE(o.verbose);
    EXPECT_EQ(o.image, "img");
    EXPECT_EQ(o.args, (std::vector<std::string>{"x"}));
}

TEST(UkrunArgs, AccelValues) {
    EXPECT_EQ(parse({"--accel", "auto", "i"}).value->accel, Accel::Auto);
    EXPECT_EQ(parse({"--accel", "kvm", "i"}).value->accel, Accel::Kvm);
    EXPECT_EQ(parse({"--accel=tcg", "i"}).value->accel, Accel::Tcg);
    EXPECT_EQ(parse({"--machine", "microvm", "i"}).value->machine, Machine::Microvm);
}

TEST(UkrunArgs, EverythingAfterImageGoesToApp) {
    auto r = parse({"--mem", "8", "app", "--mem", "1", "-v", "--", "--help", ""});
    ASSERT_TRUE(r) << r.error;
    EXPECT_EQ(r.value->mem_bytes, 8ull << 20);
    EXPECT_FALSE(r.value->verbose);
    EXPECT_EQ(r.value->image, "app");
    EXPECT_EQ(r.value->args, (std::vector<std::string>{"--mem", "1", "-v", "--", "--help", ""}));
}

TEST(UkrunArgs, DoubleDashEndsOptions) {
    auto r = parse({"--", "--weird-image", "a"});
    ASSERT_TRUE(r) << r.error;
    EXPECT_EQ(r.value->image, "--weird-image");
    EXPECT_EQ(r.value->args, (std::vector<std::string>{"a"}));

    auto dash = parse({"-", "a"});
    ASSERT_TRUE(dash);
    EXPECT_EQ(dash.value->image, "-");
}

TEST(UkrunArgs, HelpAndVersion) {
    EXPECT_EQ(parse({"--help"}).value->action, Action::Help);
    EXPECT_EQ(parse({"-h"}).value->action, Action::Help);
    EXPECT_EQ(parse({"--version"}).value->action, Action::Version);
    // Help wins even before an otherwise incomplete command line.
    EXPECT_EQ(parse({"--mem", "1G", "--help"}).value->action, Action::Help);
    // After the image, --help belongs to the app.
    EXPECT_EQ(parse({"img", "--help"}).value->action, Action::Run);
}

TEST(UkrunArgs, Errors) {
    expect_error({}, "no image");
    expect_error({"--verbose"}, "no image");
    expect_error({"--"}, "no image");
    expect_error({""}, "empty");
    expect_error({"--frobnicate", "img"}, "unknown option '--frobnicate'");
    expect_error({"-x", "img"}, "unknown option '-x'");
    expect_error({"--memory=1G", "img"}, "unknown option");
    expect_error({"--mem"}, "--mem needs a value");
    expect_error({"--timeout"}, "--timeout needs a value");
    expect_error({"--param"}, "--param needs a value");
    expect_error({"--machine"}, "--machine needs a value");
    expect_error({"--accel"}, "--accel needs a value");
    expect_error({"--qemu"}, "--qemu needs a value");
    expect_error({"--qemu=", "img"}, "--qemu needs a path");
    expect_error({"--mem", "lots", "img"}, "invalid memory size 'lots'");
    expect_error({"--mem=0", "img"}, "must not be zero");
    expect_error({"--machine", "q35", "img"}, "invalid machine 'q35'");
    expect_error({"--accel", "hvf", "img"}, "invalid accelerator 'hvf'");
    expect_error({"--timeout", "-1", "img"}, "invalid timeout '-1'");
    expect_error({"--timeout", "1e3", "img"}, "invalid timeout");
    expect_error({"--timeout", "99999999", "img"}, "too long");
    expect_error({"--param", "=x", "img"}, "invalid kernel parameter '=x'");
    expect_error({"--param", "a b=c", "img"}, "invalid kernel parameter");
    expect_error({"--param", "a\"=c", "img"}, "invalid kernel parameter");
    expect_error({"--param", "", "img"}, "invalid kernel parameter");
    expect_error({"img", "line\nbreak"}, "app argument 1 contains a newline");
    expect_error({"--param", "uk.x=a\nb", "img"}, "kernel parameter 'uk.x' contains a newline");
    expect_error({"dir/bad\nname"}, "the image name contains a newline");
}

TEST(UkrunArgs, BareParamName) {
    auto r = parse({"--param", "uk.debug", "img"});
    ASSERT_TRUE(r) << r.error;
    EXPECT_EQ(r.value->params, (std::vector<std::string>{"uk.debug"}));
}

TEST(UkrunSize, Units) {
    EXPECT_EQ(*parse_size("64M").value, 64ull << 20);
    EXPECT_EQ(*parse_size("64m").value, 64ull << 20);
    EXPECT_EQ(*parse_size("1G").value, 1ull << 30);
    EXPECT_EQ(*parse_size("2g").value, 2ull << 30);
    EXPECT_EQ(*parse_size("2048K").value, 2ull << 20);
    EXPECT_EQ(*parse_size("1536k").value, 1536ull << 10);
    EXPECT_EQ(*parse_size("64").value, 64ull << 20);
    EXPECT_EQ(*parse_size("1").value, 1ull << 20);
    EXPECT_EQ(*parse_size("512G").value, 512ull << 30);
}

TEST(UkrunSize, Errors) {
    for (char const* bad :
         {"", "M", "-1", "+4", "1.5G", "64MB", "64 M", " 64", "0x10", "12Q", "1K0"})
        EXPECT_FALSE(parse_size(bad)) << bad;
    EXPECT_FALSE(parse_size("0"));
    EXPECT_FALSE(parse_size("0K"));
    EXPECT_FALSE(parse_size("1T"));
    EXPECT_FALSE(parse_size("1048576"));
    EXPECT_FALSE(parse_size("99999999999999999999999"));
    EXPECT_TRUE(parse_size("1048575"));
}

TEST(UkrunSize, Format) {
    EXPECT_EQ(format_size(64ull << 20), "64M");
    EXPECT_EQ(format_size(1ull << 30), "1G");
    EXPECT_EQ(format_size(1536ull << 10), "1536K");
    EXPECT_EQ(format_size(4096), "4K");
    EXPECT_EQ(format_size(1000), "1000B");
    EXPECT_EQ(format_size(*parse_size("2048K").value), "2M");
}

TEST(UkrunSeconds, Parse) {
    EXPECT_EQ(*parse_seconds("0").value, 0u);
    EXPECT_EQ(*parse_seconds("10").value, 10000u);
    EXPECT_EQ(*parse_seconds("0.5").value, 500u);
    EXPECT_EQ(*parse_seconds("1.25").value, 1250u);
    EXPECT_EQ(*parse_seconds("2.0001").value, 2000u);
    EXPECT_EQ(*parse_seconds("86400").value, 86400000u);
    for (char const* bad : {"", ".", "1.", ".5", "1s", "-1", "1,5", "1.2.3", "abc", "86401"})
        EXPECT_FALSE(parse_seconds(bad)) << bad;
}

TEST(UkrunCmdline, QuotingOnlyWhenNeeded) {
    EXPECT_EQ(*quote_cmdline_arg("plain").value, "plain");
    EXPECT_EQ(*quote_cmdline_arg("a=b,c").value, "a=b,c");
    EXPECT_EQ(*quote_cmdline_arg("-x").value, "-x");
    EXPECT_EQ(*quote_cmdline_arg("").value, "\"\"");
    EXPECT_EQ(*quote_cmdline_arg("a b").value, "\"a b\"");
    EXPECT_EQ(*quote_cmdline_arg("a\tb").value, "\"a\tb\"");
    EXPECT_EQ(*quote_cmdline_arg("say \"hi\"").value, "\"say \\\"hi\\\"\"");
    EXPECT_EQ(*quote_cmdline_arg("C:\\dir").value, "\"C:\\\\dir\"");
    EXPECT_EQ(*quote_cmdline_arg("\\").value, "\"\\\\\"");
    EXPECT_EQ(*quote_cmdline_arg("\"").value, "\"\\\"\"");
    EXPECT_EQ(*quote_cmdline_arg("cr\rlf").value, "\"cr\rlf\"");
}

TEST(UkrunCmdline, RejectsNulAndNewline) {
    EXPECT_FALSE(quote_cmdline_arg(std::string_view("a\0b", 3)));
    EXPECT_FALSE(quote_cmdline_arg("a\nb"));
}

TEST(UkrunCmdline, RoundTripsThroughKernelRules) {
    std::vector<std::string> nasty = {"",     " ",        "a b",    "\"",        "\\",
                                      "\\\"", "\"\"",     "a\\ b",  "x\"y z\"w", "tab\there",
                                      "--",   "-",        "=",      "k=v",       "trailing\\",
                                      "é ü",  "\x01\x7f", "  lead", "vt\vff\f"};
    for (auto const& arg : nasty) {
        auto quoted = quote_cmdline_arg(arg);
        ASSERT_TRUE(quoted);
        auto tokens = split_like_kernel(*quoted.value);
        ASSERT_EQ(tokens.size(), 1u) << "arg <" << arg << "> quoted as <" << *quoted.value << ">";
        EXPECT_EQ(tokens[0], arg);
    }
}

TEST(UkrunCmdline, Build) {
    Options o;
    o.image = "build/examples/hello";
    EXPECT_EQ(*build_kernel_cmdline(o).value, "hello --");

    o.params = {"uk.timestamps=1", "uk.msg=a b"};
    o.args = {"one", "two words", "", "--", "-x"};
    auto cmdline = *build_kernel_cmdline(o).value;
    EXPECT_EQ(cmdline, "hello uk.timestamps=1 \"uk.msg=a b\" -- one \"two words\" \"\" -- -x");
    EXPECT_EQ(split_like_kernel(cmdline),
              (std::vector<std::string>{"hello", "uk.timestamps=1", "uk.msg=a b", "--", "one",
                                        "two words", "", "--", "-x"}));
}

TEST(UkrunCmdline, ImageNameEscaped) {
    Options o;
    o.image = "/tmp/x/my app=1";
    auto cmdline = *build_kernel_cmdline(o).value;
    EXPECT_EQ(cmdline, "\"my app\\=1\" --");
    EXPECT_EQ(split_like_kernel(cmdline)[0], "my app=1");

    o.image = "relative";
    EXPECT_EQ(*build_kernel_cmdline(o).value, "relative --");
    o.image = "dir/";
    EXPECT_EQ(*build_kernel_cmdline(o).value, "dir --");
}

TEST(UkrunUsage, DocumentsExitStatuses) {
    auto text = usage_text();
    for (char const* needle :
         {"124", "125", "126", "--mem", "--machine", "--accel", "--timeout", "--param", "--qemu",
          "--verbose", "--version", "UKRUN_QEMU", "fw_cfg", "2 MiB", "end of file"})
        EXPECT_NE(text.find(needle), std::string_view::npos) << needle;
}

TEST(UkrunCmdline, ArgvZeroFromLoader) {
    Options o;
    o.image = "dir/mb";
    EXPECT_EQ(*build_kernel_cmdline(o, Argv0::FromLoader).value, "--");
    o.params = {"uk.a=1"};
    o.args = {"x y"};
    EXPECT_EQ(*build_kernel_cmdline(o, Argv0::FromLoader).value, "uk.a=1 -- \"x y\"");
    // The image name is not checked when it is not used.
    o.image = "bad\nname";
    EXPECT_TRUE(build_kernel_cmdline(o, Argv0::FromLoader));
}

TEST(UkrunArgs, CmdlineParamIsUkrunsOwn) {
    expect_error({"--param", "uk.cmdline=fw_cfg", "img"}, "uk.cmdline is ukrun's own");
    expect_error({"--param=uk.cmdline", "img"}, "uk.cmdline is ukrun's own");
    EXPECT_TRUE(parse({"--param", "uk.cmdlines=1", "img"}));
}

TEST(UkrunCmdline, ShortLinesTravelOnAppend) {
    Options o;
    o.image = "dir/hello";
    o.args = {"a b"};
    auto route = route_kernel_cmdline(o);
    ASSERT_TRUE(route) << route.error;
    EXPECT_EQ(route.value->append, "hello -- \"a b\"");
    EXPECT_FALSE(route.value->fw_cfg);
}

// "hello -- " then one argument padded to make the line `bytes` long.
static Options options_of_length(std::size_t bytes, std::string image = "hello") {
    Options o;
    o.image = std::move(image);
    std::size_t fixed = std::string("hello -- ").size();
    o.args = {std::string(bytes - fixed, 'x')};
    return o;
}

TEST(UkrunCmdline, LongLinesTravelThroughFwCfg) {
    Options at = options_of_length(append_max);
    auto route = route_kernel_cmdline(at);
    ASSERT_EQ(build_kernel_cmdline(at).value->size(), append_max);
    EXPECT_EQ(route.value->append, *build_kernel_cmdline(at).value);
    EXPECT_FALSE(route.value->fw_cfg);

    Options over = options_of_length(append_max + 1);
    route = route_kernel_cmdline(over);
    EXPECT_EQ(route.value->append, "uk.cmdline=fw_cfg");
    ASSERT_TRUE(route.value->fw_cfg);
    EXPECT_EQ(*route.value->fw_cfg, *build_kernel_cmdline(over).value);
}

TEST(UkrunCmdline, MultibootCountsTheImagePath) {
    // QEMU writes "<path> <append>": the path counts towards the limit, and
    // the fw_cfg line leaves argv0 to the loader too.
    std::string path = "some/dir/hello";
    Options o = options_of_length(append_max - path.size() - 1 + 6, path);
    ASSERT_EQ(build_kernel_cmdline(o, Argv0::FromLoader).value->size() + path.size() + 1,
              append_max);
    auto route = route_kernel_cmdline(o, Argv0::FromLoader);
    EXPECT_FALSE(route.value->fw_cfg);
    o.args[0] += 'x';
    route = route_kernel_cmdline(o, Argv0::FromLoader);
    EXPECT_EQ(route.value->append, "uk.cmdline=fw_cfg");
    ASSERT_TRUE(route.value->fw_cfg);
    EXPECT_EQ(route.value->fw_cfg->substr(0, 3), "-- ");
}

TEST(UkrunCmdline, RouteFailsLikeBuild) {
    Options o;
    o.image = "img";
    o.args = {std::string(5000, 'a'), "new\nline"};
    auto route = route_kernel_cmdline(o);
    ASSERT_FALSE(route);
    EXPECT_NE(route.error.find("app argument 2 contains a newline"), std::string::npos);
}

TEST(UkrunExecLimits, OneString) {
    // Linux passes a string of 131071 bytes and its NUL, not one more.
    Options o;
    o.image = "img";
    o.args = {"short", std::string(exec_max_string - 1, 'a')};
    auto total = check_exec_limits(o);
    ASSERT_TRUE(total) << total.error;
    EXPECT_EQ(*total.value, (4 + 8) + (6 + 8) + (exec_max_string + 8));
    o.args[1] += 'a';
    total = check_exec_limits(o);
    ASSERT_FALSE(total);
    EXPECT_NE(total.error.find("app argument 2 is 131072 bytes long"), std::string::npos)
        << total.error;
    EXPECT_NE(total.error.find("E2BIG"), std::string::npos);

    o.args = {};
    o.params = {"uk.timestamps=1", "env=BIG=" + std::string(exec_max_string, 'v')};
    total = check_exec_limits(o);
    ASSERT_FALSE(total);
    EXPECT_NE(total.error.find("environment variable BIG"), std::string::npos) << total.error;
}

TEST(UkrunExecLimits, Total) {
    // Strings with their NULs plus a pointer each, argv0 and env= included.
    Options o;
    o.image = "dir/img";
    o.params = {"env=A=1", "uk.timestamps=1"};
    std::size_t used = (4 + 8) + (4 + 8);
    std::size_t arg = 100000;
    while (used + arg + 1 + 8 <= exec_max_total) {
        o.args.push_back(std::string(arg, 'a'));
        used += arg + 1 + 8;
    }
    o.args.push_back(std::string(exec_max_total - used - 1 - 8, 'b'));
    auto total = check_exec_limits(o);
    ASSERT_TRUE(total) << total.error;
    EXPECT_EQ(*total.value, exec_max_total);
    o.args.back() += 'b';
    total = check_exec_limits(o);
    ASSERT_FALSE(total);
    EXPECT_NE(total.error.find("2097153 bytes, more than the 2097152"), std::string::npos)
        << total.error;

    // parse_args refuses the same as a usage error.
    std::vector<char const*> argv{"--param", "env=A=1", "dir/img"};
    for (auto const& a : o.args)
        argv.push_back(a.c_str());
    auto parsed = parse_args(argv);
    ASSERT_FALSE(parsed);
    EXPECT_NE(parsed.error.find("E2BIG"), std::string::npos);
}

namespace {

Parsed<Options> parse_with(std::initializer_list<char const*> args, HostContext const& host) {
    std::vector<char const*> v(args);
    return parse_args(v, host);
}

std::vector<std::string> env_params(Options const& o) {
    std::vector<std::string> env;
    for (auto const& p : o.params) {
        if (p.starts_with("env="))
            env.push_back(p.substr(4));
    }
    return env;
}

} // namespace

TEST(UkrunEnv, ExplicitAndFromHost) {
    char const* environ[] = {"HOME=/home/me", "FOO=from host", "EMPTY=", "PATH=/bin"};
    HostContext host{environ, "/"};
    auto r = parse_with(
        {"-e", "A=1", "-e", "FOO", "--env=EMPTY", "-e", "UNSET", "-e", "B=x=y", "img"}, host);
    ASSERT_TRUE(r) << r.error;
    // NAME alone takes the host's value (an empty one too); unset, nothing.
    EXPECT_EQ(env_params(*r.value),
              (std::vector<std::string>{"A=1", "FOO=from host", "EMPTY=", "B=x=y"}));
    // And the host's other variables stay behind.
    EXPECT_EQ(r.value->params.size(), 4u);
    auto line = build_kernel_cmdline(*r.value);
    ASSERT_TRUE(line) << line.error;
    EXPECT_EQ(*line.value, "img env=A=1 \"env=FOO=from host\" env=EMPTY= env=B=x=y --");
}

TEST(UkrunEnv, DefaultSet) {
    char const* environ[] = {
        "RUST_BACKTRACE=1", "RUST_LOG=debug", "GODEBUG=gctrace=1", "GOMAXPROCS=2", "TZ=UTC",
        "LANG=C.UTF-8",     "LC_ALL=C",       "LC_TIME=en_GB",     "LCX=no",       "PATH=/usr/bin",
        "HOME=/root",       "RUST_LOGS=no",   "TERM=xterm"};
    HostContext host{environ, "/"};
    auto r = parse_with({"img"}, host);
    ASSERT_TRUE(r) << r.error;
    EXPECT_EQ(env_params(*r.value),
              (std::vector<std::string>{"RUST_BACKTRACE=1", "RUST_LOG=debug", "GODEBUG=gctrace=1",
                                        "GOMAXPROCS=2", "TZ=UTC", "LANG=C.UTF-8", "LC_ALL=C",
                                        "LC_TIME=en_GB"}));
    EXPECT_TRUE(in_default_env("LC_ANYTHING"));
    EXPECT_FALSE(in_default_env("PATH"));
}

TEST(UkrunEnv, ExplicitWinsOverDefaultSet) {
    char const* environ[] = {"TZ=UTC", "LANG=C.UTF-8", "RUST_LOG=debug"};
    HostContext host{environ, "/"};
    auto r = parse_with({"-e", "TZ=Europe/Paris", "--param", "env=LANG=fr_FR", "img"}, host);
    ASSERT_TRUE(r) << r.error;
    EXPECT_EQ(env_params(*r.value),
              (std::vector<std::string>{"TZ=Europe/Paris", "LANG=fr_FR", "RUST_LOG=debug"}));
    // The same name twice: the later one on the command line wins.
    r = parse_with({"-e", "X=1", "--param", "env=X=2", "-e", "Y=1", "-e", "Y=2", "img"}, host);
    ASSERT_TRUE(r) << r.error;
    EXPECT_EQ(env_params(*r.value),
              (std::vector<std::string>{"X=2", "Y=2", "TZ=UTC", "LANG=C.UTF-8", "RUST_LOG=debug"}));
}

TEST(UkrunEnv, DefaultSetSkipsWhatCannotTravel) {
    char const* environ[] = {"TZ=line\nbreak", "LANG=C"};
    HostContext host{environ, "/"};
    auto r = parse_with({"img"}, host);
    ASSERT_TRUE(r) << r.error;
    EXPECT_EQ(env_params(*r.value), (std::vector<std::string>{"LANG=C"}));
}

TEST(UkrunEnv, BadNames) {
    HostContext host{};
    auto error = [&](std::initializer_list<char const*> args, std::string const& fragment) {
        auto r = parse_with(args, host);
        ASSERT_FALSE(r) << "parsed";
        EXPECT_NE(r.error.find(fragment), std::string::npos) << r.error;
    };
    error({"-e", "", "img"}, "-e '': the name is empty");
    error({"-e", "=v", "img"}, "-e '=v': the name is empty");
    error({"-e", "A\nB=1", "img"}, "the name contains a newline");
    error({"-e", "A=x\ny", "img"}, "environment variable A: its value contains a newline");
    error({"--param", "env==v", "img"}, "the name is empty");
    error({"--param", "env", "img"}, "kernel parameter env needs NAME=VALUE");
    error({"-e"}, "option -e needs a value");
    EXPECT_EQ(check_env_name("A=B"), "the name contains '='");
    EXPECT_EQ(check_env_name("OK_1"), "");
    char const* environ[] = {"BAD=a\nb"};
    host.environ = environ;
    error({"-e", "BAD", "img"}, "environment variable BAD: its value contains a newline");
}

TEST(UkrunArgv0, NamesTheApp) {
    auto r = parse({"--argv0", "gzip", "--", "/abs/path/img", "-c"});
    ASSERT_TRUE(r) << r.error;
    EXPECT_EQ(r.value->argv0, "gzip");
    auto line = build_kernel_cmdline(*r.value);
    EXPECT_EQ(*line.value, "gzip -- -c");
    // Quoted and escaped like the image name.
    r = parse({"--argv0=./my prog=1", "img"});
    ASSERT_TRUE(r) << r.error;
    EXPECT_EQ(*build_kernel_cmdline(*r.value).value, "\"./my prog\\=1\" --");
    expect_error({"--argv0", "a\nb", "img"}, "--argv0 contains a newline");
    // It counts against the execve limits in place of the image name.
    Options o;
    o.image = "img";
    o.argv0 = std::string(exec_max_string, 'a');
    auto total = check_exec_limits(o);
    ASSERT_FALSE(total);
    EXPECT_NE(total.error.find("argv[0] is 131072 bytes long"), std::string::npos) << total.error;
}

TEST(UkrunArgv0, MultibootGoesThroughFwCfg) {
    // QEMU's Multiboot loader puts the image path first on -append; the
    // kernel takes the fw_cfg line's argv0 over it.
    Options o;
    o.image = "/abs/mb";
    o.args = {"x"};
    auto route = route_kernel_cmdline(o, Argv0::FromLoader);
    ASSERT_TRUE(route);
    EXPECT_FALSE(route.value->fw_cfg);
    o.argv0 = "name";
    route = route_kernel_cmdline(o, Argv0::FromLoader);
    ASSERT_TRUE(route) << route.error;
    EXPECT_EQ(route.value->append, "uk.cmdline=fw_cfg");
    EXPECT_EQ(route.value->fw_cfg, "name -- x");
    // A PVH image keeps -append.
    route = route_kernel_cmdline(o);
    EXPECT_EQ(route.value->append, "name -- x");
    EXPECT_FALSE(route.value->fw_cfg);
}

TEST(UkrunShareCwd, SharesTheCurrentDirectory) {
    char dir[] = "/tmp/ukrun-share-cwd-XXXXXX";
    ASSERT_TRUE(mkdtemp(dir));
    HostContext host{{}, dir};
    auto r = parse_with({"--share-cwd", "--argv0", "tool", "--", "/abs/img", "a"}, host);
    ASSERT_TRUE(r) << r.error;
    ASSERT_EQ(r.value->shares.size(), 1u);
    EXPECT_EQ(r.value->shares[0].host, dir);
    EXPECT_EQ(r.value->shares[0].guest, dir);
    EXPECT_FALSE(r.value->shares[0].readonly);
    EXPECT_EQ(*build_kernel_cmdline(*r.value).value,
              std::string("tool vfs.fstab=uk9p0:") + dir + ":9pfs vfs.cwd=" + dir + " -- a");
    // The same directory given by --share too is one mount too many.
    std::string spec = std::string(dir) + ":" + dir;
    r = parse_with({"--share", spec.c_str(), "--share-cwd", "img"}, host);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error.find("is shared by --share too"), std::string::npos) << r.error;
    rmdir(dir);
}

TEST(UkrunShareCwd, RootSharesNothing) {
    HostContext host{{}, "/"};
    auto r = parse_with({"--share-cwd", "img"}, host);
    ASSERT_TRUE(r) << r.error;
    EXPECT_TRUE(r.value->shares.empty());
    EXPECT_TRUE(r.value->params.empty());
    EXPECT_EQ(*build_kernel_cmdline(*r.value).value, "img --");
}

TEST(UkrunShareCwd, WhatCannotBeShared) {
    auto error = [](std::string const& cwd, std::string const& fragment) {
        HostContext host{{}, cwd};
        auto r = parse_with({"--share-cwd", "img"}, host);
        ASSERT_FALSE(r) << cwd;
        EXPECT_NE(r.error.find(fragment), std::string::npos) << r.error;
    };
    error("/tmp/a:b", "the current directory '/tmp/a:b' cannot be shared: a guest path must "
                      "not contain ':'");
    error("/tmp/a b", "cannot be shared");
    error("/no/such/dir/here", "--share-cwd: the current directory '/no/such/dir/here': No such");
    error("", "--share-cwd: cannot tell the current directory");
    // Without --share-cwd the current directory does not matter.
    HostContext host{{}, "/tmp/a:b"};
    EXPECT_TRUE(parse_with({"img"}, host));
}

TEST(UkrunConsoleTty, FromUkrunsStreams) {
    std::vector<std::string> none;
    bool all[3] = {true, true, true};
    EXPECT_FALSE(console_tty_param(all, none));
    bool piped_out[3] = {true, false, true};
    EXPECT_EQ(console_tty_param(piped_out, none), "console.tty=0,2");
    bool no_tty[3] = {false, false, false};
    EXPECT_EQ(console_tty_param(no_tty, none), "console.tty=none");
    bool only_in[3] = {true, false, false};
    EXPECT_EQ(console_tty_param(only_in, none), "console.tty=0");
    // The user's own --param console.tty wins.
    EXPECT_FALSE(console_tty_param(no_tty, {"uk.a=1", "console.tty=0,1,2"}));
    EXPECT_EQ(console_tty_param(no_tty, {"console.ttyx=1"}), "console.tty=none");
}
