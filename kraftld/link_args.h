// kraftld's command line: what a compiler driver (gcc, clang, rustc's and
// go's linker calls, automake's CCLD) hands a linker, turned into what the
// image link needs. Pure logic: no file system access except through the
// callbacks the caller passes, so every rule here is unit-tested.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kraftld {

/// What the command line asks kraftld to do.
enum class Action {
    Link,        ///< Link an image.
    LinkerQuery, ///< Run the driven linker with LinkRequest::query_flag and show its answer.
    Help,        ///< Print kraftld's own usage.
};

/// Which symbols and debug sections the final image keeps.
enum class StripMode { None, Debug, All };

/// The boot format of the image.
enum class ImageFormat { Pvh, Multiboot };

/// One element of the user's part of the linker command line, in order.
struct LinkItem {
    enum class Kind {
        Input,   ///< An object or archive path; checked before linking.
        Library, ///< `-lNAME` not mapped onto the unikernel's libraries; text is NAME.
        Option,  ///< One linker argument, passed verbatim.
    };
    Kind kind;
    std::string text;

    bool operator==(const LinkItem&) const = default;
};

/// The parsed command line.
struct LinkRequest {
    Action action = Action::Link;
    /// For Action::LinkerQuery: the flag to run the linker with (--version, -v, --help).
    std::string query_flag;
    std::string output = "a.out";
    std::vector<LinkItem> items;
    /// The -L directories, in order.
    std::vector<std::string> search_dirs;
    StripMode strip = StripMode::None;
    /// Set by --uk-format=; otherwise the caller applies UK_FORMAT or the default.
    std::optional<ImageFormat> format;
    /// Set by --uk-no-symtab.
    bool no_symtab = false;
    /// Set by -v alongside inputs: print the linker commands.
    bool verbose = false;
    /// Set by -flto or -flto=JOBS (gcc's link-time optimization; the last
    /// of -flto and -fno-lto counts): JOBS, or empty for plain -flto.
    std::optional<std::string> lto;
};

/// Splits the text of a response file into arguments the way gcc does
/// (libiberty's buildargv): whitespace separates, '…' and "…" quote, a
/// backslash escapes the next character everywhere.
std::vector<std::string> split_response_file(std::string_view text);

/// Replaces every `@file` argument that `read_file` can read with the
/// arguments in it, recursively. An unreadable @file stays as it is (as with
/// gcc). Returns std::nullopt and sets `error` when the files nest without end.
std::optional<std::vector<std::string>> expand_response_files(
    std::vector<std::string> args,
    const std::function<std::optional<std::string>(const std::string&)>& read_file,
    std::string& error);

/// Parses the arguments (without argv[0], response files expanded). Returns
/// std::nullopt and sets `error` to a message naming the argument and why
/// the image cannot be made that way.
std::optional<LinkRequest> parse_link_args(const std::vector<std::string>& args,
                                           std::string& error);

/// True for the -l names whose contents the image's own libraries already
/// provide (-lc, -lm, -lpthread, -lstdc++, -lgcc_s, ...); those are dropped.
bool is_builtin_library(std::string_view name);

/// For a file name that is a builtin library as an archive or a shared
/// object (libm.a, libpthread.so.0, libstdc++.so), that library's name (m,
/// pthread, stdc++); std::nullopt for every other name.
std::optional<std::string> builtin_library_of_file(std::string_view file);

/// True if the file name (a path's last component counts) is a shared
/// object's: libz.so, libz.so.1, libz.so.1.2.13.
bool is_shared_object_name(std::string_view file);

/// `path` with empty and "." components removed and ".." applied, lexically
/// (symbolic links are not followed). "." for an empty result.
std::string normalize_path(std::string_view path);

/// The host's library directories kraftld searches after the -L ones: the
/// multiarch and standard directories of Debian's x86_64 GNU ld (its
/// SEARCH_DIR list), in that order.
const std::vector<std::string>& host_library_dirs();

/// The development package that usually ships the static archive of a
/// Debian runtime library package: zlib1g -> zlib1g-dev, libfl2 ->
/// libfl-dev, libsqlite3-0 -> libsqlite3-dev, libssl3t64 -> libssl-dev.
std::string development_package_of(std::string_view runtime_package);

/// What resolving libraries reads from the host. Every callback may be
/// empty, which means "nothing there".
struct LibraryHost {
    /// The image's own library directory (<prefix>/lib/unikraft).
    std::string image_dir;
    /// The directories searched after the -L ones and image_dir.
    std::vector<std::string> host_dirs;
    /// True if `path` names an existing file.
    std::function<bool(const std::string& path)> file_exists;
    /// The installed Debian package that owns `path` (dpkg -S), or std::nullopt.
    std::function<std::optional<std::string>(const std::string& path)> package_of;
    /// The name of one file in `dir` whose name starts with `prefix`, or std::nullopt.
    std::function<std::optional<std::string>(const std::string& dir, const std::string& prefix)>
        find_prefixed;
};

/// Resolves a request's libraries as the image links them, in place:
/// - every Library item (-lNAME) becomes an Input naming `libNAME.a` (or,
///   for `-l:FILE`, FILE) found first in request.search_dirs, then in
///   host.image_dir, then in host.host_dirs; shared objects are not looked
///   for, as by a -static link;
/// - an Input that is a builtin library (libm.a, libpthread.so.0,
///   libstdc++.so ...) in a host library directory, gcc's or clang's runtime
///   directory or image_dir is removed: the image links its own;
/// - any other shared object is refused.
/// Returns false and sets `error` when a library is missing or a shared
/// object; the message names the package the shared object came from, the
/// static archive to use instead when there is one, and the development
/// package to install when only a runtime library is installed.
bool resolve_libraries(LinkRequest& request, const LibraryHost& host, std::string& error);

/// A program cargo builds to run on the build machine while it compiles a
/// crate. With host and target the same triple, rustc links these with the
/// target's linker too, so kraftld is asked to link them.
enum class HostArtifact {
    BuildScript, ///< A build script (build.rs), an executable cargo runs.
    ProcMacro,   ///< A proc-macro crate, a shared library rustc loads.
};

/// Reads an environment variable; std::nullopt when it is not set.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

/// Recognises a link of a host artifact by what cargo and rustc hand the
/// linker (see usage_text): cargo's environment (CARGO and CARGO_CRATE_NAME
/// set) and an output named as cargo names that crate's artifact, a
/// `-shared` link for a proc-macro and an executable link for a build script.
/// `args` are response-file expanded. Returns std::nullopt for every other
/// link, which then makes an image (or is refused, for -shared).
std::optional<HostArtifact> detect_host_artifact(const std::vector<std::string>& args,
                                                 const EnvLookup& getenv);

/// Parses an image format name ("pvh" or "multiboot").
std::optional<ImageFormat> parse_image_format(std::string_view name);

/// Quotes an argument for a POSIX shell if it needs quoting.
std::string shell_quote(std::string_view arg);

/// kraftld's --help text.
extern const char* const usage_text;

} // namespace kraftld
