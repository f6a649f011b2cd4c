// kraftld: links objects into a bootable libunikraft image. See
// kraftld --help and link_args.h for the command line, elf_file.h for the
// image post-processing.
//
// The link runs in up to two passes of the driven linker: pass 1 produces
// the image; kraftld reads its function symbols, encodes them (lib/symtab.h)
// into a small object holding the .uk_symtab section, and pass 2 links the
// same inputs plus that object. unikraft.ld places .uk_symtab last, so
// nothing else moves, which kraftld verifies.

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "elf_file.h"
#include "link_args.h"

extern char** environ;

namespace kraftld {
namespace {

// The temporary output, removed if kraftld is interrupted. A fixed buffer
// because the signal handler may only call async-signal-safe functions.
char g_temp_path[PATH_MAX];

void on_fatal_signal(int sig) {
    if (g_temp_path[0] != '\0')
        unlink(g_temp_path);
    signal(sig, SIG_DFL);
    raise(sig);
}

void install_signal_handlers() {
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT})
        signal(sig, on_fatal_signal);
}

/// Reports an error and exits.
[[noreturn]] void die(const std::string& message) {
    std::fprintf(stderr, "kraftld: error: %s\n", message.c_str());
    std::exit(1);
}

std::string errno_text() {
    return std::strerror(errno);
}

/// A read-only mapping of a whole file.
class MappedFile {
  public:
    MappedFile() = default;
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    MappedFile(MappedFile&& other) noexcept { *this = std::move(other); }
    MappedFile& operator=(MappedFile&& other) noexcept {
        std::swap(m_data, other.m_data);
        std::swap(m_size, other.m_size);
        return *this;
    }
    ~MappedFile() {
        if (m_data != nullptr)
            munmap(m_data, m_size);
    }

    /// Maps `path`. Returns std::nullopt and sets `error` (strerror text or
    /// "is a directory") on failure.
    static std::optional<MappedFile> open(const std::string& path, std::string& error) {
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            error = errno_text();
            return std::nullopt;
        }
        struct stat st;
        if (fstat(fd, &st) != 0) {
            error = errno_text();
            close(fd);
            return std::nullopt;
        }
        if (S_ISDIR(st.st_mode)) {
            error = "is a directory";
            close(fd);
            return std::nullopt;
        }
        MappedFile file;
        if (st.st_size > 0) {
            void* p = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
            if (p == MAP_FAILED) {
                error = errno_text();
                close(fd);
                return std::nullopt;
            }
            file.m_data = p;
            file.m_size = static_cast<size_t>(st.st_size);
        }
        close(fd);
        return file;
    }

    std::span<const uint8_t> bytes() const { return {static_cast<const uint8_t*>(m_data), m_size}; }

  private:
    void* m_data = nullptr;
    size_t m_size = 0;
};

std::optional<std::string> read_text_file(const std::string& path) {
    std::string error;
    std::optional<MappedFile> file = MappedFile::open(path, error);
    if (!file)
        return std::nullopt;
    const std::span<const uint8_t> b = file->bytes();
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

bool is_file(const std::string& path) {
    struct stat st;
    return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string dirname_of(const std::string& path) {
    const size_t slash = path.rfind('/');
    if (slash == std::string::npos)
        return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

std::string basename_of(const std::string& path) {
    const size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::optional<std::string> find_in_path(const std::string& name) {
    if (name.find('/') != std::string::npos)
        return access(name.c_str(), X_OK) == 0 ? std::optional(name) : std::nullopt;
    const char* path = std::getenv("PATH");
    std::string_view dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
    while (true) {
        const size_t colon = dirs.find(':');
        std::string dir(dirs.substr(0, colon));
        if (dir.empty())
            dir = ".";
        const std::string candidate = dir + "/" + name;
        if (access(candidate.c_str(), X_OK) == 0 && is_file(candidate))
            return candidate;
        if (colon == std::string_view::npos)
            return std::nullopt;
        dirs = dirs.substr(colon + 1);
    }
}

bool env_flag(const char* name) {
    const char* v = std::getenv(name);
    return v != nullptr && *v != '\0' && std::strcmp(v, "0") != 0;
}

/// The linker kraftld drives.
struct Linker {
    std::string path;
    bool is_lld;
};

Linker find_linker() {
    if (const char* env = std::getenv("KRAFTLD_LD"); env != nullptr && *env != '\0') {
        std::optional<std::string> path = find_in_path(env);
        if (!path)
            die(std::string("KRAFTLD_LD=") + env + ": no such executable");
        return {*path, basename_of(*path).find("lld") != std::string::npos};
    }
    if (std::optional<std::string> lld = find_in_path("ld.lld"))
        return {*lld, true};
    if (std::optional<std::string> ld = find_in_path("ld"))
        return {*ld, false};
    die("no linker found: install lld (ld.lld) or binutils (ld), or set KRAFTLD_LD");
}

/// The installed (or build) tree kraftld belongs to.
struct Tree {
    std::string lib;     // <prefix>/lib
    std::string runtime; // <prefix>/lib/unikraft
    std::string script;  // unikraft.ld
    std::string kernel;  // libunikraft.a
    std::string ukrun;   // the ukrun beside kraftld, for images run on the host
    std::vector<std::string> runtime_libs;
};

Tree find_tree() {
    char exe[PATH_MAX];
    if (realpath("/proc/self/exe", exe) == nullptr)
        die("cannot find kraftld's own executable: " + errno_text());
    Tree tree;
    tree.lib = dirname_of(dirname_of(exe)) + "/lib";
    tree.ukrun = dirname_of(exe) + "/ukrun";
    tree.runtime = tree.lib + "/unikraft";
    tree.script = tree.lib + "/unikraft.ld";
    tree.kernel = tree.lib + "/libunikraft.a";
    tree.runtime_libs = {tree.runtime + "/libc.a", tree.runtime + "/libgcc.a",
                         tree.runtime + "/libgcc_eh.a"};
    std::vector<std::string> needed = {tree.script, tree.kernel};
    needed.insert(needed.end(), tree.runtime_libs.begin(), tree.runtime_libs.end());
    for (const std::string& file : needed)
        if (!is_file(file))
            die(file + ": missing (kraftld uses the libunikraft tree next to its own " +
                "executable, " + exe + "; run `make` or `make install`)");
    // C++ objects from the host's g++ need its libstdc++; a tree that ships
    // one links them without -lstdc++ (an archive costs nothing when unused).
    if (const std::string libstdcxx = tree.runtime + "/libstdc++.a"; is_file(libstdcxx))
        tree.runtime_libs.insert(tree.runtime_libs.begin(), libstdcxx);
    return tree;
}

/// The name of one file in `dir` that starts with `prefix` (the
/// alphabetically first, so the answer does not depend on directory order).
std::optional<std::string> find_prefixed(const std::string& dir, const std::string& prefix) {
    DIR* d = opendir(dir.c_str());
    if (d == nullptr)
        return std::nullopt;
    std::optional<std::string> first;
    while (const dirent* entry = readdir(d)) {
        const std::string_view name = entry->d_name;
        if (name.starts_with(prefix) && (!first || name < *first))
            first = std::string(name);
    }
    closedir(d);
    return first;
}

void print_command(const std::vector<std::string>& argv) {
    std::string line = "kraftld:";
    for (const std::string& arg : argv)
        line += " " + shell_quote(arg);
    std::fprintf(stderr, "%s\n", line.c_str());
}

/// Runs argv and waits. With `capture_fd` >= 0 the child's stdout and
/// stderr go there. Returns true if it exited with status 0.
bool run(const std::vector<std::string>& argv, int capture_fd) {
    std::vector<char*> cargv;
    for (const std::string& arg : argv)
        cargv.push_back(const_cast<char*>(arg.c_str()));
    cargv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (capture_fd >= 0) {
        posix_spawn_file_actions_adddup2(&actions, capture_fd, 1);
        posix_spawn_file_actions_adddup2(&actions, capture_fd, 2);
    }
    pid_t pid;
    const int rc = posix_spawn(&pid, cargv[0], &actions, nullptr, cargv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0)
        die("cannot run " + argv[0] + ": " + std::strerror(rc));
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            die("waitpid: " + errno_text());
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void copy_fd_to_stderr(int fd) {
    lseek(fd, 0, SEEK_SET);
    char buf[65536];
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        if (write(2, buf, static_cast<size_t>(n)) < 0)
            break;
}

/// What gcc's link-time optimization needs: GNU ld with gcc's linker
/// plugin, which hands the intermediate code to lto-wrapper, which runs gcc
/// (COLLECT_GCC) to compile it, as gcc's own collect2 would.
struct GccLto {
    std::string ld;      // GNU ld (bfd or gold): lld cannot load gcc's plugin
    std::string gcc;     // KRAFTLD_LTO_CC, or gcc
    std::string plugin;  // liblto_plugin.so
    std::string wrapper; // lto-wrapper
};

/// What a program printed (standard output and error) when it exits with
/// status 0; empty otherwise.
std::string output_of(const std::vector<std::string>& argv) {
    const int out = memfd_create("kraftld-query", MFD_CLOEXEC);
    if (out < 0)
        return std::string();
    std::string text;
    if (run(argv, out)) {
        lseek(out, 0, SEEK_SET);
        char buf[4096];
        ssize_t n;
        while ((n = read(out, buf, sizeof(buf))) > 0)
            text.append(buf, static_cast<size_t>(n));
    }
    close(out);
    return text;
}

/// The first line of output_of(argv).
std::string first_line_of(const std::vector<std::string>& argv) {
    const std::string text = output_of(argv);
    return text.substr(0, text.find('\n'));
}

GccLto find_gcc_lto(const Linker& linker) {
    GccLto lto;
    if (!linker.is_lld) {
        lto.ld = linker.path;
    } else if (std::optional<std::string> bfd = find_in_path("ld.bfd")) {
        lto.ld = *bfd;
    } else if (std::optional<std::string> ld = find_in_path("ld")) {
        lto.ld = *ld;
    } else {
        die("objects compiled by gcc with -flto need GNU ld (binutils) to link: install binutils");
    }
    const char* env = std::getenv("KRAFTLD_LTO_CC");
    const std::string name = env != nullptr && *env != '\0' ? env : "gcc";
    std::optional<std::string> gcc = find_in_path(name);
    if (!gcc)
        die("objects compiled by gcc with -flto are optimized at link time by gcc, and " + name +
            " was not found (install gcc or set KRAFTLD_LTO_CC)");
    lto.gcc = *gcc;
    lto.plugin = first_line_of({lto.gcc, "-print-file-name=liblto_plugin.so"});
    lto.wrapper = first_line_of({lto.gcc, "-print-prog-name=lto-wrapper"});
    if (!is_file(lto.plugin) || !is_file(lto.wrapper))
        die(lto.gcc + " has no linker plugin (liblto_plugin.so and lto-wrapper) for the objects "
                      "compiled with -flto");
    return lto;
}

/// The installed Debian package that owns `path`, from `dpkg-query -S`;
/// std::nullopt when none does or there is no dpkg. On a merged-/usr system
/// dpkg records a file under the name its package gives it, so /lib/... and
/// /usr/lib/... are both asked.
std::optional<std::string> dpkg_owner(const std::string& path) {
    static const std::optional<std::string> dpkg_query = find_in_path("dpkg-query");
    if (!dpkg_query || path.empty() || path[0] != '/')
        return std::nullopt;
    std::vector<std::string> names = {path};
    if (path.starts_with("/usr/lib/"))
        names.push_back(path.substr(4));
    else if (path.starts_with("/lib/"))
        names.push_back("/usr" + path);
    for (const std::string& name : names) {
        const std::string text = output_of({*dpkg_query, "-S", name});
        // "zlib1g-dev:amd64: /usr/lib/x86_64-linux-gnu/libz.so"; diversions
        // are reported on lines of their own, starting with "diversion".
        size_t line = 0;
        while (line < text.size()) {
            size_t end = text.find('\n', line);
            if (end == std::string::npos)
                end = text.size();
            const std::string_view entry(text.data() + line, end - line);
            line = end + 1;
            const size_t colon = entry.find(": ");
            if (entry.starts_with("diversion") || colon == std::string_view::npos)
                continue;
            std::string_view package = entry.substr(0, colon);
            if (const size_t comma = package.find(','); comma != std::string_view::npos)
                package = package.substr(0, comma);
            if (const size_t arch = package.find(':'); arch != std::string_view::npos)
                package = package.substr(0, arch);
            return std::string(package);
        }
    }
    return std::nullopt;
}

bool write_file(const std::string& path, std::span<const uint8_t> data) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0)
        return false;
    size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = write(fd, data.data() + done, data.size() - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            close(fd);
            return false;
        }
        done += static_cast<size_t>(n);
    }
    return close(fd) == 0;
}

/// True if `data` is an ELF object that defines Go's socket system call
/// (syscall.socket, linked in when the program can open sockets). Go makes
/// its system calls with the syscall instruction, not through libc, so no
/// reference to the kernel's socket calls tells the link to keep the
/// network stack.
bool makes_raw_socket_calls(const ElfFile& elf) {
    return elf.type() == et_rel && elf.find_symbol("syscall.socket");
}

/// Whether an object carries gcc's intermediate code for link-time
/// optimization (-flto): its .gnu.lto_* sections.
bool has_gcc_lto(const ElfFile& elf) {
    if (elf.type() != et_rel)
        return false;
    for (const ElfSection& section : elf.sections())
        if (section.name.starts_with(".gnu.lto_"))
            return true;
    return false;
}

/// Reports every input that is missing or not an x86_64 object or archive;
/// returns false if there was one. Sets `raw_sockets` if an input opens
/// sockets with raw system calls (makes_raw_socket_calls), `gcc_lto` if an
/// object is gcc's -flto output.
bool check_inputs(const LinkRequest& request, bool& raw_sockets, bool& gcc_lto) {
    bool ok = true;
    for (const LinkItem& item : request.items) {
        if (item.kind != LinkItem::Kind::Input)
            continue;
        std::string error;
        std::optional<MappedFile> file = MappedFile::open(item.text, error);
        if (!file) {
            std::fprintf(stderr, "kraftld: error: %s: %s\n", item.text.c_str(), error.c_str());
            ok = false;
            continue;
        }
        if (std::optional<std::string> problem = input_file_problem(file->bytes())) {
            std::fprintf(stderr, "kraftld: error: %s: %s\n", item.text.c_str(), problem->c_str());
            ok = false;
        } else if (std::optional<ElfFile> elf = ElfFile::parse(file->bytes(), error)) {
            raw_sockets = raw_sockets || makes_raw_socket_calls(*elf);
            gcc_lto = gcc_lto || has_gcc_lto(*elf);
        } else if (std::optional<ElfFile> member =
                       ElfFile::parse(representative_object(file->bytes()), error)) {
            // An archive of -flto objects (its first object tells).
            gcc_lto = gcc_lto || has_gcc_lto(*member);
        }
    }
    return ok;
}

/// An object file kept in memory, for the linker (a child) to open through
/// the inherited descriptor: its path, /proc/self/fd/N. The descriptor
/// stays open until kraftld exits. Empty (errno set) when it cannot be made.
std::string memory_object(const char* name, const std::vector<uint8_t>& object) {
    const int fd = memfd_create(name, 0);
    if (fd < 0)
        return std::string();
    if (write(fd, object.data(), object.size()) != static_cast<ssize_t>(object.size())) {
        close(fd);
        return std::string();
    }
    return "/proc/self/fd/" + std::to_string(fd);
}

/// The object that tells an image run on the host where ukrun is (the
/// .uk_hostrun section, read by the image's entry point): `ukrun`, when it
/// exists; else nothing.
std::string hostrun_object(const std::string& ukrun) {
    if (!is_file(ukrun))
        return std::string();
    std::vector<uint8_t> path(ukrun.begin(), ukrun.end());
    path.push_back(0);
    return memory_object("kraftld-hostrun.o", make_section_object(".uk_hostrun", path, 1));
}

/// One link in progress: owns the temporary output until it is renamed.
class ImageLink {
  public:
    ImageLink(LinkRequest request, Linker linker, Tree tree, ImageFormat format, bool symtab,
              bool verbose)
        : m_request(std::move(request)), m_linker(std::move(linker)), m_tree(std::move(tree)),
          m_format(format), m_symtab(symtab), m_verbose(verbose) {
        m_temp = m_request.output + ".kraftld-" + std::to_string(getpid()) + ".tmp";
        if (m_temp.size() < sizeof(g_temp_path))
            std::memcpy(g_temp_path, m_temp.c_str(), m_temp.size() + 1);
    }

    /// Links the image; on any failure removes the temporary and any old
    /// output (a stale image must not look up to date) and exits.
    void link();

  private:
    [[noreturn]] void fail(const std::string& message) {
        cleanup();
        if (!message.empty())
            std::fprintf(stderr, "kraftld: error: %s\n", message.c_str());
        std::exit(1);
    }
    void cleanup() {
        unlink(m_temp.c_str());
        if (!m_resolution.empty())
            unlink(m_resolution.c_str());
        struct stat st;
        if (lstat(m_request.output.c_str(), &st) == 0 && S_ISREG(st.st_mode))
            unlink(m_request.output.c_str());
    }
    std::vector<std::string> command(StripMode strip, const std::string& extra_object) const;
    void run_pass(StripMode strip, const std::string& extra_object, bool quiet);
    MappedFile map_temp(const char* what);
    ElfFile parse(const MappedFile& file, const char* what);

    LinkRequest m_request;
    Linker m_linker;
    Tree m_tree;
    ImageFormat m_format;
    bool m_symtab;
    bool m_verbose;
    std::string m_temp;
    bool m_raw_sockets = false;
    bool m_gcc_lto = false;
    std::optional<GccLto> m_lto;
    std::string m_resolution;
    std::string m_hostrun = hostrun_object(m_tree.ukrun);
};

std::vector<std::string> ImageLink::command(StripMode strip,
                                            const std::string& extra_object) const {
    std::vector<std::string> argv = {m_lto ? m_lto->ld : m_linker.path};
    if (m_lto)
        argv.insert(argv.end(), {"-plugin", m_lto->plugin, "-plugin-opt=" + m_lto->wrapper,
                                 "-plugin-opt=-fresolution=" + m_resolution});
    argv.insert(argv.end(),
                {"-nostdlib", "-static", "--no-dynamic-linker", "-z", "noexecstack", "-z",
                 "max-page-size=4096", "--eh-frame-hdr", "--build-id=none", "--gc-sections"});
    if (m_linker.is_lld && !m_lto)
        argv.push_back("--error-limit=0");
    if (strip == StripMode::All)
        argv.push_back("--strip-all");
    else if (strip == StripMode::Debug)
        argv.push_back("--strip-debug");
    argv.insert(argv.end(), {"-T", m_tree.script, "-o", m_temp});
    // The network stack is linked when something refers to uk_net_root.
    if (m_raw_sockets)
        argv.insert(argv.end(), {"-u", "uk_net_root"});
    for (const LinkItem& item : m_request.items)
        argv.push_back(item.text);
    argv.push_back(m_tree.kernel);
    argv.push_back("--start-group");
    argv.insert(argv.end(), m_tree.runtime_libs.begin(), m_tree.runtime_libs.end());
    argv.push_back("--end-group");
    if (!extra_object.empty())
        argv.push_back(extra_object);
    if (!m_hostrun.empty())
        argv.push_back(m_hostrun);
    return argv;
}

void ImageLink::run_pass(StripMode strip, const std::string& extra_object, bool quiet) {
    const std::vector<std::string> argv = command(strip, extra_object);
    if (m_verbose)
        print_command(argv);
    // A second pass repeats the first one's warnings; show its output only
    // if it fails.
    int capture = -1;
    if (quiet) {
        capture = memfd_create("kraftld-pass2", MFD_CLOEXEC);
        if (capture < 0)
            fail("memfd_create: " + errno_text());
    }
    const bool ok = run(argv, capture);
    if (!ok && capture >= 0)
        copy_fd_to_stderr(capture);
    if (capture >= 0)
        close(capture);
    if (!ok)
        fail(std::string());
}

MappedFile ImageLink::map_temp(const char* what) {
    std::string error;
    std::optional<MappedFile> file = MappedFile::open(m_temp, error);
    if (!file)
        fail(std::string("cannot read the ") + what + " (" + m_temp + "): " + error);
    return std::move(*file);
}

ElfFile ImageLink::parse(const MappedFile& file, const char* what) {
    std::string error;
    std::optional<ElfFile> elf = ElfFile::parse(file.bytes(), error);
    if (!elf)
        fail(std::string("the ") + what + " is not a valid ELF64 image: " + error);
    return std::move(*elf);
}

void ImageLink::link() {
    if (!check_inputs(m_request, m_raw_sockets, m_gcc_lto))
        fail(std::string());
    if (m_gcc_lto) {
        // gcc's link-time optimization, as collect2 would run it: the plugin
        // resolves symbols, lto-wrapper compiles the intermediate code with
        // COLLECT_GCC, in parallel as -flto=JOBS says (default: auto).
        m_lto = find_gcc_lto(m_linker);
        m_resolution = m_temp + ".res";
        const std::string jobs = m_request.lto && !m_request.lto->empty() ? *m_request.lto : "auto";
        setenv("COLLECT_GCC", m_lto->gcc.c_str(), 1);
        setenv("COLLECT_GCC_OPTIONS", ("'-flto=" + jobs + "'").c_str(), 1);
    }
    const bool multiboot = m_format == ImageFormat::Multiboot;
    const StripMode final_strip = m_request.strip;
    std::optional<uint64_t> multiboot_entry;
    std::vector<uint8_t> multiboot_image;

    auto find_multiboot_entry = [&](const ElfFile& image) {
        multiboot_entry = image.find_symbol("_uk_multiboot_entry");
        if (!multiboot_entry)
            fail("--uk-format=multiboot: the image has no _uk_multiboot_entry symbol (this "
                 "libunikraft.a has no Multiboot entry point)");
    };

    // Pass 1 keeps its symbols (they are read below) but not its debug
    // information, which only costs time here.
    const bool two_passes = m_symtab || (multiboot && final_strip == StripMode::All);
    if (!two_passes) {
        run_pass(final_strip, std::string(), false);
        if (multiboot) {
            MappedFile image_file = map_temp("image");
            find_multiboot_entry(parse(image_file, "image"));
        }
    } else {
        run_pass(StripMode::Debug, std::string(), false);
        MappedFile pass1_file = map_temp("pass 1 image");
        const ElfFile pass1 = parse(pass1_file, "pass 1 image");
        if (multiboot)
            find_multiboot_entry(pass1);

        std::vector<uint8_t> blob;
        std::string object_path;
        if (m_symtab) {
            blob = build_symtab_blob(collect_functions(pass1));
            if (blob.empty())
                fail("cannot encode the image's function table (addresses span more than 4 GiB)");
            object_path = memory_object("kraftld-symtab.o", make_symtab_object(blob));
            if (object_path.empty())
                fail("cannot write the symbol table object: " + errno_text());
        }
        // The linker replaces the file by renaming a new one over it, so
        // pass1_file's mapping stays valid.
        run_pass(final_strip, object_path, true);

        MappedFile pass2_file = map_temp("image");
        const ElfFile pass2 = parse(pass2_file, "image");
        uint64_t symtab_addr = UINT64_MAX;
        if (m_symtab) {
            const ElfSection* section = pass2.find_section(".uk_symtab");
            if (section == nullptr)
                fail("the image has no .uk_symtab section (is " + m_tree.script + " current?)");
            if (section->size != blob.size())
                fail(".uk_symtab holds " + std::to_string(section->size) + " bytes, not the " +
                     std::to_string(blob.size()) + " kraftld wrote (is " + m_tree.script +
                     " current?)");
            symtab_addr = section->addr;
        }
        if (std::optional<std::string> moved = layout_difference(pass1, pass2, symtab_addr))
            fail("linking the symbol table moved the image: " + *moved + " (" + m_tree.script +
                 " must place .uk_symtab after everything else)");
    }

    if (multiboot) {
        std::string error;
        std::optional<std::vector<uint8_t>> converted;
        {
            MappedFile image_file = map_temp("image");
            converted = make_multiboot_image(image_file.bytes(), *multiboot_entry, error);
        }
        if (!converted)
            fail("--uk-format=multiboot: " + error);
        if (!write_file(m_temp, *converted))
            fail("cannot write " + m_temp + ": " + errno_text());
    }

    if (rename(m_temp.c_str(), m_request.output.c_str()) != 0)
        fail("cannot create " + m_request.output + ": " + errno_text());
    g_temp_path[0] = '\0';
    if (!m_resolution.empty())
        unlink(m_resolution.c_str());
}

std::optional<std::string> get_env(const std::string& name) {
    const char* value = std::getenv(name.c_str());
    return value != nullptr ? std::optional<std::string>(value) : std::nullopt;
}

/// Links a build script or proc-macro for the host: replaces kraftld with the
/// host's cc given the original arguments (response files unexpanded, as cc
/// reads them itself). rustc's gcc-style line, -fuse-ld=lld and
/// -B<sysroot>/gcc-ld included, is what it would hand cc anyway.
[[noreturn]] void exec_host_cc(int argc, char** argv, HostArtifact artifact) {
    const char* env = std::getenv("KRAFTLD_HOST_CC");
    const std::string name = env != nullptr && *env != '\0' ? env : "cc";
    std::optional<std::string> path = find_in_path(name);
    if (!path)
        die(std::string(artifact == HostArtifact::BuildScript ? "a build script" : "a proc-macro") +
            " runs on the host and is linked with " + name +
            ", which was not found (install a C compiler or set KRAFTLD_HOST_CC)");
    std::vector<std::string> command = {name};
    command.insert(command.end(), argv + 1, argv + argc);
    if (env_flag("KRAFTLD_VERBOSE"))
        print_command(command);
    std::vector<char*> cargv;
    for (std::string& arg : command)
        cargv.push_back(arg.data());
    cargv.push_back(nullptr);
    execv(path->c_str(), cargv.data());
    die("cannot run " + *path + ": " + errno_text());
}

int kraftld_main(int argc, char** argv) {
    std::string error;
    std::optional<std::vector<std::string>> args = expand_response_files(
        std::vector<std::string>(argv + 1, argv + argc), read_text_file, error);
    if (!args)
        die(error);
    if (std::optional<HostArtifact> artifact = detect_host_artifact(*args, get_env))
        exec_host_cc(argc, argv, *artifact);
    std::optional<LinkRequest> request = parse_link_args(*args, error);
    if (!request)
        die(error);

    if (request->action == Action::Help) {
        std::fputs(usage_text, stdout);
        return 0;
    }
    const Linker linker = find_linker();
    if (request->action == Action::LinkerQuery) {
        std::fflush(stdout);
        execl(linker.path.c_str(), linker.path.c_str(), request->query_flag.c_str(),
              static_cast<char*>(nullptr));
        die("cannot run " + linker.path + ": " + errno_text());
    }

    ImageFormat format = ImageFormat::Pvh;
    if (request->format) {
        format = *request->format;
    } else if (const char* env = std::getenv("UK_FORMAT"); env != nullptr && *env != '\0') {
        std::optional<ImageFormat> parsed = parse_image_format(env);
        if (!parsed)
            die(std::string("UK_FORMAT=") + env + ": the formats are pvh and multiboot");
        format = *parsed;
    }
    const bool symtab = !request->no_symtab && !env_flag("KRAFTLD_NO_SYMTAB");
    const bool verbose = request->verbose || env_flag("KRAFTLD_VERBOSE");

    Tree tree = find_tree();
    const LibraryHost host = {tree.runtime, host_library_dirs(), is_file, dpkg_owner,
                              find_prefixed};
    if (!resolve_libraries(*request, host, error))
        die(error);
    install_signal_handlers();
    ImageLink link(std::move(*request), linker, std::move(tree), format, symtab, verbose);
    link.link();
    return 0;
}

} // namespace
} // namespace kraftld

int main(int argc, char** argv) {
    return kraftld::kraftld_main(argc, argv);
}
