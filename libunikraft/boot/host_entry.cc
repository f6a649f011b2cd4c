// The image's ELF entry point, which PVH and Multiboot loaders never use
// (they enter through the PVH note and the Multiboot header): a small Linux
// user-space program. An image run on a Linux host (`./app args`, a build's
// test programs and helpers) execs
//
//     UKRUN --share-cwd --argv0 ARGV0 -- IMAGE ARGS...
//
// with the same environment and standard streams, so that it boots itself
// in a VM, in the current directory. UKRUN is $UKRUN, else the first ukrun
// on PATH, else the ukrun beside the kraftld that linked the image (the
// .uk_hostrun section kraftld adds). With none, it says what the file is and
// exits 126, as a shell does for a file it cannot execute.
//
// It runs as a Linux process, not in the kernel: raw system calls only, no
// kernel state, nothing but the stack.
#include <stddef.h>
#include <stdint.h>

extern "C" {
extern const char __uk_hostrun_start[];
extern const char __uk_hostrun_end[];
[[noreturn]] void uk_host_main(uint64_t* sp);
}

// Linux starts a static program with %rsp pointing at argc, then argv,
// NULL, envp, NULL, the auxiliary vector; %rsp is 16-byte aligned.
asm(".pushsection .text.uk_host_entry,\"ax\",@progbits\n"
    ".globl _uk_host_entry\n"
    ".type _uk_host_entry,@function\n"
    "_uk_host_entry:\n"
    "  xor %ebp, %ebp\n"
    "  mov %rsp, %rdi\n"
    "  and $-16, %rsp\n"
    "  call uk_host_main\n"
    "  ud2\n"
    ".size _uk_host_entry, .-_uk_host_entry\n"
    ".popsection");

namespace {

constexpr long nr_write = 1, nr_execve = 59, nr_exit_group = 231, nr_readlink = 89;
constexpr long enoent = 2, enotdir = 20, eacces = 13;
constexpr size_t path_max = 4096;

long sys3(long nr, long a, long b, long c) {
    long r;
    asm volatile("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return r;
}

size_t length(const char* s) {
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

void put(const char* s) {
    size_t n = length(s);
    while (n) {
        long r = sys3(nr_write, 2, long(s), long(n));
        if (r <= 0)
            return;
        s += r;
        n -= size_t(r);
    }
}

[[noreturn]] void leave(int status) {
    for (;;)
        sys3(nr_exit_group, status, 0, 0);
}

// The value of NAME in envp, or nullptr.
const char* env(char** envp, const char* name) {
    size_t n = length(name);
    for (; *envp; envp++) {
        const char* e = *envp;
        size_t i = 0;
        while (i < n && e[i] == name[i])
            i++;
        if (i == n && e[n] == '=')
            return e + n + 1;
    }
    return nullptr;
}

// Copies [s, s + n) to out at *at, keeping room for the NUL; false when it
// does not fit.
bool append(char* out, size_t* at, const char* s, size_t n) {
    if (n >= path_max - *at)
        return false;
    for (size_t i = 0; i < n; i++)
        out[*at + i] = s[i];
    *at += n;
    out[*at] = '\0';
    return true;
}

// execve's answer when the file is not there to run: try the next place.
bool try_next(long err) {
    return err == -enoent || err == -enotdir || err == -eacces;
}

} // namespace

// Any memcpy or memset the compiler makes of the loops here is the image's
// own (musl's), which runs as well in a Linux process.
extern "C" [[noreturn]] void uk_host_main(uint64_t* sp) {
    const long argc = long(sp[0]);
    char** argv = reinterpret_cast<char**>(sp + 1);
    char** envp = argv + argc + 1;
    const char* name = argc > 0 && argv[0] ? argv[0] : "image";

    char image[path_max];
    long len = sys3(nr_readlink, long("/proc/self/exe"), long(image), path_max - 1);
    if (len <= 0) {
        put(name);
        put(": a libunikraft image, but /proc/self/exe cannot be read to boot it\n");
        leave(126);
    }
    image[len] = '\0';

    // ukrun's arguments: 6 of its own, the app's, a NULL.
    const char* args[6 + (argc > 1 ? argc - 1 : 0) + 1];
    long n = 0;
    args[n++] = "ukrun";
    args[n++] = "--share-cwd";
    args[n++] = "--argv0";
    args[n++] = name;
    args[n++] = "--";
    args[n++] = image;
    for (long i = 1; i < argc; i++)
        args[n++] = argv[i];
    args[n] = nullptr;
    // Runs ukrun at `path`; returns only when there is none there. One that
    // is there but cannot be run is an error of its own.
    auto exec = [&](const char* path) {
        long err = sys3(nr_execve, long(path), long(args), long(envp));
        if (try_next(err))
            return;
        put(name);
        put(": a libunikraft image; ");
        put(path);
        put(" cannot be run\n");
        leave(126);
    };

    if (const char* ukrun = env(envp, "UKRUN"); ukrun && *ukrun) {
        exec(ukrun);
        put(name);
        put(": a libunikraft image; UKRUN names ");
        put(ukrun);
        put(", which cannot be run\n");
        leave(126);
    }

    const char* path = env(envp, "PATH");
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    char candidate[path_max];
    for (const char* p = path;;) {
        const char* end = p;
        while (*end && *end != ':')
            end++;
        size_t at = 0;
        // An empty entry is the current directory.
        bool fits =
            end == p ? append(candidate, &at, "./", 2)
                     : append(candidate, &at, p, size_t(end - p)) && append(candidate, &at, "/", 1);
        if (fits && append(candidate, &at, "ukrun", 5))
            exec(candidate);
        if (!*end)
            break;
        p = end + 1;
    }

    // Linker-script symbols: the compiler must not reason about them as
    // arrays of their own.
    const char* hint = __uk_hostrun_start;
    const char* hint_end = __uk_hostrun_end;
    asm("" : "+r"(hint), "+r"(hint_end));
    if (hint_end > hint && hint_end[-1] == '\0')
        exec(hint);

    put(name);
    put(": this is a libunikraft image, a VM that ukrun boots (ukrun ");
    put(name);
    put(" ARGS...), and no ukrun was found: set UKRUN to its path or put it on PATH\n");
    leave(126);
}
