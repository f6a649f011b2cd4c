// glibc-ABI compatibility: GNU extensions and header-emitted helpers that
// objects compiled against glibc headers reference and musl 1.2.3 lacks
// (error(3), arc4random, the *_np name tables, C23 number parsing, ...).

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <resolv.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wchar.h>
#include <wctype.h>

#include "lib/symtab.h"

#define UK_GLIBC_EXPORT __attribute__((visibility("default")))

extern "C" int __cxa_atexit(void (*fn)(void*), void* arg, void* dso);
extern "C" long __uk_musl_sysconf(int name);

extern "C" {
extern const char __uk_symtab_start[];
extern const char __uk_symtab_end[];
}

namespace {

// ---------------------------------------------------------------- error(3)

void error_tail(int status, int errnum, const char* fmt, va_list ap);

// ---------------------------------------------------------------- arc4random

[[noreturn]] void entropy_fail() {
    static const char msg[] = "Fatal glibc error: cannot get entropy for arc4random\n";
    write(STDERR_FILENO, msg, sizeof msg - 1);
    abort();
}

// Reads /dev/urandom, glibc's fallback when getrandom(2) does not exist.
bool urandom_fill(unsigned char* p, size_t n) {
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    while (n) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            close(fd);
            return false;
        }
        p += r;
        n -= static_cast<size_t>(r);
    }
    close(fd);
    return true;
}

// ---------------------------------------------------------------- names

// Linux errno names, indexed by number; glibc names errno 0 "0".
const char* const kErrnoNames[] = {
    "0",
    "EPERM",
    "ENOENT",
    "ESRCH",
    "EINTR",
    "EIO",
    "ENXIO",
    "E2BIG",
    "ENOEXEC",
    "EBADF",
    "ECHILD",
    "EAGAIN",
    "ENOMEM",
    "EACCES",
    "EFAULT",
    "ENOTBLK",
    "EBUSY",
    "EEXIST",
    "EXDEV",
    "ENODEV",
    "ENOTDIR",
    "EISDIR",
    "EINVAL",
    "ENFILE",
    "EMFILE",
    "ENOTTY",
    "ETXTBSY",
    "EFBIG",
    "ENOSPC",
    "ESPIPE",
    "EROFS",
    "EMLINK",
    "EPIPE",
    "EDOM",
    "ERANGE",
    "EDEADLK",
    "ENAMETOOLONG",
    "ENOLCK",
    "ENOSYS",
    "ENOTEMPTY",
    "ELOOP",
    nullptr,
    "ENOMSG",
    "EIDRM",
    "ECHRNG",
    "EL2NSYNC",
    "EL3HLT",
    "EL3RST",
    "ELNRNG",
    "EUNATCH",
    "ENOCSI",
    "EL2HLT",
    "EBADE",
    "EBADR",
    "EXFULL",
    "ENOANO",
    "EBADRQC",
    "EBADSLT",
    nullptr,
    "EBFONT",
    "ENOSTR",
    "ENODATA",
    "ETIME",
    "ENOSR",
    "ENONET",
    "ENOPKG",
    "EREMOTE",
    "ENOLINK",
    "EADV",
    "ESRMNT",
    "ECOMM",
    "EPROTO",
    "EMULTIHOP",
    "EDOTDOT",
    "EBADMSG",
    "EOVERFLOW",
    "ENOTUNIQ",
    "EBADFD",
    "EREMCHG",
    "ELIBACC",
    "ELIBBAD",
    "ELIBSCN",
    "ELIBMAX",
    "ELIBEXEC",
    "EILSEQ",
    "ERESTART",
    "ESTRPIPE",
    "EUSERS",
    "ENOTSOCK",
    "EDESTADDRREQ",
    "EMSGSIZE",
    "EPROTOTYPE",
    "ENOPROTOOPT",
    "EPROTONOSUPPORT",
    "ESOCKTNOSUPPORT",
    "EOPNOTSUPP",
    "EPFNOSUPPORT",
    "EAFNOSUPPORT",
    "EADDRINUSE",
    "EADDRNOTAVAIL",
    "ENETDOWN",
    "ENETUNREACH",
    "ENETRESET",
    "ECONNABORTED",
    "ECONNRESET",
    "ENOBUFS",
    "EISCONN",
    "ENOTCONN",
    "ESHUTDOWN",
    "ETOOMANYREFS",
    "ETIMEDOUT",
    "ECONNREFUSED",
    "EHOSTDOWN",
    "EHOSTUNREACH",
    "EALREADY",
    "EINPROGRESS",
    "ESTALE",
    "EUCLEAN",
    "ENOTNAM",
    "ENAVAIL",
    "EISNAM",
    "EREMOTEIO",
    "EDQUOT",
    "ENOMEDIUM",
    "EMEDIUMTYPE",
    "ECANCELED",
    "ENOKEY",
    "EKEYEXPIRED",
    "EKEYREVOKED",
    "EKEYREJECTED",
    "EOWNERDEAD",
    "ENOTRECOVERABLE",
    "ERFKILL",
    "EHWPOISON",
};
static_assert(sizeof kErrnoNames / sizeof *kErrnoNames == 134, "errno 0..133");

// Linux signal abbreviations, indexed by number (the real-time signals have
// none in glibc).
const char* const kSignalNames[] = {
    nullptr, "HUP",  "INT",  "QUIT", "ILL",    "TRAP",   "ABRT",  "BUS",  "FPE",  "KILL", "USR1",
    "SEGV",  "USR2", "PIPE", "ALRM", "TERM",   "STKFLT", "CHLD",  "CONT", "STOP", "TSTP", "TTIN",
    "TTOU",  "URG",  "XCPU", "XFSZ", "VTALRM", "PROF",   "WINCH", "POLL", "PWR",  "SYS",
};
static_assert(sizeof kSignalNames / sizeof *kSignalNames == 32, "signals 0..31");

const char* errno_name(int errnum) {
    if (errnum < 0 || errnum >= static_cast<int>(sizeof kErrnoNames / sizeof *kErrnoNames))
        return nullptr;
    return kErrnoNames[errnum];
}

const char* signal_name(int sig) {
    if (sig < 0 || sig >= static_cast<int>(sizeof kSignalNames / sizeof *kSignalNames))
        return nullptr;
    return kSignalNames[sig];
}

// ---------------------------------------------------------------- glibc struct layouts

// glibc's struct msghdr and struct cmsghdr, whose length fields are size_t
// (musl's are socklen_t plus padding).
struct GlibcMsghdr {
    void* msg_name;
    socklen_t msg_namelen;
    void* msg_iov;
    size_t msg_iovlen;
    void* msg_control;
    size_t msg_controllen;
    int msg_flags;
};
struct GlibcCmsghdr {
    size_t cmsg_len;
    int cmsg_level;
    int cmsg_type;
};
static_assert(sizeof(GlibcMsghdr) == 56 && sizeof(GlibcCmsghdr) == 16, "glibc socket ABI");

constexpr size_t cmsg_align(size_t len) {
    return (len + sizeof(size_t) - 1) & ~(sizeof(size_t) - 1);
}

// ---------------------------------------------------------------- C23 number parsing

bool is_space(char c) {
    return isspace(static_cast<unsigned char>(c));
}

bool is_space(wchar_t c) {
    return iswspace(static_cast<wint_t>(c));
}

// Parses a "0b"/"0B"-prefixed binary number the way C23's strtol family
// does (glibc 2.38's __isoc23_* names) when `base` is 0 or 2; everything
// else goes to musl's C17 function `Fallback`. `Max` is the largest value
// of T and `Signed` says whether T is a signed type.
template <typename T, typename Ch, T (*Fallback)(const Ch*, Ch**, int), bool Signed,
          unsigned long long Max>
T c23_strto(const Ch* s, Ch** end, int base) {
    if (base != 0 && base != 2)
        return Fallback(s, end, base);
    const Ch* p = s;
    while (is_space(*p))
        p++;
    bool negative = false;
    if (*p == '+' || *p == '-')
        negative = *p++ == '-';
    if (p[0] != '0' || (p[1] != 'b' && p[1] != 'B') || (p[2] != '0' && p[2] != '1'))
        return Fallback(s, end, base);
    p += 2;
    unsigned long long magnitude = 0;
    bool overflow = false;
    for (; *p == '0' || *p == '1'; p++) {
        if (magnitude >> 63)
            overflow = true;
        magnitude = magnitude << 1 | static_cast<unsigned>(*p - '0');
    }
    if (end)
        *end = const_cast<Ch*>(p);
    if constexpr (Signed) {
        unsigned long long limit = negative ? Max + 1 : Max;
        if (overflow || magnitude > limit) {
            errno = ERANGE;
            return negative ? static_cast<T>(-static_cast<long long>(Max) - 1)
                            : static_cast<T>(Max);
        }
    } else if (overflow || magnitude > Max) {
        errno = ERANGE;
        return static_cast<T>(Max);
    }
    return static_cast<T>(negative ? 0 - magnitude : magnitude);
}

// glibc's C-locale case tables, indexed from -128 to 255: ASCII letters
// map to the other case, EOF (-1) to itself, any other byte to itself as an
// unsigned char (so -128..-2 give 128..254). musl 1.2.3's tables hold 0
// outside 0..127, which breaks glibc-compiled code at -O2, where <ctype.h>
// reads these tables inline: toupper(EOF) would be 0, toupper(0xe9) 0.
struct CaseTable {
    int32_t entries[384];

    constexpr explicit CaseTable(bool upper) : entries{} {
        for (int c = -128; c < 256; c++) {
            int v = c < -1 ? c + 256 : c;
            if (upper && v >= 'a' && v <= 'z')
                v -= 'a' - 'A';
            if (!upper && v >= 'A' && v <= 'Z')
                v += 'a' - 'A';
            entries[c + 128] = v;
        }
    }
};

constexpr CaseTable kToupper(true);
constexpr CaseTable kTolower(false);
const int32_t* g_toupper = kToupper.entries + 128;
const int32_t* g_tolower = kTolower.entries + 128;

struct OnExitRecord {
    void (*fn)(int, void*);
    void* arg;
};

void run_on_exit(void* p) {
    auto* record = static_cast<OnExitRecord*>(p);
    // musl's exit() does not hand its status to exit handlers.
    record->fn(0, record->arg);
}

// ---------------------------------------------------------------- backtrace

// One line of backtrace_symbols(): "PROG(NAME+0xOFF) [0xADDR]" as glibc
// prints a frame whose function it can name, "PROG() [0xADDR]" otherwise.
// Returns snprintf's count.
int backtrace_line(char* out, size_t cap, void* addr) {
    uint64_t off = 0;
    const char* name =
        uk::symtab_lookup(__uk_symtab_start, size_t(__uk_symtab_end - __uk_symtab_start),
                          reinterpret_cast<uint64_t>(addr), &off);
    if (name)
        return snprintf(out, cap, "%s(%s+0x%lx) [%p]", program_invocation_name, name,
                        static_cast<unsigned long>(off), addr);
    return snprintf(out, cap, "%s() [%p]", program_invocation_name, addr);
}

} // namespace

extern "C" {

// ---------------------------------------------------------------- system(3)

/// system(3). musl's answers system(NULL) with 1, "a shell is there"; an
/// image has no shell (nor any other program), so the answer is 0, as
/// glibc's where /bin/sh is missing. A command goes to posix_spawn, which
/// fails with ENOSYS (the kernel says so on the console): -1, errno ENOSYS.
/// Weak, as musl has its own (which the link then leaves out).
UK_GLIBC_EXPORT __attribute__((weak)) int system(const char* command) {
    if (command == nullptr)
        return 0;
    char* argv[] = {const_cast<char*>("sh"), const_cast<char*>("-c"), const_cast<char*>(command),
                    nullptr};
    pid_t pid;
    const int err = posix_spawn(&pid, "/bin/sh", nullptr, nullptr, argv, environ);
    if (err != 0) {
        errno = err;
        return -1;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return status;
}

// ---------------------------------------------------------------- error(3)

/// Count of messages error() and error_at_line() have printed.
UK_GLIBC_EXPORT unsigned int error_message_count;

/// When nonzero, error_at_line() prints one message per file and line in a
/// row and drops repeats.
UK_GLIBC_EXPORT int error_one_per_line;

/// When set, error() and error_at_line() call it instead of printing
/// "program: ".
UK_GLIBC_EXPORT void (*error_print_progname)(void);

/// Prints "program: message[: strerror(errnum)]\n" on stderr after flushing
/// stdout, counts it, and calls exit(status) when status is nonzero.
UK_GLIBC_EXPORT void error(int status, int errnum, const char* fmt, ...) {
    fflush(stdout);
    flockfile(stderr);
    if (error_print_progname)
        error_print_progname();
    else
        fprintf(stderr, "%s: ", program_invocation_name);
    va_list ap;
    va_start(ap, fmt);
    error_tail(status, errnum, fmt, ap);
    va_end(ap);
}

/// Like error(), with "file:line: " after the program name; with
/// error_one_per_line set, a repeat of the previous file and line prints
/// nothing (and does not exit).
UK_GLIBC_EXPORT void error_at_line(int status, int errnum, const char* file, unsigned int line,
                                   const char* fmt, ...) {
    if (error_one_per_line) {
        static const char* old_file;
        static unsigned int old_line;
        if (old_line == line &&
            (file == old_file || (old_file && file && strcmp(old_file, file) == 0)))
            return;
        old_file = file;
        old_line = line;
    }
    fflush(stdout);
    flockfile(stderr);
    if (error_print_progname)
        error_print_progname();
    else
        fprintf(stderr, "%s:", program_invocation_name);
    if (file)
        fprintf(stderr, "%s:%u: ", file, line);
    else
        fputs(" ", stderr);
    va_list ap;
    va_start(ap, fmt);
    error_tail(status, errnum, fmt, ap);
    va_end(ap);
}

/// The assert_perror() failure path: prints
/// "program: file:line: function: Unexpected error: strerror(errnum).\n" and
/// aborts.
UK_GLIBC_EXPORT __attribute__((noreturn)) void
__assert_perror_fail(int errnum, const char* file, unsigned int line, const char* function) {
    const char* prog = program_invocation_short_name;
    fprintf(stderr, "%s%s%s:%u: %s%sUnexpected error: %s.\n", prog, prog[0] ? ": " : "", file, line,
            function ? function : "", function ? ": " : "", strerror(errnum));
    fflush(stderr);
    abort();
}

// ---------------------------------------------------------------- arc4random

/// Fills `buf` with `n` random bytes from getrandom(2) (or /dev/urandom when
/// getrandom does not exist). Cannot fail: without entropy it aborts, as
/// glibc does. Leaves errno alone.
UK_GLIBC_EXPORT void arc4random_buf(void* buf, size_t n) {
    int saved_errno = errno;
    auto* p = static_cast<unsigned char*>(buf);
    while (n) {
        ssize_t r = getrandom(p, n, 0);
        if (r > 0) {
            p += r;
            n -= static_cast<size_t>(r);
            continue;
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && errno == ENOSYS && urandom_fill(p, n))
            break;
        entropy_fail();
    }
    errno = saved_errno;
}

/// Returns 32 random bits.
UK_GLIBC_EXPORT uint32_t arc4random(void) {
    uint32_t v;
    arc4random_buf(&v, sizeof v);
    return v;
}

/// Returns a uniformly distributed number below `upper_bound` (0 when the
/// bound is below 2), without modulo bias.
UK_GLIBC_EXPORT uint32_t arc4random_uniform(uint32_t upper_bound) {
    if (upper_bound < 2)
        return 0;
    // Values below 2^32 mod upper_bound would make the low results likelier.
    uint32_t min = -upper_bound % upper_bound;
    for (;;) {
        uint32_t r = arc4random();
        if (r >= min)
            return r % upper_bound;
    }
}

// ---------------------------------------------------------------- names of errors and signals

/// Returns the name of errno value `errnum` ("EINVAL"), or null if it has
/// none.
UK_GLIBC_EXPORT const char* strerrorname_np(int errnum) {
    return errno_name(errnum);
}

/// Returns the description of errno value `errnum` (strerror's text), or
/// null if it has no name.
UK_GLIBC_EXPORT const char* strerrordesc_np(int errnum) {
    return errno_name(errnum) ? strerror(errnum) : nullptr;
}

/// Returns the abbreviation of signal `sig` ("INT" for SIGINT), or null.
UK_GLIBC_EXPORT const char* sigabbrev_np(int sig) {
    return signal_name(sig);
}

/// Returns the description of signal `sig` (strsignal's text), or null if
/// it has no abbreviation.
UK_GLIBC_EXPORT const char* sigdescr_np(int sig) {
    return signal_name(sig) ? strsignal(sig) : nullptr;
}

// ---------------------------------------------------------------- header-emitted helpers

/// Returns the address of a pointer to the C locale's toupper table,
/// indexable from -128 to 255, as glibc's inline toupper() expects. Weak:
/// it takes the place of musl's archive member of the same name, whose table
/// differs from glibc's outside ASCII, and yields to it if that member is
/// linked anyway, so the two never clash.
UK_GLIBC_EXPORT __attribute__((weak)) const int32_t** __ctype_toupper_loc(void) {
    return &g_toupper;
}

/// Returns the address of a pointer to the C locale's tolower table,
/// indexable from -128 to 255; weak, like __ctype_toupper_loc.
UK_GLIBC_EXPORT __attribute__((weak)) const int32_t** __ctype_tolower_loc(void) {
    return &g_tolower;
}

/// Returns the major number of device `dev` (glibc's encoding).
UK_GLIBC_EXPORT unsigned int gnu_dev_major(dev_t dev) {
    return static_cast<unsigned int>(((dev >> 8) & 0xfff) | ((dev >> 32) & ~0xfffU));
}

/// Returns the minor number of device `dev` (glibc's encoding).
UK_GLIBC_EXPORT unsigned int gnu_dev_minor(dev_t dev) {
    return static_cast<unsigned int>((dev & 0xff) | ((dev >> 12) & ~0xffU));
}

/// Returns the device number made of `major` and `minor`.
UK_GLIBC_EXPORT dev_t gnu_dev_makedev(unsigned int major, unsigned int minor) {
    return ((static_cast<dev_t>(major) & 0xfff) << 8) |
           ((static_cast<dev_t>(major) & ~0xfffULL) << 32) | (static_cast<dev_t>(minor) & 0xff) |
           ((static_cast<dev_t>(minor) & ~0xffULL) << 12);
}

/// The out-of-line CMSG_NXTHDR of glibc's headers: returns the control
/// message after `cmsg` in `mhdr`'s buffer, or null when there is none.
UK_GLIBC_EXPORT void* __cmsg_nxthdr(void* mhdr, void* cmsg) {
    auto* msg = static_cast<GlibcMsghdr*>(mhdr);
    auto* cur = static_cast<GlibcCmsghdr*>(cmsg);
    if (cur->cmsg_len < sizeof(GlibcCmsghdr))
        return nullptr;
    auto* next = reinterpret_cast<unsigned char*>(cur) + cmsg_align(cur->cmsg_len);
    auto* limit = static_cast<unsigned char*>(msg->msg_control) + msg->msg_controllen;
    if (next + sizeof(GlibcCmsghdr) > limit ||
        next + cmsg_align(reinterpret_cast<GlibcCmsghdr*>(next)->cmsg_len) > limit)
        return nullptr;
    return next;
}

/// CPU_ALLOC: allocates a CPU set able to hold `count` CPUs (not cleared);
/// null when out of memory.
UK_GLIBC_EXPORT cpu_set_t* __sched_cpualloc(size_t count) {
    size_t bits = 8 * sizeof(unsigned long);
    return static_cast<cpu_set_t*>(malloc((count + bits - 1) / bits * sizeof(unsigned long)));
}

/// CPU_FREE: releases a set from __sched_cpualloc.
UK_GLIBC_EXPORT void __sched_cpufree(cpu_set_t* set) {
    free(set);
}

/// The name glibc's <resolv.h> gives res_init(). Returns 0 or -1.
UK_GLIBC_EXPORT int __res_init(void) {
    return res_init();
}

/// fcntl under _FILE_OFFSET_BITS=64 (glibc 2.28 headers): the same call.
UK_GLIBC_EXPORT int fcntl64(int fd, int cmd, ...) {
    va_list ap;
    va_start(ap, cmd);
    unsigned long arg = va_arg(ap, unsigned long);
    va_end(ap);
    return fcntl(fd, cmd, arg);
}

/// sysconf(3) with glibc's names as well as musl's (the two share their
/// numbers up to _SC_THREAD_ROBUST_PRIO_PROTECT). glibc 2.34 added
/// _SC_MINSIGSTKSZ and _SC_SIGSTKSZ, which its SIGSTKSZ and MINSIGSTKSZ
/// macros call; they answer as glibc does, from AT_MINSIGSTKSZ. Every other
/// name is musl's sysconf (renamed __uk_musl_sysconf in the image's libc.a).
/// Returns -1 with errno EINVAL for an unknown name.
UK_GLIBC_EXPORT long sysconf(int name) {
    constexpr int sc_minsigstksz = 249, sc_sigstksz = 250;
    if (name == sc_minsigstksz || name == sc_sigstksz) {
        unsigned long min = getauxval(AT_MINSIGSTKSZ);
        if (min < MINSIGSTKSZ)
            min = MINSIGSTKSZ;
        if (name == sc_minsigstksz)
            return long(min);
        return long(4 * min > SIGSTKSZ ? 4 * min : SIGSTKSZ);
    }
    return __uk_musl_sysconf(name);
}

/// sysconf under the name glibc's headers call it by (PTHREAD_STACK_MIN
/// expands to `__sysconf(_SC_THREAD_STACK_MIN)` in glibc 2.34 and later).
UK_GLIBC_EXPORT long __sysconf(int name) {
    return sysconf(name);
}

// ---------------------------------------------------------------- calls musl 1.2.3 lacks

/// close_range(2) (glibc 2.34): closes, or with CLOSE_RANGE_CLOEXEC marks
/// close-on-exec, the fds from `first` to `last`. Returns 0, or -1 with
/// errno EINVAL for unknown flags or `first` > `last`.
UK_GLIBC_EXPORT int close_range(unsigned int first, unsigned int last, int flags) {
    // syscall() reads every argument as a long: widen them here.
    return static_cast<int>(syscall(SYS_close_range, long(first), long(last), long(flags)));
}

/// preadv2(2): preadv at `offset` (-1: the file position) with RWF_ flags.
/// Returns the bytes read, or -1 with errno as the system call sets it.
UK_GLIBC_EXPORT ssize_t preadv2(int fd, const struct iovec* iov, int count, off_t offset,
                                int flags) {
    return syscall(SYS_preadv2, long(fd), iov, long(count), long(offset), 0L, long(flags));
}

/// pwritev2(2): pwritev at `offset` (-1: the file position) with RWF_
/// flags. Returns the bytes written, or -1 with errno as the call sets it.
UK_GLIBC_EXPORT ssize_t pwritev2(int fd, const struct iovec* iov, int count, off_t offset,
                                 int flags) {
    return syscall(SYS_pwritev2, long(fd), iov, long(count), long(offset), 0L, long(flags));
}

/// preadv2 under _FILE_OFFSET_BITS=64: the same call.
UK_GLIBC_EXPORT ssize_t preadv64v2(int fd, const struct iovec* iov, int count, off_t offset,
                                   int flags) {
    return preadv2(fd, iov, count, offset, flags);
}

/// pwritev2 under _FILE_OFFSET_BITS=64: the same call.
UK_GLIBC_EXPORT ssize_t pwritev64v2(int fd, const struct iovec* iov, int count, off_t offset,
                                    int flags) {
    return pwritev2(fd, iov, count, offset, flags);
}

// ---------------------------------------------------------------- GNU string and file extensions

/// Returns a pointer to the first byte `c` at or after `s`, which must
/// exist.
UK_GLIBC_EXPORT void* rawmemchr(const void* s, int c) {
    if (static_cast<unsigned char>(c) == 0)
        return const_cast<char*>(static_cast<const char*>(s)) + strlen(static_cast<const char*>(s));
    return const_cast<void*>(memchr(s, c, SIZE_MAX));
}

/// Copies `n` wide characters and returns a pointer just past the copy.
UK_GLIBC_EXPORT wchar_t* wmempcpy(wchar_t* dst, const wchar_t* src, size_t n) {
    return wmemcpy(dst, src, n) + n;
}

/// Stores the working directory in `buf` (PATH_MAX bytes) and returns it;
/// on failure stores the error's text there and returns null.
UK_GLIBC_EXPORT char* getwd(char* buf) {
    if (getcwd(buf, PATH_MAX))
        return buf;
    strncpy(buf, strerror(errno), PATH_MAX - 1);
    buf[PATH_MAX - 1] = '\0';
    return nullptr;
}

/// Returns the canonical absolute name of `path` in new memory, or null
/// with errno set.
UK_GLIBC_EXPORT char* canonicalize_file_name(const char* path) {
    return realpath(path, nullptr);
}

/// Registers `fn(status, arg)` to run at exit, like atexit(). musl's exit()
/// does not pass its status on, so `fn` sees 0. Returns 0, or -1 when out
/// of memory.
UK_GLIBC_EXPORT int on_exit(void (*fn)(int, void*), void* arg) {
    auto* record = static_cast<OnExitRecord*>(malloc(sizeof(OnExitRecord)));
    if (!record)
        return -1;
    record->fn = fn;
    record->arg = arg;
    if (__cxa_atexit(run_on_exit, record, nullptr) != 0) {
        free(record);
        return -1;
    }
    return 0;
}

// ---------------------------------------------------------------- C23 (glibc 2.38 headers)

/// strtol with C23's "0b" binary prefix for base 0 and 2.
UK_GLIBC_EXPORT long __isoc23_strtol(const char* s, char** end, int base) {
    return c23_strto<long, char, strtol, true, LONG_MAX>(s, end, base);
}

/// strtoul with C23's "0b" binary prefix for base 0 and 2.
UK_GLIBC_EXPORT unsigned long __isoc23_strtoul(const char* s, char** end, int base) {
    return c23_strto<unsigned long, char, strtoul, false, ULONG_MAX>(s, end, base);
}

/// strtoll with C23's "0b" binary prefix for base 0 and 2.
UK_GLIBC_EXPORT long long __isoc23_strtoll(const char* s, char** end, int base) {
    return c23_strto<long long, char, strtoll, true, LLONG_MAX>(s, end, base);
}

/// strtoull with C23's "0b" binary prefix for base 0 and 2.
UK_GLIBC_EXPORT unsigned long long __isoc23_strtoull(const char* s, char** end, int base) {
    return c23_strto<unsigned long long, char, strtoull, false, ULLONG_MAX>(s, end, base);
}

/// strtoimax with C23's "0b" binary prefix for base 0 and 2.
UK_GLIBC_EXPORT intmax_t __isoc23_strtoimax(const char* s, char** end, int base) {
    return c23_strto<long long, char, strtoll, true, LLONG_MAX>(s, end, base);
}

/// strtoumax with C23's "0b" binary prefix for base 0 and 2.
UK_GLIBC_EXPORT uintmax_t __isoc23_strtoumax(const char* s, char** end, int base) {
    return c23_strto<unsigned long long, char, strtoull, false, ULLONG_MAX>(s, end, base);
}

/// wcstol with C23's "0b" binary prefix for base 0 and 2.
UK_GLIBC_EXPORT long __isoc23_wcstol(const wchar_t* s, wchar_t** end, int base) {
    return c23_strto<long, wchar_t, wcstol, true, LONG_MAX>(s, end, base);
}

/// wcstoul with C23's "0b" binary prefix for base 0 and 2.
UK_GLIBC_EXPORT unsigned long __isoc23_wcstoul(const wchar_t* s, wchar_t** end, int base) {
    return c23_strto<unsigned long, wchar_t, wcstoul, false, ULONG_MAX>(s, end, base);
}

/// wcstoll with C23's "0b" binary prefix for base 0 and 2.
UK_GLIBC_EXPORT long long __isoc23_wcstoll(const wchar_t* s, wchar_t** end, int base) {
    return c23_strto<long long, wchar_t, wcstoll, true, LLONG_MAX>(s, end, base);
}

/// wcstoull with C23's "0b" binary prefix for base 0 and 2.
UK_GLIBC_EXPORT unsigned long long __isoc23_wcstoull(const wchar_t* s, wchar_t** end, int base) {
    return c23_strto<unsigned long long, wchar_t, wcstoull, false, ULLONG_MAX>(s, end, base);
}

/// wcstoimax with C23's "0b" binary prefix for base 0 and 2.
UK_GLIBC_EXPORT intmax_t __isoc23_wcstoimax(const wchar_t* s, wchar_t** end, int base) {
    return c23_strto<long long, wchar_t, wcstoll, true, LLONG_MAX>(s, end, base);
}

/// wcstoumax with C23's "0b" binary prefix for base 0 and 2.
UK_GLIBC_EXPORT uintmax_t __isoc23_wcstoumax(const wchar_t* s, wchar_t** end, int base) {
    return c23_strto<unsigned long long, wchar_t, wcstoull, false, ULLONG_MAX>(s, end, base);
}

// The C23 scanf names (glibc 2.38 headers). C23 adds %b and binary input to
// %i; musl's scanf reads both the C17 way, which differs only for "0b"
// input.

/// vfscanf under its C23 name. Returns the number of items assigned or EOF.
UK_GLIBC_EXPORT int __isoc23_vfscanf(FILE* fp, const char* fmt, va_list ap) {
    return vfscanf(fp, fmt, ap);
}

/// vscanf under its C23 name. Returns the number of items assigned or EOF.
UK_GLIBC_EXPORT int __isoc23_vscanf(const char* fmt, va_list ap) {
    return vscanf(fmt, ap);
}

/// vsscanf under its C23 name. Returns the number of items assigned or EOF.
UK_GLIBC_EXPORT int __isoc23_vsscanf(const char* s, const char* fmt, va_list ap) {
    return vsscanf(s, fmt, ap);
}

/// fscanf under its C23 name. Returns the number of items assigned or EOF.
UK_GLIBC_EXPORT int __isoc23_fscanf(FILE* fp, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vfscanf(fp, fmt, ap);
    va_end(ap);
    return n;
}

/// scanf under its C23 name. Returns the number of items assigned or EOF.
UK_GLIBC_EXPORT int __isoc23_scanf(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vscanf(fmt, ap);
    va_end(ap);
    return n;
}

/// sscanf under its C23 name. Returns the number of items assigned or EOF.
UK_GLIBC_EXPORT int __isoc23_sscanf(const char* s, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsscanf(s, fmt, ap);
    va_end(ap);
    return n;
}

/// vfwscanf under its C23 name. Returns the number of items assigned or WEOF.
UK_GLIBC_EXPORT int __isoc23_vfwscanf(FILE* fp, const wchar_t* fmt, va_list ap) {
    return vfwscanf(fp, fmt, ap);
}

/// vwscanf under its C23 name. Returns the number of items assigned or WEOF.
UK_GLIBC_EXPORT int __isoc23_vwscanf(const wchar_t* fmt, va_list ap) {
    return vwscanf(fmt, ap);
}

/// vswscanf under its C23 name. Returns the number of items assigned or WEOF.
UK_GLIBC_EXPORT int __isoc23_vswscanf(const wchar_t* s, const wchar_t* fmt, va_list ap) {
    return vswscanf(s, fmt, ap);
}

/// fwscanf under its C23 name. Returns the number of items assigned or WEOF.
UK_GLIBC_EXPORT int __isoc23_fwscanf(FILE* fp, const wchar_t* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vfwscanf(fp, fmt, ap);
    va_end(ap);
    return n;
}

/// wscanf under its C23 name. Returns the number of items assigned or WEOF.
UK_GLIBC_EXPORT int __isoc23_wscanf(const wchar_t* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vwscanf(fmt, ap);
    va_end(ap);
    return n;
}

/// swscanf under its C23 name. Returns the number of items assigned or WEOF.
UK_GLIBC_EXPORT int __isoc23_swscanf(const wchar_t* s, const wchar_t* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vswscanf(s, fmt, ap);
    va_end(ap);
    return n;
}

// ---------------------------------------------------------------- execinfo.h

/// backtrace(3). glibc walks the caller's frames with the unwind tables;
/// this glue has none of its own (the kernel is built without them), so the
/// unwinder cannot step from here into the app's frames. What is known for
/// certain is the caller's own return address: that one frame is stored,
/// so the answer is 1 (0 when size is not positive), a count no greater
/// than size, as the manual promises.
UK_GLIBC_EXPORT __attribute__((noinline)) int backtrace(void** buffer, int size) {
    if (size <= 0)
        return 0;
    buffer[0] = __builtin_return_address(0);
    return 1;
}

/// backtrace_symbols(3): one malloc'd block holding the pointers and the
/// strings, freed by one free(); NULL with errno ENOMEM when it cannot be had.
UK_GLIBC_EXPORT char** backtrace_symbols(void* const* buffer, int size) {
    if (size < 0)
        size = 0;
    size_t text = 0;
    for (int i = 0; i < size; i++)
        text += size_t(backtrace_line(nullptr, 0, buffer[i])) + 1;
    size_t ptrs = sizeof(char*) * size_t(size);
    auto* out = static_cast<char**>(malloc(ptrs + text + 1));
    if (!out)
        return nullptr;
    char* p = reinterpret_cast<char*>(out) + ptrs;
    char* end = p + text + 1;
    for (int i = 0; i < size; i++) {
        out[i] = p;
        p += backtrace_line(p, size_t(end - p), buffer[i]) + 1;
    }
    return out;
}

/// backtrace_symbols_fd(3): the same lines, each ended by a newline,
/// written to fd without allocating.
UK_GLIBC_EXPORT void backtrace_symbols_fd(void* const* buffer, int size, int fd) {
    for (int i = 0; i < size; i++) {
        char line[256];
        int n = backtrace_line(line, sizeof line - 1, buffer[i]);
        if (n < 0)
            continue;
        size_t len = size_t(n) < sizeof line - 1 ? size_t(n) : sizeof line - 2;
        line[len++] = '\n';
        if (write(fd, line, len) < 0)
            return;
    }
}

} // extern "C"

namespace {

// The shared tail of error() and error_at_line(); stderr is locked on entry
// and unlocked here.
void error_tail(int status, int errnum, const char* fmt, va_list ap) {
    vfprintf(stderr, fmt, ap);
    ++error_message_count;
    if (errnum)
        fprintf(stderr, ": %s", strerror(errnum));
    putc('\n', stderr);
    fflush(stderr);
    funlockfile(stderr);
    if (status)
        exit(status);
}

} // namespace
