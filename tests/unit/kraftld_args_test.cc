#include <gtest/gtest.h>

#include <map>

#include "link_args.h"

namespace kraftld {
namespace {

using Items = std::vector<LinkItem>;

LinkItem input(std::string path) {
    return {LinkItem::Kind::Input, std::move(path)};
}
LinkItem library(std::string name) {
    return {LinkItem::Kind::Library, std::move(name)};
}
LinkItem option(std::string text) {
    return {LinkItem::Kind::Option, std::move(text)};
}

LinkRequest parse_ok(const std::vector<std::string>& args) {
    std::string error;
    std::optional<LinkRequest> request = parse_link_args(args, error);
    EXPECT_TRUE(request.has_value()) << error;
    return request.value_or(LinkRequest{});
}

std::string parse_error(const std::vector<std::string>& args) {
    std::string error;
    std::optional<LinkRequest> request = parse_link_args(args, error);
    EXPECT_FALSE(request.has_value());
    return error;
}

TEST(KraftldArgs, DefaultOutputIsAOut) {
    const LinkRequest r = parse_ok({"app.o"});
    EXPECT_EQ(r.action, Action::Link);
    EXPECT_EQ(r.output, "a.out");
    EXPECT_EQ(r.items, Items{input("app.o")});
    EXPECT_EQ(r.strip, StripMode::None);
    EXPECT_FALSE(r.format.has_value());
    EXPECT_FALSE(r.no_symtab);
}

TEST(KraftldArgs, OutputSeparateJoinedAndLastWins) {
    EXPECT_EQ(parse_ok({"-o", "app", "a.o"}).output, "app");
    EXPECT_EQ(parse_ok({"-oapp", "a.o"}).output, "app");
    EXPECT_EQ(parse_ok({"-o", "one", "a.o", "-o", "two"}).output, "two");
    EXPECT_EQ(parse_ok({"-Wl,-o,img", "a.o"}).output, "img");
}

TEST(KraftldArgs, AutomakeLine) {
    const LinkRequest r = parse_ok({"-O2", "-g", "-Wall", "-D_FORTIFY_SOURCE=2", "-o", "prog",
                                    "a.o", "b.o", "libfoo.a", "-lm"});
    EXPECT_EQ(r.output, "prog");
    EXPECT_EQ(r.items, (Items{input("a.o"), input("b.o"), input("libfoo.a")}));
}

TEST(KraftldArgs, RustcLine) {
    const LinkRequest r = parse_ok({"-m64",
                                    "symbols.o",
                                    "app.app.1-cgu.0.rcgu.o",
                                    "-Wl,--as-needed",
                                    "-Wl,-Bstatic",
                                    "libstd-1234.rlib",
                                    "libcore-5678.rlib",
                                    "-Wl,-Bdynamic",
                                    "-lgcc_s",
                                    "-lutil",
                                    "-lrt",
                                    "-lpthread",
                                    "-lm",
                                    "-ldl",
                                    "-lc",
                                    "-L",
                                    "/sysroot/lib",
                                    "-B/sysroot/gcc-ld",
                                    "-fuse-ld=lld",
                                    "-Wl,--eh-frame-hdr",
                                    "-Wl,-z,noexecstack",
                                    "-L",
                                    "/other",
                                    "-o",
                                    "target/debug/app",
                                    "-Wl,--gc-sections",
                                    "-pie",
                                    "-Wl,-z,relro,-z,now",
                                    "-Wl,-O1",
                                    "-nodefaultlibs"});
    EXPECT_EQ(r.output, "target/debug/app");
    EXPECT_EQ(r.items,
              (Items{input("symbols.o"), input("app.app.1-cgu.0.rcgu.o"), input("libstd-1234.rlib"),
                     input("libcore-5678.rlib"), option("-L/sysroot/lib"), option("-L/other")}));
    EXPECT_EQ(r.search_dirs, (std::vector<std::string>{"/sysroot/lib", "/other"}));
}

TEST(KraftldArgs, GoExtldLine) {
    const LinkRequest r = parse_ok({"-m64", "-o", "a.out", "-rdynamic",
                                    "-Wl,--compress-debug-sections=zlib", "go.o", "-no-pie"});
    EXPECT_EQ(r.items, Items{input("go.o")});
}

TEST(KraftldArgs, DriverFlagsWithoutMeaningForAnImageAreDropped) {
    const LinkRequest r = parse_ok({"-static",
                                    "-static-pie",
                                    "-nostartfiles",
                                    "-nostdlib",
                                    "-pthread",
                                    "-std=gnu11",
                                    "-I",
                                    "include",
                                    "-Iinc",
                                    "-DX=1",
                                    "-D",
                                    "Y",
                                    "-UZ",
                                    "-march=native",
                                    "-mno-red-zone",
                                    "-fPIC",
                                    "-flto=auto",
                                    "-Wextra",
                                    "-Wa,--noexecstack",
                                    "-g3",
                                    "-Os",
                                    "-pipe",
                                    "-Wl,--hash-style=gnu",
                                    "-Wl,--build-id",
                                    "-Wl,--build-id=sha1",
                                    "-Wl,-export-dynamic",
                                    "-Wl,--no-undefined",
                                    "-Wl,-soname,libx.so.1",
                                    "-Wl,-rpath,/opt/lib",
                                    "-Wl,--dynamic-linker=/lib/ld.so",
                                    "-isystem",
                                    "/usr/include/x",
                                    "-MD",
                                    "-MF",
                                    "a.d",
                                    "-fuse-ld=gold",
                                    "-static-libstdc++",
                                    "-Wl,--push-state,--as-needed",
                                    "-Wl,--pop-state",
                                    "-Xclang",
                                    "-foo",
                                    "--target=x86_64-linux-gnu",
                                    "-x",
                                    "none",
                                    "a.o"});
    EXPECT_EQ(r.items, Items{input("a.o")});
}

TEST(KraftldArgs, LinkTimeOptimization) {
    EXPECT_FALSE(parse_ok({"-O2", "a.o"}).lto);
    EXPECT_EQ(parse_ok({"-flto", "a.o"}).lto, std::optional<std::string>(""));
    EXPECT_EQ(parse_ok({"-flto=auto", "-fuse-linker-plugin", "a.o"}).lto,
              std::optional<std::string>("auto"));
    EXPECT_EQ(parse_ok({"-flto=4", "a.o"}).lto, std::optional<std::string>("4"));
    EXPECT_FALSE(parse_ok({"-flto", "-fno-lto", "a.o"}).lto);
    EXPECT_EQ(parse_ok({"-fno-lto", "-flto=jobserver", "a.o"}).lto,
              std::optional<std::string>("jobserver"));
    // Not an option of its own: dropped like any other -f.
    EXPECT_FALSE(parse_ok({"-flto-partition=one", "-ffat-lto-objects", "a.o"}).lto);
    EXPECT_EQ(parse_ok({"-flto", "a.o"}).items, Items{input("a.o")});
    for (const char* bad : {"-flto=", "-flto=x", "-flto=4'"})
        EXPECT_NE(parse_error({bad, "a.o"}).find("-flto takes auto, jobserver or a number"),
                  std::string::npos)
            << bad;
}

TEST(KraftldArgs, BuiltinLibrariesAreDropped) {
    for (const char* name : {"c", "m", "pthread", "dl", "rt", "util", "gcc", "gcc_s", "gcc_eh",
                             "xnet", "crypt", "resolv", "stdc++", "supc++"}) {
        EXPECT_TRUE(is_builtin_library(name)) << name;
        EXPECT_TRUE(parse_ok({"a.o", std::string("-l") + name}).items == Items{input("a.o")});
    }
    EXPECT_FALSE(is_builtin_library("ssl"));
    EXPECT_FALSE(is_builtin_library("atomic"));
}

TEST(KraftldArgs, OtherLibrariesKeepTheirPlace) {
    const LinkRequest r = parse_ok({"a.o", "-lfoo", "b.o", "-l", "bar", "-Wl,-lbaz", "-l:x.a"});
    EXPECT_EQ(r.items, (Items{input("a.o"), library("foo"), input("b.o"), library("bar"),
                              library("baz"), library(":x.a")}));
}

TEST(KraftldArgs, HarmlessLinkerOptionsPassThrough) {
    const LinkRequest r = parse_ok({"-Wl,--defsym,a=b",
                                    "-Wl,--defsym=c=d",
                                    "-Wl,-u,sym1",
                                    "-usym2",
                                    "-u",
                                    "sym3",
                                    "-Wl,--wrap=malloc",
                                    "-Wl,-Map,out.map",
                                    "-Wl,--start-group",
                                    "a.o",
                                    "b.a",
                                    "-Wl,--end-group",
                                    "-Wl,--whole-archive,w.a,--no-whole-archive",
                                    "-Xlinker",
                                    "-Map",
                                    "-Xlinker",
                                    "two.map",
                                    "--start-group",
                                    "c.a",
                                    "--end-group",
                                    "-Wl,-(,d.a,-)",
                                    "-Wl,-z,muldefs",
                                    "-Wl,--print-gc-sections"});
    EXPECT_EQ(r.items, (Items{option("--defsym=a=b"),
                              option("--defsym=c=d"),
                              option("--undefined=sym1"),
                              option("--undefined=sym2"),
                              option("--undefined=sym3"),
                              option("--wrap=malloc"),
                              option("--Map=out.map"),
                              option("--start-group"),
                              input("a.o"),
                              input("b.a"),
                              option("--end-group"),
                              option("--whole-archive"),
                              input("w.a"),
                              option("--no-whole-archive"),
                              option("--Map=two.map"),
                              option("--start-group"),
                              input("c.a"),
                              option("--end-group"),
                              option("--start-group"),
                              input("d.a"),
                              option("--end-group"),
                              option("-z"),
                              option("muldefs"),
                              option("--print-gc-sections")}));
}

TEST(KraftldArgs, StripOptions) {
    EXPECT_EQ(parse_ok({"a.o"}).strip, StripMode::None);
    EXPECT_EQ(parse_ok({"-s", "a.o"}).strip, StripMode::All);
    EXPECT_EQ(parse_ok({"-Wl,-s", "a.o"}).strip, StripMode::All);
    EXPECT_EQ(parse_ok({"-Wl,--strip-all", "a.o"}).strip, StripMode::All);
    EXPECT_EQ(parse_ok({"-Wl,-S", "a.o"}).strip, StripMode::Debug);
    EXPECT_EQ(parse_ok({"-Wl,--strip-debug", "a.o"}).strip, StripMode::Debug);
    EXPECT_EQ(parse_ok({"-s", "-Wl,-S", "a.o"}).strip, StripMode::All);
}

TEST(KraftldArgs, ImpossibleRequestsSayWhy) {
    EXPECT_NE(parse_error({"-shared", "a.o"}).find("static executable"), std::string::npos);
    EXPECT_NE(parse_error({"-Wl,-shared", "a.o"}).find("-shared"), std::string::npos);
    EXPECT_NE(parse_error({"-Wl,--shared", "a.o"}).find("dynamic loader"), std::string::npos);
    EXPECT_NE(parse_error({"-r", "a.o"}).find("relocatable"), std::string::npos);
    EXPECT_NE(parse_error({"-Wl,-r", "a.o"}).find("relocatable"), std::string::npos);
    EXPECT_NE(parse_error({"-m32", "a.o"}).find("x86_64"), std::string::npos);
    EXPECT_NE(parse_error({"-Wl,-m,elf_i386", "a.o"}).find("elf_i386"), std::string::npos);
    EXPECT_NE(parse_error({"-Wl,-melf_i386", "a.o"}).find("x86_64"), std::string::npos);
    EXPECT_NE(parse_error({"-e", "start", "a.o"}).find("entry point"), std::string::npos);
    EXPECT_NE(parse_error({"-Wl,-e,start", "a.o"}).find("entry point"), std::string::npos);
    EXPECT_NE(parse_error({"-T", "my.ld", "a.o"}).find("unikraft.ld"), std::string::npos);
    EXPECT_NE(parse_error({"-Wl,-T,my.ld", "a.o"}).find("unikraft.ld"), std::string::npos);
    EXPECT_NE(parse_error({"-Wl,-Ttext=0x1000", "a.o"}).find("unikraft.ld"), std::string::npos);
    EXPECT_NE(parse_error({"--target=aarch64-linux-gnu", "a.o"}).find("x86_64"), std::string::npos);
    EXPECT_NE(parse_error({"-Wl,--oformat=elf32-i386", "a.o"}).find("elf64"), std::string::npos);
}

TEST(KraftldArgs, CompilingIsRefused) {
    EXPECT_NE(parse_error({"app.c"}).find("app.c: is a source file"), std::string::npos);
    EXPECT_NE(parse_error({"-o", "x", "dir/main.cpp"}).find("compile"), std::string::npos);
    EXPECT_NE(parse_error({"start.S", "a.o"}).find("source file"), std::string::npos);
    EXPECT_NE(parse_error({"-x", "c", "a.o"}).find("only links"), std::string::npos);
    EXPECT_NE(parse_error({"-xc++", "a.o"}).find("only links"), std::string::npos);
    EXPECT_NE(parse_error({"-c", "a.o"}).find("only links"), std::string::npos);
    EXPECT_NE(parse_error({"-S", "a.o"}).find("only links"), std::string::npos);
    EXPECT_NE(parse_error({"-E", "a.o"}).find("only links"), std::string::npos);
    EXPECT_NE(parse_error({"-"}).find("standard input"), std::string::npos);
}

TEST(KraftldArgs, VersionProbes) {
    for (const auto& [args, flag] : std::vector<std::pair<std::vector<std::string>, std::string>>{
             {{"--version"}, "--version"},
             {{"-v"}, "-v"},
             {{"-Wl,--version"}, "--version"},
             {{"-Wl,-v"}, "-v"},
             {{"-Wl,-V"}, "-V"},
             {{"-Xlinker", "--version"}, "--version"},
             {{"-O2", "-v"}, "-v"},
             {{"a.o", "-Wl,--version"}, "--version"},
             {{"-Wl,--help"}, "--help"},
         }) {
        const LinkRequest r = parse_ok(args);
        EXPECT_EQ(r.action, Action::LinkerQuery) << args[0];
        EXPECT_EQ(r.query_flag, flag) << args[0];
    }
}

TEST(KraftldArgs, VerboseLinkWithInputs) {
    const LinkRequest r = parse_ok({"-v", "a.o"});
    EXPECT_EQ(r.action, Action::Link);
    EXPECT_TRUE(r.verbose);
}

TEST(KraftldArgs, Help) {
    EXPECT_EQ(parse_ok({"--help"}).action, Action::Help);
    EXPECT_EQ(parse_ok({"a.o", "--help", "--version"}).action, Action::Help);
    EXPECT_NE(std::string(usage_text).find("--uk-format"), std::string::npos);
}

TEST(KraftldArgs, KraftldOwnOptions) {
    EXPECT_EQ(parse_ok({"--uk-format=multiboot", "a.o"}).format, ImageFormat::Multiboot);
    EXPECT_EQ(parse_ok({"--uk-format", "pvh", "a.o"}).format, ImageFormat::Pvh);
    EXPECT_TRUE(parse_ok({"--uk-no-symtab", "a.o"}).no_symtab);
    EXPECT_NE(parse_error({"--uk-format=elf", "a.o"}).find("pvh and multiboot"), std::string::npos);
    EXPECT_EQ(parse_image_format("multiboot"), ImageFormat::Multiboot);
    EXPECT_EQ(parse_image_format("Multiboot"), std::nullopt);
}

TEST(KraftldArgs, SyntaxErrors) {
    EXPECT_EQ(parse_error({}), "no input files");
    EXPECT_EQ(parse_error({"-O2", "-g"}), "no input files");
    EXPECT_NE(parse_error({"a.o", "-o"}).find("missing argument to '-o'"), std::string::npos);
    EXPECT_NE(parse_error({"a.o", "-Wl,-Map"}).find("missing argument to '-Wl,-Map'"),
              std::string::npos);
    EXPECT_NE(parse_error({"-Wl,-Map", "a.o"}).find("missing argument"), std::string::npos);
    EXPECT_NE(parse_error({"-frobnicate-not", "a.o", "-bogus"}).find("unknown option '-bogus'"),
              std::string::npos);
    EXPECT_NE(parse_error({"", "a.o"}).find("empty"), std::string::npos);
    EXPECT_NE(parse_error({"-o", "", "a.o"}).find("file name"), std::string::npos);
}

TEST(KraftldArgs, ZKeywordsAreDroppedUnlessTheyMatter) {
    const LinkRequest r =
        parse_ok({"-z", "relro", "-znow", "-Wl,-z,execstack", "-Wl,-z,max-page-size=65536",
                  "-Wl,-z,keep-text-section-prefix", "a.o"});
    EXPECT_EQ(r.items, (Items{option("-z"), option("keep-text-section-prefix"), input("a.o")}));
}

TEST(KraftldArgs, UnknownLinkerOptionsGoToTheLinker) {
    const LinkRequest r = parse_ok({"-Wl,--lto-O3", "-Wl,--some-new-flag", "a.o"});
    EXPECT_EQ(r.items, (Items{option("--lto-O3"), option("--some-new-flag"), input("a.o")}));
}

TEST(KraftldResponseFiles, SplitLikeGcc) {
    EXPECT_EQ(split_response_file(""), std::vector<std::string>{});
    EXPECT_EQ(split_response_file("  \n\t "), std::vector<std::string>{});
    EXPECT_EQ(split_response_file("a b\n\tc  "), (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(split_response_file("'a b' \"c d\" e\\ f"),
              (std::vector<std::string>{"a b", "c d", "e f"}));
    EXPECT_EQ(split_response_file("x'y'\"z\" ''"), (std::vector<std::string>{"xyz", ""}));
    EXPECT_EQ(split_response_file("'it\\'s' \"q\\\"q\" a\\\\b"),
              (std::vector<std::string>{"it's", "q\"q", "a\\b"}));
    EXPECT_EQ(split_response_file("-Wl,--defsym='a = 1'"),
              (std::vector<std::string>{"-Wl,--defsym=a = 1"}));
}

TEST(KraftldResponseFiles, ExpandNestedAndKeepUnreadable) {
    std::map<std::string, std::string> files = {{"top", "-o out @inner c.o"},
                                                {"inner", "a.o 'b c.o'"}};
    auto read = [&](const std::string& path) -> std::optional<std::string> {
        auto it = files.find(path);
        if (it == files.end())
            return std::nullopt;
        return it->second;
    };
    std::string error;
    auto args = expand_response_files({"x.o", "@top", "@missing", "@", "y.o"}, read, error);
    ASSERT_TRUE(args.has_value()) << error;
    EXPECT_EQ(*args, (std::vector<std::string>{"x.o", "-o", "out", "a.o", "b c.o", "c.o",
                                               "@missing", "@", "y.o"}));
}

TEST(KraftldResponseFiles, SelfInclusionStops) {
    auto read = [](const std::string&) -> std::optional<std::string> { return "a.o @loop"; };
    std::string error;
    EXPECT_FALSE(expand_response_files({"@loop"}, read, error).has_value());
    EXPECT_NE(error.find("nest"), std::string::npos);
}

TEST(KraftldLibraries, SearchedInOrderStaticOnly) {
    const std::vector<std::string> present = {"/one/libfoo.a", "/two/libfoo.a", "/two/libbar.a",
                                              "/rt/libuk.a",   "/one/exact.a",  "/one/libdyn.so"};
    LibraryHost host;
    host.image_dir = "/rt";
    host.file_exists = [&](const std::string& path) {
        return std::find(present.begin(), present.end(), path) != present.end();
    };
    LinkRequest r = parse_ok({"-L/one", "-L", "/two/", "-lfoo", "-lbar", "-luk", "-l:exact.a"});
    std::string error;
    ASSERT_TRUE(resolve_libraries(r, host, error)) << error;
    EXPECT_EQ(r.items,
              (Items{option("-L/one"), option("-L/two/"), input("/one/libfoo.a"),
                     input("/two/libbar.a"), input("/rt/libuk.a"), input("/one/exact.a")}));

    LinkRequest shared = parse_ok({"-L/one", "-ldyn"});
    EXPECT_FALSE(resolve_libraries(shared, host, error));
    EXPECT_NE(error.find("only a shared library"), std::string::npos);
    EXPECT_NE(error.find("libdyn.a"), std::string::npos);

    LinkRequest missing = parse_ok({"-L/one", "-lnope"});
    EXPECT_FALSE(resolve_libraries(missing, host, error));
    EXPECT_EQ(error, "-lnope: cannot find libnope.a in /one or the image's and the host's library "
                     "directories");
}

TEST(KraftldArgs, ShellQuote) {
    EXPECT_EQ(shell_quote("-o"), "-o");
    EXPECT_EQ(shell_quote("/a/b.o"), "/a/b.o");
    EXPECT_EQ(shell_quote("a b"), "'a b'");
    EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
    EXPECT_EQ(shell_quote(""), "''");
}

} // namespace
} // namespace kraftld
