#include <gtest/gtest.h>

#include <map>

#include "link_args.h"

namespace kraftld {
namespace {

using Env = std::map<std::string, std::string>;

// What cargo sets for rustc (and rustc passes down to the linker).
Env cargo_env(const std::string& crate) {
    return {{"CARGO", "/root/.cargo/bin/cargo"},
            {"CARGO_CRATE_NAME", crate},
            {"CARGO_PKG_NAME", "hello"}};
}

std::optional<HostArtifact> detect(const std::vector<std::string>& args, const Env& env) {
    return detect_host_artifact(args, [&](const std::string& name) -> std::optional<std::string> {
        auto it = env.find(name);
        if (it == env.end())
            return std::nullopt;
        return it->second;
    });
}

// The shape of rustc 1.95's line for x86_64-unknown-linux-gnu, shortened.
std::vector<std::string> rustc_line(const std::string& output, bool shared) {
    std::vector<std::string> args = {"-m64",
                                     "/t/symbols.o",
                                     "/t/a.rcgu.o",
                                     "-Wl,--as-needed",
                                     "-Wl,-Bstatic",
                                     "/sysroot/libstd-0123.rlib",
                                     "-Wl,-Bdynamic",
                                     "-lgcc_s",
                                     "-lc",
                                     "-B/sysroot/gcc-ld",
                                     "-fuse-ld=lld",
                                     "-Wl,--eh-frame-hdr",
                                     "-o",
                                     output,
                                     "-Wl,--gc-sections"};
    if (shared) {
        args.insert(args.begin(), "-Wl,--version-script=/t/rustcX/list");
        args.push_back("-shared");
    } else {
        args.push_back("-pie");
    }
    args.push_back("-nodefaultlibs");
    return args;
}

TEST(KraftldCargo, BuildScript) {
    EXPECT_EQ(detect(rustc_line("/p/target/release/build/hello-1a2b3c4d5e6f7788/"
                                "build_script_build-1a2b3c4d5e6f7788",
                                false),
                     cargo_env("build_script_build")),
              HostArtifact::BuildScript);
    // A build script named otherwise (build = "gen.rs" keeps the crate
    // name; a named one gets build_script_<name>) and a relative output.
    EXPECT_EQ(detect(rustc_line("build_script_main-00ff", false), cargo_env("build_script_main")),
              HostArtifact::BuildScript);
}

TEST(KraftldCargo, ProcMacro) {
    EXPECT_EQ(detect(rustc_line("/p/target/debug/deps/libhello_derive-f1ca5049d4fef37e.so", true),
                     cargo_env("hello_derive")),
              HostArtifact::ProcMacro);
    EXPECT_EQ(detect({"-shared", "-olibm-0a.so", "x.o"}, cargo_env("m")), HostArtifact::ProcMacro);
}

TEST(KraftldCargo, TheAppItselfIsAnImage) {
    EXPECT_EQ(detect(rustc_line("/p/target/release/deps/hello-c3b87b09edb67224", false),
                     cargo_env("hello")),
              std::nullopt);
    EXPECT_EQ(detect(rustc_line("/p/target/release/deps/build_script_build-c3b8", false),
                     cargo_env("hello")),
              std::nullopt);
}

TEST(KraftldCargo, NeedsCargosEnvironment) {
    const std::vector<std::string> script =
        rustc_line("/p/target/debug/build/h-1/build_script_build-1a2b", false);
    const std::vector<std::string> macro = rustc_line("/p/deps/libhello_derive-f1ca.so", true);
    EXPECT_EQ(detect(script, {}), std::nullopt);
    EXPECT_EQ(detect(macro, {}), std::nullopt);
    EXPECT_EQ(detect(macro, {{"CARGO_CRATE_NAME", "hello_derive"}}), std::nullopt);
    EXPECT_EQ(detect(macro, {{"CARGO", "/bin/cargo"}}), std::nullopt);
    EXPECT_EQ(detect(macro, {{"CARGO", ""}, {"CARGO_CRATE_NAME", "hello_derive"}}), std::nullopt);
}

TEST(KraftldCargo, NameMustBeTheCratesArtifact) {
    // Another crate's name, a missing or malformed hash, another suffix.
    EXPECT_EQ(detect(rustc_line("/p/deps/libother-f1ca.so", true), cargo_env("hello_derive")),
              std::nullopt);
    EXPECT_EQ(detect(rustc_line("/p/deps/libhello_derive.so", true), cargo_env("hello_derive")),
              std::nullopt);
    EXPECT_EQ(detect(rustc_line("/p/deps/libhello_derive-.so", true), cargo_env("hello_derive")),
              std::nullopt);
    EXPECT_EQ(
        detect(rustc_line("/p/deps/libhello_derive-F1CA.so", true), cargo_env("hello_derive")),
        std::nullopt);
    EXPECT_EQ(
        detect(rustc_line("/p/deps/libhello_derive-f1ca.so.1", true), cargo_env("hello_derive")),
        std::nullopt);
    EXPECT_EQ(detect(rustc_line("/p/deps/hello_derive-f1ca.so", true), cargo_env("hello_derive")),
              std::nullopt);
    EXPECT_EQ(detect(rustc_line("build_script_build", false), cargo_env("build_script_build")),
              std::nullopt);
    EXPECT_EQ(detect({"-m64", "a.o"}, cargo_env("build_script_build")), std::nullopt);
}

TEST(KraftldCargo, SharedOnlyForProcMacros) {
    // A local cdylib or dylib: lib<crate>.so without a hash; for the target.
    EXPECT_EQ(detect(rustc_line("/p/target/debug/deps/libhello.so", true), cargo_env("hello")),
              std::nullopt);
    // A build script is an executable, never -shared.
    EXPECT_EQ(detect(rustc_line("/p/build/h-1/build_script_build-1a2b", true),
                     cargo_env("build_script_build")),
              std::nullopt);
    // A shared-looking name without -shared is an image link.
    EXPECT_EQ(
        detect(rustc_line("/p/deps/libhello_derive-f1ca.so", false), cargo_env("hello_derive")),
        std::nullopt);
}

TEST(KraftldCargo, LastOutputCounts) {
    EXPECT_EQ(detect({"-shared", "-o", "libm-0a.so", "x.o", "-o", "img"}, cargo_env("m")),
              std::nullopt);
    EXPECT_EQ(detect({"-shared", "-o", "img", "x.o", "-o", "libm-0a.so"}, cargo_env("m")),
              HostArtifact::ProcMacro);
    EXPECT_EQ(detect({"-shared", "x.o", "-o"}, cargo_env("m")), std::nullopt);
}

TEST(KraftldCargo, OutsideCargoSharedIsStillRefused) {
    std::string error;
    EXPECT_FALSE(
        parse_link_args(rustc_line("/p/deps/libhello_derive-f1ca.so", true), error).has_value());
    EXPECT_NE(error.find("-shared"), std::string::npos);
}

} // namespace
} // namespace kraftld
