// kraftld's library search: the host's directories after -L, the image's
// own libc, libm, libpthread, libstdc++ ... in place of the host's, and the
// refusal of shared objects with the package to install.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "link_args.h"

namespace kraftld {
namespace {

using Items = std::vector<LinkItem>;

LinkItem input(std::string path) {
    return {LinkItem::Kind::Input, std::move(path)};
}

LinkRequest parse_ok(const std::vector<std::string>& args) {
    std::string error;
    std::optional<LinkRequest> request = parse_link_args(args, error);
    EXPECT_TRUE(request.has_value()) << error;
    return request.value_or(LinkRequest{});
}

// A Debian bookworm host as dpkg sees it: files and the packages owning them.
class FakeHost {
  public:
    FakeHost() {
        add("/usr/lib/x86_64-linux-gnu/libz.a", "zlib1g-dev");
        add("/usr/lib/x86_64-linux-gnu/libz.so", "zlib1g-dev");
        add("/lib/x86_64-linux-gnu/libz.so.1", "zlib1g");
        add("/usr/lib/x86_64-linux-gnu/libfl.a", "libfl-dev");
        add("/usr/lib/x86_64-linux-gnu/libsystemd.so", "libsystemd-dev");
        add("/lib/x86_64-linux-gnu/libsystemd.so.0", "libsystemd0");
        add("/lib/x86_64-linux-gnu/libpng16.so.16", "libpng16-16");
        add("/usr/lib/x86_64-linux-gnu/libm.a", "libc6-dev");
        add("/usr/lib/x86_64-linux-gnu/libm.so", "libc6-dev");
        add("/usr/lib/x86_64-linux-gnu/libpthread.a", "libc6-dev");
        add("/lib/x86_64-linux-gnu/libpthread.so.0", "libc6");
        add("/usr/lib/gcc/x86_64-linux-gnu/12/libstdc++.so", "libstdc++-12-dev");
        add("/usr/local/lib/libmine.a", std::nullopt);
        add("/opt/x/libown.so", std::nullopt);
        add("/img/lib/unikraft/libc.a", std::nullopt);
        add("/img/lib/unikraft/libm.a", std::nullopt);
    }

    void add(const std::string& path, std::optional<std::string> package) {
        m_files[path] = std::move(package);
    }

    LibraryHost host() const {
        LibraryHost host;
        host.image_dir = "/img/lib/unikraft";
        host.host_dirs = host_library_dirs();
        host.file_exists = [this](const std::string& path) { return m_files.count(path) != 0; };
        host.package_of = [this](const std::string& path) -> std::optional<std::string> {
            auto it = m_files.find(path);
            return it == m_files.end() ? std::nullopt : it->second;
        };
        host.find_prefixed = [this](const std::string& dir,
                                    const std::string& prefix) -> std::optional<std::string> {
            for (const auto& [path, package] : m_files)
                if (path.starts_with(dir + "/" + prefix))
                    return path.substr(dir.size() + 1);
            return std::nullopt;
        };
        return host;
    }

  private:
    std::map<std::string, std::optional<std::string>> m_files;
};

// Resolves the command line; returns the items, or the error as the only item's text.
Items resolve(const std::vector<std::string>& args, std::string* error_out = nullptr) {
    LinkRequest request = parse_ok(args);
    const FakeHost fake;
    std::string error;
    if (!resolve_libraries(request, fake.host(), error)) {
        if (error_out != nullptr)
            *error_out = error;
        return {};
    }
    return request.items;
}

TEST(LinkArgsLibrarySearch, HostDirectoriesAreGnuLdsInItsOrder) {
    const std::vector<std::string>& dirs = host_library_dirs();
    ASSERT_GE(dirs.size(), 6u);
    auto at = [&](const char* dir) {
        return std::find(dirs.begin(), dirs.end(), dir) - dirs.begin();
    };
    // Multiarch before the plain directories, /usr/local before /usr.
    EXPECT_EQ(dirs[0], "/usr/local/lib/x86_64-linux-gnu");
    EXPECT_LT(at("/lib/x86_64-linux-gnu"), at("/usr/lib/x86_64-linux-gnu"));
    EXPECT_LT(at("/usr/lib/x86_64-linux-gnu"), at("/usr/local/lib"));
    EXPECT_LT(at("/usr/local/lib"), at("/lib"));
    EXPECT_LT(at("/lib"), at("/usr/lib"));
    EXPECT_LT(at("/usr/lib"), static_cast<std::ptrdiff_t>(dirs.size()));
}

TEST(LinkArgsLibrarySearch, DebianStaticLibrariesAfterTheUsersDirectories) {
    EXPECT_EQ(resolve({"a.o", "-lz", "-lfl"}),
              (Items{input("a.o"), input("/usr/lib/x86_64-linux-gnu/libz.a"),
                     input("/usr/lib/x86_64-linux-gnu/libfl.a")}));
    EXPECT_EQ(resolve({"a.o", "-lmine"}), (Items{input("a.o"), input("/usr/local/lib/libmine.a")}));

    // A -L directory wins over the host's.
    LinkRequest request = parse_ok({"-L/mine", "a.o", "-lz"});
    FakeHost fake;
    fake.add("/mine/libz.a", std::nullopt);
    std::string error;
    ASSERT_TRUE(resolve_libraries(request, fake.host(), error)) << error;
    EXPECT_EQ(request.items.back(), input("/mine/libz.a"));
}

TEST(LinkArgsLibrarySearch, ImageLibrariesWinOverTheHosts) {
    // -lm, -lpthread, -lstdc++ ... never reach the search: the image links its own.
    EXPECT_EQ(resolve({"a.o", "-lm", "-lpthread", "-lrt", "-ldl", "-lutil", "-lresolv", "-lstdc++",
                       "-lgcc_s", "-L/usr/lib/x86_64-linux-gnu", "-l:libm.a", "-l:libc.so.6"}),
              (Items{input("a.o"), {LinkItem::Kind::Option, "-L/usr/lib/x86_64-linux-gnu"}}));
}

TEST(LinkArgsLibrarySearch, HostLibcGivenByPathBecomesTheImages) {
    // What CMake's find_library hands the link line.
    EXPECT_EQ(resolve({"a.o", "/usr/lib/x86_64-linux-gnu/libm.a",
                       "/usr/lib/x86_64-linux-gnu/libm.so", "/lib/x86_64-linux-gnu/libpthread.so.0",
                       "/usr/lib/x86_64-linux-gnu/libpthread.a", "/usr/lib64/librt.so",
                       "/usr/lib/x86_64-linux-gnu/../../lib/x86_64-linux-gnu/libdl.a",
                       "/usr/lib/gcc/x86_64-linux-gnu/12/libstdc++.so",
                       "/usr/lib/gcc/x86_64-linux-gnu/12/../../../x86_64-linux-gnu/libc.so",
                       "/img/lib/unikraft/libm.a", "b.o"}),
              (Items{input("a.o"), input("b.o")}));
}

TEST(LinkArgsLibrarySearch, ProjectLibraryNamedLikeABuiltinIsKept) {
    // A project's own libutil.a is not glibc's.
    LinkRequest request = parse_ok({"a.o", "src/libutil.a", "/home/me/b/libm.a"});
    FakeHost fake;
    std::string error;
    ASSERT_TRUE(resolve_libraries(request, fake.host(), error)) << error;
    EXPECT_EQ(request.items,
              (Items{input("a.o"), input("src/libutil.a"), input("/home/me/b/libm.a")}));

    // But its shared object is refused like any other.
    EXPECT_TRUE(resolve({"a.o", "/opt/x/libm.so"}, &error).empty());
    EXPECT_NE(error.find("/opt/x/libm.so: a shared library"), std::string::npos) << error;
}

TEST(LinkArgsLibrarySearch, SharedObjectByPathNamesTheArchiveToUse) {
    std::string error;
    EXPECT_TRUE(resolve({"a.o", "/usr/lib/x86_64-linux-gnu/libz.so"}, &error).empty());
    EXPECT_EQ(error, "/usr/lib/x86_64-linux-gnu/libz.so: a shared library (from the package "
                     "zlib1g-dev); an image is one static executable and cannot load a shared "
                     "object: link the static archive /usr/lib/x86_64-linux-gnu/libz.a instead, "
                     "or -lz");

    EXPECT_TRUE(resolve({"a.o", "/lib/x86_64-linux-gnu/libz.so.1"}, &error).empty());
    EXPECT_NE(error.find("(from the package zlib1g)"), std::string::npos) << error;
}

TEST(LinkArgsLibrarySearch, SharedObjectWithoutArchiveSaysThePackageShipsNone) {
    std::string error;
    EXPECT_TRUE(resolve({"a.o", "/usr/lib/x86_64-linux-gnu/libsystemd.so"}, &error).empty());
    EXPECT_EQ(error, "/usr/lib/x86_64-linux-gnu/libsystemd.so: a shared library (from the package "
                     "libsystemd-dev); an image is one static executable and cannot load a "
                     "shared object, so it needs the static archive libsystemd.a, which "
                     "libsystemd-dev does not ship: build the library as a static archive and "
                     "pass its directory with -L");

    EXPECT_TRUE(resolve({"a.o", "/opt/x/libown.so"}, &error).empty());
    EXPECT_NE(error.find("(which no installed package owns)"), std::string::npos) << error;
}

TEST(LinkArgsLibrarySearch, SharedOnlyLibraryIsRefusedNamingItsPackage) {
    std::string error;
    EXPECT_TRUE(resolve({"a.o", "-lsystemd"}, &error).empty());
    EXPECT_EQ(error, "-lsystemd: only a shared library was found, "
                     "/usr/lib/x86_64-linux-gnu/libsystemd.so (from the package libsystemd-dev); "
                     "an image is one static executable and cannot load a shared object, so it "
                     "needs the static archive libsystemd.a, which libsystemd-dev does not ship: "
                     "build the library as a static archive and pass its directory with -L");
    EXPECT_TRUE(resolve({"a.o", "-l:libz.so"}, &error).empty());
    EXPECT_NE(error.find("link the static archive /usr/lib/x86_64-linux-gnu/libz.a"),
              std::string::npos)
        << error;
}

TEST(LinkArgsLibrarySearch, RuntimeOnlyNamesTheDevelopmentPackage) {
    std::string error;
    EXPECT_TRUE(resolve({"a.o", "-lpng16"}, &error).empty());
    EXPECT_EQ(error, "-lpng16: cannot find libpng16.a in the image's and the host's library "
                     "directories; only the shared library /lib/x86_64-linux-gnu/libpng16.so.16 "
                     "is installed (from the package libpng16-16); where Debian has libpng16.a, "
                     "its development package ships it, usually libpng16-dev (apt-get install "
                     "libpng16-dev)");
    EXPECT_TRUE(resolve({"a.o", "-lnothing"}, &error).empty());
    EXPECT_EQ(error, "-lnothing: cannot find libnothing.a in the image's and the host's library "
                     "directories");
}

TEST(LinkArgsLibrarySearch, DevelopmentPackageNames) {
    EXPECT_EQ(development_package_of("zlib1g"), "zlib1g-dev");
    EXPECT_EQ(development_package_of("libfl2"), "libfl-dev");
    EXPECT_EQ(development_package_of("libsqlite3-0"), "libsqlite3-dev");
    EXPECT_EQ(development_package_of("libssl3t64"), "libssl-dev");
    EXPECT_EQ(development_package_of("libssl3"), "libssl-dev");
}

TEST(LinkArgsLibrarySearch, FileNames) {
    EXPECT_TRUE(is_shared_object_name("libz.so"));
    EXPECT_TRUE(is_shared_object_name("/x/libz.so.1.2.13"));
    EXPECT_FALSE(is_shared_object_name("libz.a"));
    EXPECT_FALSE(is_shared_object_name("libz.sorted.a"));
    EXPECT_FALSE(is_shared_object_name("libz.so.a"));
    EXPECT_FALSE(is_shared_object_name(".so"));
    EXPECT_EQ(builtin_library_of_file("libm.a"), "m");
    EXPECT_EQ(builtin_library_of_file("libpthread.so.0"), "pthread");
    EXPECT_EQ(builtin_library_of_file("libstdc++.so.6.0.30"), "stdc++");
    EXPECT_EQ(builtin_library_of_file("libmine.a"), std::nullopt);
    EXPECT_EQ(builtin_library_of_file("libm.o"), std::nullopt);
    EXPECT_EQ(builtin_library_of_file("m.a"), std::nullopt);
    EXPECT_EQ(normalize_path("/usr/lib/gcc/x86_64-linux-gnu/12/../../../x86_64-linux-gnu/"),
              "/usr/lib/x86_64-linux-gnu");
    EXPECT_EQ(normalize_path("/../lib//./x"), "/lib/x");
    EXPECT_EQ(normalize_path("a/../../b"), "../b");
    EXPECT_EQ(normalize_path("./"), ".");
}

} // namespace
} // namespace kraftld
