#include "link_args.h"

#include <algorithm>
#include <array>

namespace kraftld {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.starts_with(prefix);
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// libiberty gives up after this many expansions; so do we, which also ends
// a response file that includes itself.
constexpr int max_response_expansions = 2000;

// What kraftld does with a linker option.
enum class Disposition {
    Pass,       // Hand it to the linker.
    Drop,       // Meaningless or already implied for a static image.
    StripAll,   // -s
    StripDebug, // -S
    Query,      // --version and friends: answer with the linker's reply.
    Refuse,     // Impossible for an image: fail, saying why.
    Emulation,  // -m EMULATION: only elf_x86_64.
    OutFormat,  // --oformat: only elf64-x86-64.
    Output,     // -o
    Library,    // -l
    SearchDir,  // -L
    ZKeyword,   // -z KEYWORD
};

enum class Arity {
    None,     // A flag.
    Required, // NAME=VALUE or NAME VALUE.
    Optional, // NAME or NAME=VALUE.
};

struct LinkerOption {
    std::string_view name;
    Arity arity;
    Disposition disposition;
    // Why, for Refuse; the long name the linker gets, for a short Pass option.
    std::string_view detail = {};
};

constexpr std::string_view why_shared =
    "a unikernel image is one static executable; there is no dynamic loader to load a shared "
    "object";
constexpr std::string_view why_relocatable =
    "kraftld links bootable images, not relocatable objects; use `ld -r` for a partial link";
constexpr std::string_view why_entry =
    "the image's entry point belongs to the kernel (_uk_pvh_entry); the program starts at main";
constexpr std::string_view why_script =
    "kraftld supplies the image's layout (unikraft.ld); it takes no other linker script or "
    "section addresses";
constexpr std::string_view why_arch = "images are x86_64 (elf_x86_64) only";
constexpr std::string_view why_compile = "kraftld only links; compile with your compiler first";

// Linker options by their long name, written with one or two dashes (as ld
// and lld accept them). Short options with a joined value (-lfoo) are
// handled apart.
constexpr LinkerOption linker_options[] = {
    // Harmless options that mean the same for an image.
    {"defsym", Arity::Required, Disposition::Pass},
    {"undefined", Arity::Required, Disposition::Pass},
    {"u", Arity::Required, Disposition::Pass, "undefined"},
    {"start-group", Arity::None, Disposition::Pass},
    {"end-group", Arity::None, Disposition::Pass},
    {"whole-archive", Arity::None, Disposition::Pass},
    {"no-whole-archive", Arity::None, Disposition::Pass},
    {"Map", Arity::Required, Disposition::Pass},
    {"M", Arity::None, Disposition::Pass},
    {"print-map", Arity::None, Disposition::Pass},
    {"wrap", Arity::Required, Disposition::Pass},
    {"trace", Arity::None, Disposition::Pass},
    {"t", Arity::None, Disposition::Pass},
    {"trace-symbol", Arity::Required, Disposition::Pass},
    {"y", Arity::Required, Disposition::Pass, "trace-symbol"},
    {"print-gc-sections", Arity::None, Disposition::Pass},
    {"no-print-gc-sections", Arity::None, Disposition::Pass},
    {"no-gc-sections", Arity::None, Disposition::Pass},
    {"allow-multiple-definition", Arity::None, Disposition::Pass},
    {"icf", Arity::Required, Disposition::Pass},
    {"fatal-warnings", Arity::None, Disposition::Pass},
    {"no-fatal-warnings", Arity::None, Disposition::Pass},
    {"warn-common", Arity::None, Disposition::Pass},
    {"cref", Arity::None, Disposition::Pass},
    {"discard-all", Arity::None, Disposition::Pass},
    {"x", Arity::None, Disposition::Pass},
    {"discard-locals", Arity::None, Disposition::Pass},
    {"X", Arity::None, Disposition::Pass},
    {"discard-none", Arity::None, Disposition::Pass},
    {"demangle", Arity::None, Disposition::Pass},
    {"no-demangle", Arity::None, Disposition::Pass},
    {"color-diagnostics", Arity::Optional, Disposition::Pass},
    {"no-color-diagnostics", Arity::None, Disposition::Pass},
    {"threads", Arity::Required, Disposition::Pass},
    {"sort-section", Arity::Required, Disposition::Pass},
    {"why-extract", Arity::Required, Disposition::Pass},
    {"print-archive-stats", Arity::Required, Disposition::Pass},
    {"unresolved-symbols", Arity::Required, Disposition::Pass},
    {"warn-unresolved-symbols", Arity::None, Disposition::Pass},
    {"error-unresolved-symbols", Arity::None, Disposition::Pass},
    {"emit-relocs", Arity::None, Disposition::Pass},
    {"q", Arity::None, Disposition::Pass},
    {"gdb-index", Arity::None, Disposition::Pass},
    {"mllvm", Arity::Required, Disposition::Pass},
    {"plugin-opt", Arity::Required, Disposition::Pass},
    {"reproduce", Arity::Required, Disposition::Pass},
    {"stats", Arity::None, Disposition::Pass},
    {"time-trace", Arity::None, Disposition::Pass},
    {"verbose", Arity::None, Disposition::Pass},

    // Implied by an image link, or meaningful only for dynamic linking.
    {"as-needed", Arity::None, Disposition::Drop},
    {"no-as-needed", Arity::None, Disposition::Drop},
    {"push-state", Arity::None, Disposition::Drop},
    {"pop-state", Arity::None, Disposition::Drop},
    {"Bstatic", Arity::None, Disposition::Drop},
    {"Bdynamic", Arity::None, Disposition::Drop},
    {"static", Arity::None, Disposition::Drop},
    {"dn", Arity::None, Disposition::Drop},
    {"dy", Arity::None, Disposition::Drop},
    {"non_shared", Arity::None, Disposition::Drop},
    {"call_shared", Arity::None, Disposition::Drop},
    {"Bsymbolic", Arity::None, Disposition::Drop},
    {"Bsymbolic-functions", Arity::None, Disposition::Drop},
    {"eh-frame-hdr", Arity::None, Disposition::Drop},
    {"gc-sections", Arity::None, Disposition::Drop},
    {"hash-style", Arity::Required, Disposition::Drop},
    {"build-id", Arity::Optional, Disposition::Drop},
    {"pie", Arity::None, Disposition::Drop},
    {"pic-executable", Arity::None, Disposition::Drop},
    {"no-pie", Arity::None, Disposition::Drop},
    {"no-pic-executable", Arity::None, Disposition::Drop},
    {"export-dynamic", Arity::None, Disposition::Drop},
    {"E", Arity::None, Disposition::Drop},
    {"no-export-dynamic", Arity::None, Disposition::Drop},
    {"export-dynamic-symbol", Arity::Required, Disposition::Drop},
    {"dynamic-list", Arity::Required, Disposition::Drop},
    {"dynamic-linker", Arity::Required, Disposition::Drop},
    {"I", Arity::Required, Disposition::Drop},
    {"no-dynamic-linker", Arity::None, Disposition::Drop},
    {"rpath", Arity::Required, Disposition::Drop},
    {"rpath-link", Arity::Required, Disposition::Drop},
    {"R", Arity::Required, Disposition::Drop},
    {"enable-new-dtags", Arity::None, Disposition::Drop},
    {"disable-new-dtags", Arity::None, Disposition::Drop},
    {"compress-debug-sections", Arity::Required, Disposition::Drop},
    {"no-undefined", Arity::None, Disposition::Drop},
    {"allow-shlib-undefined", Arity::None, Disposition::Drop},
    {"no-allow-shlib-undefined", Arity::None, Disposition::Drop},
    {"no-undefined-version", Arity::None, Disposition::Drop},
    {"version-script", Arity::Required, Disposition::Drop},
    {"exclude-libs", Arity::Required, Disposition::Drop},
    {"sort-common", Arity::Optional, Disposition::Drop},
    {"error-limit", Arity::Required, Disposition::Drop},
    {"nostdlib", Arity::None, Disposition::Drop},
    {"rosegment", Arity::None, Disposition::Drop},
    {"no-rosegment", Arity::None, Disposition::Drop},
    {"relax", Arity::None, Disposition::Drop},
    {"no-relax", Arity::None, Disposition::Drop},
    {"copy-dt-needed-entries", Arity::None, Disposition::Drop},
    {"no-copy-dt-needed-entries", Arity::None, Disposition::Drop},
    {"warn-shared-textrel", Arity::None, Disposition::Drop},
    {"soname", Arity::Required, Disposition::Drop},
    {"h", Arity::Required, Disposition::Drop},
    {"init", Arity::Required, Disposition::Drop},
    {"fini", Arity::Required, Disposition::Drop},
    {"O", Arity::Required, Disposition::Drop},
    {"plugin", Arity::Required, Disposition::Drop},

    {"strip-all", Arity::None, Disposition::StripAll},
    {"s", Arity::None, Disposition::StripAll},
    {"strip-debug", Arity::None, Disposition::StripDebug},
    {"S", Arity::None, Disposition::StripDebug},

    {"version", Arity::None, Disposition::Query},
    {"v", Arity::None, Disposition::Query},
    {"V", Arity::None, Disposition::Query},
    {"help", Arity::None, Disposition::Query},

    {"shared", Arity::None, Disposition::Refuse, why_shared},
    {"Bshareable", Arity::None, Disposition::Refuse, why_shared},
    {"relocatable", Arity::None, Disposition::Refuse, why_relocatable},
    {"r", Arity::None, Disposition::Refuse, why_relocatable},
    {"i", Arity::None, Disposition::Refuse, why_relocatable},
    {"entry", Arity::Required, Disposition::Refuse, why_entry},
    {"e", Arity::Required, Disposition::Refuse, why_entry},
    {"script", Arity::Required, Disposition::Refuse, why_script},
    {"T", Arity::Required, Disposition::Refuse, why_script},
    {"dT", Arity::Required, Disposition::Refuse, why_script},
    {"default-script", Arity::Required, Disposition::Refuse, why_script},
    {"Ttext", Arity::Required, Disposition::Refuse, why_script},
    {"Tdata", Arity::Required, Disposition::Refuse, why_script},
    {"Tbss", Arity::Required, Disposition::Refuse, why_script},
    {"Ttext-segment", Arity::Required, Disposition::Refuse, why_script},
    {"section-start", Arity::Required, Disposition::Refuse, why_script},
    {"image-base", Arity::Required, Disposition::Refuse, why_script},
    {"just-symbols", Arity::Required, Disposition::Refuse,
     "an image cannot take its symbols from another file"},

    {"m", Arity::Required, Disposition::Emulation},
    {"oformat", Arity::Required, Disposition::OutFormat},
    {"output", Arity::Required, Disposition::Output},
    {"o", Arity::Required, Disposition::Output},
    {"library", Arity::Required, Disposition::Library},
    {"l", Arity::Required, Disposition::Library},
    {"library-path", Arity::Required, Disposition::SearchDir},
    {"L", Arity::Required, Disposition::SearchDir},
    {"z", Arity::Required, Disposition::ZKeyword},
};

const LinkerOption* find_linker_option(std::string_view name) {
    for (const LinkerOption& o : linker_options)
        if (o.name == name)
            return &o;
    return nullptr;
}

// Single-letter linker options that may carry their value joined (-lfoo).
constexpr std::string_view joinable_short_options = "lLoueTmzhRyOI";

// -z keywords that change an image's contents in a way the user may want;
// the rest only concern dynamic linking or are fixed by kraftld.
bool is_passed_z_keyword(std::string_view keyword) {
    return keyword == "muldefs" || keyword == "keep-text-section-prefix" ||
           keyword == "start-stop-gc" || keyword == "nostart-stop-gc" ||
           starts_with(keyword, "start-stop-visibility=");
}

// The libraries every image links from its own tree (lib/unikraft): musl
// has everything of libc's companions in libc.a, and the image's libgcc,
// libgcc_eh and libstdc++ stand in for the host's.
constexpr std::array<std::string_view, 14> builtin_libraries = {
    "c",     "m",      "pthread", "dl",    "rt",     "util",   "gcc",
    "gcc_s", "gcc_eh", "xnet",    "crypt", "resolv", "stdc++", "supc++"};

constexpr std::string_view source_suffixes[] = {
    ".c",  ".cc", ".cp", ".cxx", ".cpp", ".CPP", ".c++", ".C",   ".i",   ".ii", ".m",
    ".mm", ".M",  ".s",  ".S",   ".sx",  ".f",   ".for", ".f90", ".f95", ".F",  ".go",
    ".rs", ".d",  ".h",  ".hh",  ".hpp", ".H",   ".zig", ".ads", ".adb"};

bool is_source_file(std::string_view path) {
    for (std::string_view suffix : source_suffixes)
        if (path.size() > suffix.size() && path.ends_with(suffix) &&
            path[path.size() - suffix.size() - 1] != '/')
            return true;
    return false;
}

bool is_x86_64_target(std::string_view triple) {
    return starts_with(triple, "x86_64") || starts_with(triple, "amd64");
}

class Parser {
  public:
    explicit Parser(const std::vector<std::string>& args) : m_args(args) {}

    std::optional<LinkRequest> run(std::string& error);

  private:
    void driver_arg();
    void linker_token(std::string_view token, std::string_view spelling);
    void apply(const LinkerOption& option, std::string_view spelling,
               std::optional<std::string_view> value);
    void add_input(std::string_view path);
    void add_library(std::string_view name);
    std::optional<std::string_view> next_arg(std::string_view option);
    void fail(std::string message);

    const std::vector<std::string>& m_args;
    size_t m_index = 0;
    LinkRequest m_request;
    bool m_saw_v = false;
    bool m_has_inputs = false;
    std::string m_error;
    // A linker option given its value in the next linker token
    // (-Wl,-Map,file or -Xlinker -Map -Xlinker file).
    const LinkerOption* m_pending = nullptr;
    std::string m_pending_spelling;
};

void Parser::fail(std::string message) {
    if (m_error.empty())
        m_error = std::move(message);
}

std::optional<std::string_view> Parser::next_arg(std::string_view option) {
    if (m_index + 1 >= m_args.size()) {
        fail("missing argument to '" + std::string(option) + "'");
        return std::nullopt;
    }
    return std::string_view(m_args[++m_index]);
}

void Parser::add_input(std::string_view path) {
    if (path == "-") {
        fail("'-': kraftld cannot read an object from standard input");
        return;
    }
    if (is_source_file(path)) {
        fail(std::string(path) + ": is a source file; " + std::string(why_compile) +
             " (e.g. cc -c " + std::string(path) + ")");
        return;
    }
    m_has_inputs = true;
    m_request.items.push_back({LinkItem::Kind::Input, std::string(path)});
}

void Parser::add_library(std::string_view name) {
    if (name.empty()) {
        fail("'-l' needs a library name");
        return;
    }
    m_has_inputs = true;
    if (is_builtin_library(name))
        return;
    // -l:libm.a names the same library as -lm.
    if (name[0] == ':' && builtin_library_of_file(name.substr(1)))
        return;
    m_request.items.push_back({LinkItem::Kind::Library, std::string(name)});
}

void Parser::apply(const LinkerOption& option, std::string_view spelling,
                   std::optional<std::string_view> value) {
    const std::string shown(spelling);
    switch (option.disposition) {
    case Disposition::Pass:
        if (value) {
            const std::string_view name = option.detail.empty() ? option.name : option.detail;
            m_request.items.push_back(
                {LinkItem::Kind::Option, "--" + std::string(name) + "=" + std::string(*value)});
        } else
            m_request.items.push_back(
                {LinkItem::Kind::Option,
                 (option.name.size() == 1 ? "-" : "--") + std::string(option.name)});
        return;
    case Disposition::Drop:
        return;
    case Disposition::StripAll:
        m_request.strip = StripMode::All;
        return;
    case Disposition::StripDebug:
        if (m_request.strip == StripMode::None)
            m_request.strip = StripMode::Debug;
        return;
    case Disposition::Query:
        if (m_request.action != Action::Help && m_request.query_flag.empty()) {
            m_request.action = Action::LinkerQuery;
            m_request.query_flag = option.name == "help"     ? "--help"
                                   : option.name.size() == 1 ? "-" + std::string(option.name)
                                                             : "--version";
        }
        return;
    case Disposition::Refuse:
        fail(shown + ": " + std::string(option.detail));
        return;
    case Disposition::Emulation:
        if (*value != "elf_x86_64")
            fail(shown + " " + std::string(*value) + ": " + std::string(why_arch));
        return;
    case Disposition::OutFormat:
        if (*value != "elf64-x86-64")
            fail(shown + " " + std::string(*value) + ": images are elf64-x86-64");
        return;
    case Disposition::Output:
        if (value->empty())
            fail("'" + shown + "' needs a file name");
        else
            m_request.output = std::string(*value);
        return;
    case Disposition::Library:
        add_library(*value);
        return;
    case Disposition::SearchDir:
        m_request.search_dirs.emplace_back(*value);
        m_request.items.push_back({LinkItem::Kind::Option, "-L" + std::string(*value)});
        return;
    case Disposition::ZKeyword:
        if (is_passed_z_keyword(*value)) {
            m_request.items.push_back({LinkItem::Kind::Option, "-z"});
            m_request.items.push_back({LinkItem::Kind::Option, std::string(*value)});
        }
        return;
    }
}

// One argument as the linker itself would see it (from -Wl, -Xlinker, -z,
// or a bare --long-option). `spelling` is how the user wrote it, for errors.
void Parser::linker_token(std::string_view token, std::string_view spelling) {
    if (m_pending != nullptr) {
        const LinkerOption* option = m_pending;
        m_pending = nullptr;
        apply(*option, m_pending_spelling, token);
        return;
    }
    if (token.empty())
        return;
    if (token[0] != '-' || token == "-") {
        add_input(token);
        return;
    }
    if (token == "-(" || token == "-)") {
        m_request.items.push_back(
            {LinkItem::Kind::Option, token == "-(" ? "--start-group" : "--end-group"});
        return;
    }
    const bool two_dashes = starts_with(token, "--");
    const std::string_view body = token.substr(two_dashes ? 2 : 1);
    const size_t eq = body.find('=');
    const std::string_view name = body.substr(0, eq);
    std::optional<std::string_view> value;
    if (eq != std::string_view::npos)
        value = body.substr(eq + 1);

    if (const LinkerOption* option = find_linker_option(name)) {
        if (option->disposition == Disposition::Refuse) {
            apply(*option, spelling, value);
            return;
        }
        if (option->arity == Arity::None && value) {
            // Not a form the option has; let the linker judge it.
            m_request.items.push_back({LinkItem::Kind::Option, std::string(token)});
            return;
        }
        if (option->arity == Arity::Required && !value) {
            m_pending = option;
            m_pending_spelling = std::string(spelling);
            return;
        }
        apply(*option, spelling, value);
        return;
    }
    if (!two_dashes && body.size() > 1 &&
        joinable_short_options.find(body[0]) != std::string_view::npos) {
        if (const LinkerOption* option = find_linker_option(body.substr(0, 1))) {
            apply(*option, spelling.substr(0, spelling.size() - (body.size() - 1)), body.substr(1));
            return;
        }
    }
    if (two_dashes && (starts_with(name, "lto-") || starts_with(name, "thinlto-"))) {
        m_request.items.push_back({LinkItem::Kind::Option, std::string(token)});
        return;
    }
    // An option kraftld does not know: the linker accepts or rejects it.
    m_request.items.push_back({LinkItem::Kind::Option, std::string(token)});
}

// Compile-only driver options that take their value in the next argument.
constexpr std::string_view driver_options_with_value[] = {"-D",
                                                          "-U",
                                                          "-I",
                                                          "-include",
                                                          "-imacros",
                                                          "-isystem",
                                                          "-iquote",
                                                          "-idirafter",
                                                          "-iprefix",
                                                          "-iwithprefix",
                                                          "-iwithprefixbefore",
                                                          "-isysroot",
                                                          "-imultilib",
                                                          "--sysroot",
                                                          "-Xassembler",
                                                          "-Xpreprocessor",
                                                          "-Xclang",
                                                          "--param",
                                                          "-MF",
                                                          "-MT",
                                                          "-MQ",
                                                          "-B",
                                                          "-arch",
                                                          "-mllvm"};

// Compile-only driver options whose value is joined to them.
constexpr std::string_view dropped_driver_prefixes[] = {
    "-O",       "-g",          "-f",         "-W",         "-D",          "-U",
    "-I",       "-B",          "-std=",      "-pedantic",  "-save-temps", "-stdlib=",
    "-rtlib=",  "-unwindlib=", "--param=",   "--sysroot=", "-include",    "-imacros",
    "-isystem", "-iquote",     "-idirafter", "-iprefix",   "-isysroot",   "-Q"};

// Driver flags with no meaning for an image (or implied by one).
constexpr std::string_view dropped_driver_flags[] = {"-m64",
                                                     "-static",
                                                     "-static-pie",
                                                     "-pie",
                                                     "-no-pie",
                                                     "-nopie",
                                                     "-rdynamic",
                                                     "-export-dynamic",
                                                     "-pthread",
                                                     "-pthreads",
                                                     "-nostartfiles",
                                                     "-nodefaultlibs",
                                                     "-nostdlib",
                                                     "-nostdlib++",
                                                     "-nolibc",
                                                     "-nostdinc",
                                                     "-nostdinc++",
                                                     "-static-libgcc",
                                                     "-static-libstdc++",
                                                     "-shared-libgcc",
                                                     "-ansi",
                                                     "-w",
                                                     "-pipe",
                                                     "-p",
                                                     "-pg",
                                                     "--coverage",
                                                     "-MD",
                                                     "-MMD",
                                                     "-MP",
                                                     "-MG",
                                                     "-C",
                                                     "-CC",
                                                     "-P",
                                                     "-H",
                                                     "-no-canonical-prefixes",
                                                     "-integrated-as",
                                                     "-no-integrated-as",
                                                     "-Qunused-arguments",
                                                     "-undef",
                                                     "-traditional-cpp",
                                                     "-trigraphs",
                                                     "-dD",
                                                     "-dM",
                                                     "-dN",
                                                     "-dI"};

void Parser::driver_arg() {
    const std::string_view arg = m_args[m_index];
    if (m_pending != nullptr && arg != "-Xlinker" && !starts_with(arg, "-Wl,")) {
        fail("missing argument to '" + m_pending_spelling + "'");
        m_pending = nullptr;
    }
    if (arg.empty()) {
        fail("empty argument");
        return;
    }
    if (arg[0] != '-' || arg == "-") {
        add_input(arg);
        return;
    }

    // kraftld's own options.
    if (arg == "--help") {
        m_request.action = Action::Help;
        return;
    }
    if (arg == "--version") {
        if (m_request.action != Action::Help && m_request.query_flag.empty()) {
            m_request.action = Action::LinkerQuery;
            m_request.query_flag = "--version";
        }
        return;
    }
    if (arg == "--uk-no-symtab") {
        m_request.no_symtab = true;
        return;
    }
    if (arg == "--uk-format" || starts_with(arg, "--uk-format=")) {
        std::optional<std::string_view> value;
        if (arg == "--uk-format")
            value = next_arg(arg);
        else
            value = arg.substr(12);
        if (!value)
            return;
        if (auto format = parse_image_format(*value))
            m_request.format = format;
        else
            fail("--uk-format=" + std::string(*value) + ": the formats are pvh and multiboot");
        return;
    }

    // What a driver hands the linker.
    if (starts_with(arg, "-Wl,")) {
        std::string_view rest = arg.substr(4);
        while (true) {
            const size_t comma = rest.find(',');
            const std::string_view token = rest.substr(0, comma);
            linker_token(token, "-Wl," + std::string(token));
            if (comma == std::string_view::npos)
                break;
            rest = rest.substr(comma + 1);
        }
        return;
    }
    if (arg == "-Xlinker") {
        if (auto value = next_arg(arg))
            linker_token(*value, *value);
        return;
    }
    if (arg == "-z" || arg == "-o" || arg == "-l" || arg == "-L" || arg == "-u" || arg == "-e" ||
        arg == "-T") {
        if (auto value = next_arg(arg)) {
            if (arg == "-z" || arg == "-u") {
                linker_token(arg, arg);
                linker_token(*value, *value);
            } else {
                apply(*find_linker_option(arg.substr(1)), arg, *value);
            }
        }
        return;
    }
    if (arg == "-v") {
        m_saw_v = true;
        return;
    }
    if (arg == "-s") {
        m_request.strip = StripMode::All;
        return;
    }
    if (arg == "-c" || arg == "-S" || arg == "-E" || arg == "-M" || arg == "-MM" ||
        arg == "-emit-llvm" || arg == "-fsyntax-only") {
        fail(std::string(arg) + ": " + std::string(why_compile));
        return;
    }
    if (arg == "-shared" || arg == "-shared-libasan" || arg == "-dynamiclib") {
        fail(std::string(arg) + ": " + std::string(why_shared));
        return;
    }
    if (arg == "-r" || arg == "-relocatable") {
        fail(std::string(arg) + ": " + std::string(why_relocatable));
        return;
    }
    if (arg == "-m32" || arg == "-mx32" || arg == "-m16" || arg == "-miamcu") {
        fail(std::string(arg) + ": " + std::string(why_arch) + "; compile and link with -m64");
        return;
    }
    if (arg == "-x" || (starts_with(arg, "-x") && arg.size() > 2)) {
        std::optional<std::string_view> lang;
        if (arg == "-x")
            lang = next_arg(arg);
        else
            lang = arg.substr(2);
        if (lang && *lang != "none")
            fail("-x " + std::string(*lang) + ": " + std::string(why_compile));
        return;
    }
    if (arg == "-target" || arg == "--target" || starts_with(arg, "--target=") ||
        starts_with(arg, "-target=")) {
        std::optional<std::string_view> triple;
        if (arg == "-target" || arg == "--target")
            triple = next_arg(arg);
        else
            triple = arg.substr(arg.find('=') + 1);
        if (triple && !is_x86_64_target(*triple))
            fail(std::string(arg) + " " + std::string(*triple) + ": " + std::string(why_arch));
        return;
    }
    if (arg == "-(" || arg == "-)") {
        linker_token(arg, arg);
        return;
    }
    if (arg.size() > 2 && (arg[1] == 'o' || arg[1] == 'l' || arg[1] == 'L' || arg[1] == 'u' ||
                           arg[1] == 'z' || arg[1] == 'e' || arg[1] == 'T')) {
        // Joined forms: -ofile, -lfoo, -Ldir, -usym, -znow; -e/-T refused.
        // -export-dynamic is listed above for gcc compatibility only when
        // spelled exactly, so check the flag lists first.
        if (std::find(std::begin(dropped_driver_flags), std::end(dropped_driver_flags), arg) ==
            std::end(dropped_driver_flags)) {
            linker_token(arg, arg);
            return;
        }
    }
    if (starts_with(arg, "-Wa,") || starts_with(arg, "-Wp,"))
        return;
    for (std::string_view flag : dropped_driver_flags)
        if (arg == flag)
            return;
    for (std::string_view option : driver_options_with_value)
        if (arg == option) {
            next_arg(arg);
            return;
        }
    if (starts_with(arg, "-m")) {
        // Code generation options (-march=, -mtune=, -mno-red-zone, ...) only
        // matter when compiling.
        return;
    }
    if (arg == "-flto" || starts_with(arg, "-flto=")) {
        const std::string_view jobs = arg.substr(arg.size() > 5 ? 6 : 5);
        if (arg.size() > 5 && jobs != "auto" && jobs != "jobserver" &&
            (jobs.empty() || jobs.find_first_not_of("0123456789") != std::string_view::npos)) {
            fail(std::string(arg) + ": -flto takes auto, jobserver or a number of jobs");
            return;
        }
        m_request.lto = std::string(jobs);
        return;
    }
    if (arg == "-fno-lto") {
        m_request.lto.reset();
        return;
    }
    for (std::string_view prefix : dropped_driver_prefixes)
        if (starts_with(arg, prefix))
            return;
    if (starts_with(arg, "--")) {
        // A linker option written bare (--start-group, --defsym=...).
        linker_token(arg, arg);
        return;
    }
    fail("unknown option '" + std::string(arg) +
         "' (kraftld takes what a C compiler driver passes to a link; see kraftld --help)");
}

std::optional<LinkRequest> Parser::run(std::string& error) {
    for (m_index = 0; m_index < m_args.size(); m_index++)
        driver_arg();
    if (m_pending != nullptr)
        fail("missing argument to '" + m_pending_spelling + "'");
    if (m_request.action == Action::Help || m_request.action == Action::LinkerQuery)
        return m_request;
    if (!m_has_inputs && m_saw_v && m_error.empty()) {
        m_request.action = Action::LinkerQuery;
        m_request.query_flag = "-v";
        return m_request;
    }
    m_request.verbose = m_saw_v;
    if (m_error.empty() && !m_has_inputs)
        fail("no input files");
    if (!m_error.empty()) {
        error = m_error;
        return std::nullopt;
    }
    return m_request;
}

} // namespace

std::vector<std::string> split_response_file(std::string_view text) {
    std::vector<std::string> args;
    size_t i = 0;
    while (true) {
        while (i < text.size() && is_space(text[i]))
            i++;
        if (i >= text.size())
            break;
        std::string arg;
        bool squote = false;
        bool dquote = false;
        bool escaped = false;
        for (; i < text.size(); i++) {
            const char c = text[i];
            if (is_space(c) && !squote && !dquote && !escaped)
                break;
            if (escaped) {
                escaped = false;
                arg += c;
            } else if (c == '\\') {
                escaped = true;
            } else if (squote) {
                if (c == '\'')
                    squote = false;
                else
                    arg += c;
            } else if (dquote) {
                if (c == '"')
                    dquote = false;
                else
                    arg += c;
            } else if (c == '\'') {
                squote = true;
            } else if (c == '"') {
                dquote = true;
            } else {
                arg += c;
            }
        }
        args.push_back(std::move(arg));
    }
    return args;
}

std::optional<std::vector<std::string>> expand_response_files(
    std::vector<std::string> args,
    const std::function<std::optional<std::string>(const std::string&)>& read_file,
    std::string& error) {
    int expansions = 0;
    size_t i = 0;
    while (i < args.size()) {
        if (args[i].size() < 2 || args[i][0] != '@') {
            i++;
            continue;
        }
        std::optional<std::string> text = read_file(args[i].substr(1));
        if (!text) {
            i++;
            continue;
        }
        if (++expansions > max_response_expansions) {
            error = args[i] + ": response files nest too deeply (does one include itself?)";
            return std::nullopt;
        }
        std::vector<std::string> inner = split_response_file(*text);
        args.erase(args.begin() + static_cast<std::ptrdiff_t>(i));
        args.insert(args.begin() + static_cast<std::ptrdiff_t>(i), inner.begin(), inner.end());
    }
    return args;
}

std::optional<LinkRequest> parse_link_args(const std::vector<std::string>& args,
                                           std::string& error) {
    return Parser(args).run(error);
}

bool is_builtin_library(std::string_view name) {
    return std::find(builtin_libraries.begin(), builtin_libraries.end(), name) !=
           builtin_libraries.end();
}

std::optional<std::string> builtin_library_of_file(std::string_view file) {
    if (!file.starts_with("lib"))
        return std::nullopt;
    std::string_view rest = file.substr(3);
    size_t end = std::string_view::npos;
    if (rest.ends_with(".a"))
        end = rest.size() - 2;
    else if (const size_t so = rest.find(".so");
             so != std::string_view::npos && is_shared_object_name(file))
        end = so;
    if (end == std::string_view::npos || !is_builtin_library(rest.substr(0, end)))
        return std::nullopt;
    return std::string(rest.substr(0, end));
}

bool is_shared_object_name(std::string_view file) {
    const size_t slash = file.rfind('/');
    if (slash != std::string_view::npos)
        file = file.substr(slash + 1);
    const size_t so = file.find(".so");
    if (so == std::string_view::npos || so == 0)
        return false;
    // libz.so, libz.so.1, libz.so.1.2.13; not libfoo.so.a or libz.sorted.a.
    const std::string_view version = file.substr(so + 3);
    if (version.empty())
        return true;
    if (version[0] != '.' || version.size() < 2)
        return false;
    return std::all_of(version.begin() + 1, version.end(),
                       [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

std::string normalize_path(std::string_view path) {
    const bool absolute = !path.empty() && path[0] == '/';
    std::vector<std::string_view> parts;
    size_t i = 0;
    while (i <= path.size()) {
        size_t slash = path.find('/', i);
        if (slash == std::string_view::npos)
            slash = path.size();
        const std::string_view part = path.substr(i, slash - i);
        i = slash + 1;
        if (part.empty() || part == ".")
            continue;
        if (part == ".." && !parts.empty() && parts.back() != "..") {
            parts.pop_back();
            continue;
        }
        if (part == ".." && absolute)
            continue;
        parts.push_back(part);
    }
    std::string out = absolute ? "/" : "";
    for (size_t n = 0; n < parts.size(); n++)
        out += (n == 0 ? "" : "/") + std::string(parts[n]);
    return out.empty() ? "." : out;
}

const std::vector<std::string>& host_library_dirs() {
    // `ld --verbose | grep SEARCH_DIR` on Debian x86_64, in its order (gcc's
    // own -print-search-dirs list holds the same multiarch and standard
    // directories).
    static const std::vector<std::string> dirs = {"/usr/local/lib/x86_64-linux-gnu",
                                                  "/lib/x86_64-linux-gnu",
                                                  "/usr/lib/x86_64-linux-gnu",
                                                  "/usr/lib/x86_64-linux-gnu64",
                                                  "/usr/local/lib64",
                                                  "/lib64",
                                                  "/usr/lib64",
                                                  "/usr/local/lib",
                                                  "/lib",
                                                  "/usr/lib",
                                                  "/usr/x86_64-linux-gnu/lib64",
                                                  "/usr/x86_64-linux-gnu/lib"};
    return dirs;
}

std::string development_package_of(std::string_view runtime_package) {
    std::string_view name = runtime_package;
    // Debian's 64-bit time_t transition renamed runtime packages libfoo1t64.
    if (name.ends_with("t64"))
        name.remove_suffix(3);
    // libfl2 -> libfl, libsqlite3-0 -> libsqlite3; zlib1g keeps its name.
    const size_t digits = name.find_last_not_of("0123456789");
    if (digits != std::string_view::npos && digits + 1 < name.size()) {
        name = name.substr(0, digits + 1);
        if (name.ends_with("-"))
            name.remove_suffix(1);
    }
    return std::string(name) + "-dev";
}

namespace {

std::string join_path(const std::string& dir, const std::string& file) {
    return dir.empty() || dir.back() == '/' ? dir + file : dir + "/" + file;
}

std::string dir_of(const std::string& path) {
    const size_t slash = path.rfind('/');
    if (slash == std::string::npos)
        return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

std::string base_of(const std::string& path) {
    const size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// True if `dir` holds the host's own libc and compiler runtime (or is the
// image's library directory): a builtin library there is the one the image
// replaces, not a project's own library that happens to share its name.
bool is_system_library_dir(const LibraryHost& host, const std::string& dir) {
    const std::string normal = normalize_path(dir);
    if (!host.image_dir.empty() && normal == normalize_path(host.image_dir))
        return true;
    for (const std::string& d : host.host_dirs)
        if (normal == normalize_path(d))
            return true;
    // gcc's and clang's runtime directories (libstdc++.so, libgcc_s.so).
    return normal.starts_with("/usr/lib/gcc/") || normal.starts_with("/usr/lib/llvm-");
}

std::optional<std::string> package_of(const LibraryHost& host, const std::string& path) {
    return host.package_of ? host.package_of(path) : std::nullopt;
}

std::string from_package(const std::optional<std::string>& package) {
    return package ? "from the package " + *package : "which no installed package owns";
}

// Why a shared object `so` cannot be linked and what to do instead.
// `archive` is the static archive's name (libNAME.a).
std::string shared_object_advice(const LibraryHost& host, const std::string& so,
                                 const std::string& archive) {
    const std::optional<std::string> package = package_of(host, so);
    std::string text = "an image is one static executable and cannot load a shared object, so it "
                       "needs the static archive " +
                       archive;
    if (package)
        text += ", which " + *package + " does not ship";
    return text + ": build the library as a static archive and pass its directory with -L";
}

// The library name of lib<name>.a / lib<name>.so*, or the file name itself.
std::string library_stem(const std::string& file) {
    std::string stem = file;
    if (const size_t so = stem.find(".so"); so != std::string::npos && is_shared_object_name(file))
        stem.resize(so);
    else if (stem.ends_with(".a"))
        stem.resize(stem.size() - 2);
    if (stem.starts_with("lib"))
        stem.erase(0, 3);
    return stem;
}

} // namespace

bool resolve_libraries(LinkRequest& request, const LibraryHost& host, std::string& error) {
    std::vector<std::string> dirs = request.search_dirs;
    if (!host.image_dir.empty())
        dirs.push_back(host.image_dir);
    dirs.insert(dirs.end(), host.host_dirs.begin(), host.host_dirs.end());
    auto exists = [&](const std::string& path) {
        return host.file_exists && host.file_exists(path);
    };

    std::vector<LinkItem> items;
    for (LinkItem& item : request.items) {
        if (item.kind == LinkItem::Kind::Option) {
            items.push_back(std::move(item));
            continue;
        }
        std::string spelled = item.text; // How the user named it, for messages.
        if (item.kind == LinkItem::Kind::Library) {
            spelled = "-l" + item.text;
            const bool exact = item.text[0] == ':';
            const std::string file = exact ? item.text.substr(1) : "lib" + item.text + ".a";
            std::optional<std::string> found;
            for (const std::string& dir : dirs)
                if (exists(join_path(dir, file))) {
                    found = join_path(dir, file);
                    break;
                }
            if (!found && !exact) {
                for (const std::string& dir : dirs) {
                    const std::string shared = join_path(dir, "lib" + item.text + ".so");
                    if (exists(shared)) {
                        const std::optional<std::string> package = package_of(host, shared);
                        error = spelled + ": only a shared library was found, " + shared + " (" +
                                from_package(package) + "); " +
                                shared_object_advice(host, shared, file);
                        return false;
                    }
                }
            }
            if (!found) {
                std::string searched;
                for (const std::string& dir : request.search_dirs)
                    searched += (searched.empty() ? "" : ", ") + dir;
                error = spelled + ": cannot find " + file + " in " +
                        (searched.empty() ? "" : searched + " or ") +
                        "the image's and the host's library directories";
                if (!exact && host.find_prefixed) {
                    for (const std::string& dir : dirs) {
                        std::optional<std::string> runtime =
                            host.find_prefixed(dir, "lib" + item.text + ".so.");
                        if (!runtime)
                            continue;
                        const std::string path = join_path(dir, *runtime);
                        error += "; only the shared library " + path + " is installed";
                        if (std::optional<std::string> package = package_of(host, path)) {
                            const std::string dev = development_package_of(*package);
                            error += " (from the package " + *package + "); where Debian has " +
                                     file + ", its development package ships it, usually " + dev +
                                     " (apt-get install " + dev + ")";
                        }
                        break;
                    }
                }
                return false;
            }
            item = {LinkItem::Kind::Input, *found};
        }

        // An input given by path: the host's own libc, libm, libpthread,
        // libstdc++ ... (CMake hands over what find_library found) are the
        // image's, which every image links anyway.
        const std::string file = base_of(item.text);
        if (builtin_library_of_file(file) && is_system_library_dir(host, dir_of(item.text)))
            continue;
        if (is_shared_object_name(file)) {
            const std::optional<std::string> package = package_of(host, item.text);
            const std::string archive = "lib" + library_stem(file) + ".a";
            const std::string sibling = join_path(dir_of(item.text), archive);
            error = spelled + ": a shared library (" + from_package(package) + "); ";
            if (exists(sibling)) {
                const std::optional<std::string> sibling_package = package_of(host, sibling);
                error += "an image is one static executable and cannot load a shared object: "
                         "link the static archive " +
                         sibling +
                         (sibling_package && sibling_package != package
                              ? " (from the package " + *sibling_package + ")"
                              : "") +
                         " instead";
                if (file.starts_with("lib"))
                    error += ", or -l" + library_stem(file);
            } else {
                error += shared_object_advice(host, item.text, archive);
            }
            return false;
        }
        items.push_back(std::move(item));
    }
    request.items = std::move(items);
    return true;
}

namespace {

// Cargo's -C extra-filename hash: lowercase hex today; any lowercase
// letters and digits are accepted so a longer or differently encoded hash
// still matches.
bool is_cargo_hash(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z');
    });
}

// True if `name` is PREFIX-HASH.
bool is_hashed_name(std::string_view name, std::string_view prefix) {
    return name.size() > prefix.size() + 1 && name.starts_with(prefix) &&
           name[prefix.size()] == '-' && is_cargo_hash(name.substr(prefix.size() + 1));
}

} // namespace

std::optional<HostArtifact> detect_host_artifact(const std::vector<std::string>& args,
                                                 const EnvLookup& getenv) {
    const std::optional<std::string> cargo = getenv("CARGO");
    const std::optional<std::string> crate = getenv("CARGO_CRATE_NAME");
    if (!cargo || cargo->empty() || !crate || crate->empty())
        return std::nullopt;

    bool shared = false;
    std::optional<std::string_view> output;
    for (size_t i = 0; i < args.size(); i++) {
        const std::string_view arg = args[i];
        if (arg == "-shared")
            shared = true;
        else if (arg == "-o" && i + 1 < args.size())
            output = args[++i];
        else if (arg.size() > 2 && arg.starts_with("-o"))
            output = arg.substr(2);
    }
    if (!output)
        return std::nullopt;
    const size_t slash = output->rfind('/');
    const std::string_view name =
        slash == std::string_view::npos ? *output : output->substr(slash + 1);

    if (shared) {
        // rustc names a proc-macro lib<crate>-<hash>.so; cargo always gives
        // proc-macros a hash, and never the cdylib or dylib of a local
        // package, which are for the target and stay refused.
        if (name.size() > 3 && name.starts_with("lib") && name.ends_with(".so") &&
            is_hashed_name(name.substr(3, name.size() - 6), *crate))
            return HostArtifact::ProcMacro;
        return std::nullopt;
    }
    // Cargo compiles every build script as the crate build_script_<name>
    // (build_script_build for build.rs) into build_script_<name>-<hash>.
    if (crate->starts_with("build_script_") && is_hashed_name(name, *crate))
        return HostArtifact::BuildScript;
    return std::nullopt;
}

std::optional<ImageFormat> parse_image_format(std::string_view name) {
    if (name == "pvh")
        return ImageFormat::Pvh;
    if (name == "multiboot")
        return ImageFormat::Multiboot;
    return std::nullopt;
}

std::string shell_quote(std::string_view arg) {
    if (!arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "0123456789_-+=/.,:@%") == std::string_view::npos)
        return std::string(arg);
    std::string quoted = "'";
    for (char c : arg) {
        if (c == '\'')
            quoted += "'\\''";
        else
            quoted += c;
    }
    return quoted + "'";
}

const char* const usage_text =
    R"(Usage: kraftld [options] file... -o IMAGE

Links objects and archives (from gcc, clang, rustc, go -extld ...) with
libunikraft.a, musl and libgcc into a bootable x86_64 VM image. Call it the
way you would call `cc` to link.

  -o FILE              the image (default a.out)
  -L DIR, -lNAME       static libraries (libNAME.a), searched in the -L
                       directories, then the host's (/usr/local/lib/x86_64-linux-gnu,
                       /lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu, ...,
                       /usr/local/lib, /lib, /usr/lib, as GNU ld does), so
                       Debian's -dev packages link (-lz from zlib1g-dev);
                       -lc -lm -lpthread -ldl -lrt -lutil -lcrypt -lresolv
                       -lxnet -lstdc++ -lsupc++ -lgcc -lgcc_s -lgcc_eh are the
                       image's own, and so is glibc's or gcc's libm.a,
                       libpthread.so.0, libstdc++.so ... given by path
  -Wl,OPT,... / -Xlinker OPT
                       linker options (--defsym, -u, --wrap, -Map, --whole-archive,
                       --start-group/--end-group, ...)
  -s, -Wl,-S           strip symbols / debug information
  @FILE                read arguments from FILE
  --uk-format=pvh|multiboot
                       image format (default pvh, or $UK_FORMAT)
  --uk-no-symtab       do not embed function names for backtraces
  --version, -v        the version of the linker kraftld drives
  --help               this text

Link-time optimization: objects gcc compiled with -flto (or an archive of
them) are linked by GNU ld with gcc's linker plugin, which optimizes them
together with -flto=N jobs (default auto); clang's -flto bitcode goes to lld.

Compile-only flags (-O, -g, -f, -W, -D, -I, -std=, -m64, -march=, ...) and
dynamic-linking flags (-pie, -rdynamic, -Wl,--as-needed, -Wl,-z,relro, ...) are
accepted and ignored. -shared, -r, -m32, -e and -T are refused, and so is a
shared object (an input libNAME.so, or -lNAME with no libNAME.a): the message
names the package it came from (dpkg -S) and the static archive to use, or
says that the package ships none.

Cargo: as the linker of x86_64-unknown-linux-gnu, which is also the host,
kraftld is asked to link build scripts and proc-macros too. Those run on the
build machine, so kraftld hands its whole command line unchanged to the host's
cc ($KRAFTLD_HOST_CC, default cc) when cargo runs it (CARGO and
CARGO_CRATE_NAME are set) and either
  - the output is build_script_NAME-HASH and $CARGO_CRATE_NAME is
    build_script_NAME (a build script), or
  - the link is -shared and the output is libCRATE-HASH.so with CRATE
    $CARGO_CRATE_NAME (a proc-macro).
Every other -shared link is refused, a cdylib or dylib crate included.

Environment: KRAFTLD_LD (linker to drive; default ld.lld, else ld),
KRAFTLD_HOST_CC (host compiler for cargo's build scripts and proc-macros),
KRAFTLD_LTO_CC (the gcc that optimizes -flto objects; default gcc),
KRAFTLD_NO_SYMTAB=1, KRAFTLD_VERBOSE=1 (print the linker commands), UK_FORMAT.
)";

} // namespace kraftld
