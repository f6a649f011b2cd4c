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

/// True for the -l names whose contents the unikernel's own libc.a and
/// libgcc already provide (-lc, -lm, -lpthread, ...); those are dropped.
bool is_builtin_library(std::string_view name);

/// Turns every Library item into an Input item naming `libNAME.a` (or, for
/// `-l:FILE`, FILE) found first in request.search_dirs and then in
/// `extra_dirs`. Returns false and sets `error` when a library is missing or
/// exists only as a shared library.
bool resolve_libraries(LinkRequest& request, const std::vector<std::string>& extra_dirs,
                       const std::function<bool(const std::string&)>& file_exists,
                       std::string& error);

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
