// The app starts the way a static Linux program does: on a stack holding
// argc, argv, envp and an auxiliary vector, entering libc's start routine.
#include <uk/console.h>
#include <uk/exit.h>

#include "arch/x86_64/cpu.h"
#include "boot/boot.h"
#include "lib/panic.h"
#include "mm/user.h"
#include "mm/uvm.h"
#include "sched/sched.h"

extern "C" {
extern const char __ehdr_start[];
extern char _uk_pvh_entry[];
int __libc_start_main(int (*main)(int, char**, char**), int argc, char** argv, void (*init)(),
                      void (*fini)(), void (*ldso)());
int uk_main_trampoline(int argc, char** argv, char** envp);
}

namespace uk::boot {

namespace {

struct Elf64Ehdr {
    unsigned char ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
static_assert(sizeof(Elf64Ehdr) == 64, "fixed by the ELF64 format");

enum : uint64_t {
    at_null = 0,
    at_phdr = 3,
    at_phent = 4,
    at_phnum = 5,
    at_pagesz = 6,
    at_base = 7,
    at_flags = 8,
    at_entry = 9,
    at_uid = 11,
    at_euid = 12,
    at_gid = 13,
    at_egid = 14,
    at_platform = 15,
    at_hwcap = 16,
    at_clktck = 17,
    at_secure = 23,
    at_random = 25,
    at_hwcap2 = 26,
    at_execfn = 31,
    at_minsigstksz = 51,
};

size_t cstrlen(const char* s) {
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

// The main thread's stack, filled downward from its top through the checked
// copy path (the pages appear as the stack range is touched).
struct UserStack {
    uintptr_t sp;
    bool ok = true;
    void put(uintptr_t at, const void* p, size_t n) { ok = ok && !mm::copy_to_user(at, p, n); }
    void put_word(uintptr_t at, uint64_t v) { put(at, &v, 8); }
};

// The auxiliary vector's entries, AT_NULL included.
constexpr size_t nauxv = 20;

// Stops the boot: what start_app would put on the initial stack takes more
// than a quarter of it (Linux's execve refuses arguments and environment
// beyond a quarter of the stack limit: past that the app has little stack
// left, and past the whole stack the strings would overwrite memory).
[[noreturn]] void too_big(size_t size, const char* argv0, const char* const* args, size_t nargs,
                          const char* const* env, size_t nenv) {
    size_t need = cstrlen(argv0) + 1;
    for (size_t i = 0; i < nargs; i++)
        need += cstrlen(args[i]) + 1;
    for (size_t i = 0; i < nenv; i++)
        need += cstrlen(env[i]) + 1;
    // The platform name, AT_RANDOM's bytes and two 16-byte alignments, then
    // argc, argv, envp and the auxiliary vector.
    need += sizeof("x86_64") + 16 + 2 * 16;
    need += (1 + (1 + nargs) + 1 + nenv + 1 + 2 * nauxv) * sizeof(uint64_t);
    uk_printk("uk: boot error: the app's arguments and environment take %lu bytes, more than a "
              "quarter of the %lu-byte main stack: raise uk.stack_size to at least %lu\n",
              need, size, (need * 4 + mm::page_size - 1) & ~(mm::page_size - 1));
    panic_status(UK_EXIT_PANIC, "cannot start the app");
}

void random_bytes(uint8_t out[16]) {
    uint64_t v[2];
    for (auto& w : v) {
        if (!arch::rdrand64(&w)) {
            // No RDRAND: mix the TSC, which differs from boot to boot.
            uint64_t x = arch::rdtsc() ^ (reinterpret_cast<uintptr_t>(&w) << 17);
            x ^= x >> 33;
            x *= 0xff51afd7ed558ccdULL;
            x ^= x >> 33;
            x *= 0xc4ceb9fe1a85ec53ULL;
            x ^= x >> 33;
            w = x;
        }
    }
    __builtin_memcpy(out, v, 16);
}

constinit AppInfo g_app{};

// The name Linux gives a process: the last part of the file it runs, cut to
// 15 bytes.
void set_comm(const char* argv0) {
    const char* base = argv0;
    for (const char* p = argv0; *p; p++)
        if (*p == '/' && p[1])
            base = p + 1;
    char* comm = sched::current()->comm;
    size_t i = 0;
    for (; i + 1 < sizeof(sched::Thread::comm) && base[i] && base[i] != '/'; i++)
        comm[i] = base[i];
    comm[i] = '\0';
}

} // namespace

const AppInfo& app_info() {
    return g_app;
}

void start_app(const char* argv0, const char* const* args, size_t nargs, const char* const* env,
               size_t nenv) {
    mark(Stage::app_start);
    const size_t argc = 1 + nargs;
    // The strings at the top: argv's, then envp's, in order.
    auto string_at = [&](size_t i) -> const char* {
        return i == 0 ? argv0 : i < argc ? args[i - 1] : env[i - argc];
    };
    const size_t nstrings = argc + nenv;
    size_t strings = 0;
    for (size_t i = 0; i < nstrings; i++)
        strings += cstrlen(string_at(i)) + 1;
    const uintptr_t top = mm::uvm::main_stack().top;
    const size_t stack_size = top - mm::uvm::main_stack().lo;
    // What goes on the stack may take a quarter of it, as with Linux: the
    // strings, the platform name, AT_RANDOM's bytes, two 16-byte alignments
    // and the vectors.
    const size_t words = 1 + argc + 1 + nenv + 1 + 2 * nauxv;
    if (strings + sizeof("x86_64") + 16 + 2 * 16 + words * sizeof(uint64_t) > stack_size / 4)
        too_big(stack_size, argv0, args, nargs, env, nenv);
    UserStack s{(top - strings) & ~uintptr_t(15)};
    const uintptr_t strings_at = s.sp;
    for (size_t i = 0, off = 0; i < nstrings; i++) {
        const char* str = string_at(i);
        size_t n = cstrlen(str) + 1;
        s.put(strings_at + off, str, n);
        off += n;
    }
    static const char platform_name[] = "x86_64";
    s.sp -= sizeof(platform_name);
    const uintptr_t platform = s.sp;
    s.put(platform, platform_name, sizeof(platform_name));
    uint8_t rnd[16];
    random_bytes(rnd);
    s.sp = (s.sp - 16) & ~uintptr_t(15);
    const uintptr_t random = s.sp;
    s.put(random, rnd, 16);

    const auto* eh = reinterpret_cast<const Elf64Ehdr*>(__ehdr_start);
    const uint64_t auxv[nauxv][2] = {
        {at_phdr, reinterpret_cast<uint64_t>(__ehdr_start) + eh->phoff},
        {at_phent, eh->phentsize},
        {at_phnum, eh->phnum},
        {at_pagesz, 4096},
        {at_base, 0},
        {at_flags, 0},
        {at_entry, reinterpret_cast<uint64_t>(_uk_pvh_entry)},
        {at_uid, 0},
        {at_euid, 0},
        {at_gid, 0},
        {at_egid, 0},
        {at_platform, platform},
        {at_hwcap, arch::g_cpu.hwcap},
        {at_clktck, 100},
        {at_secure, 0},
        {at_random, random},
        {at_hwcap2, 0},
        {at_execfn, strings_at},
        {at_minsigstksz, 2048},
        {at_null, 0},
    };

    // argc, argv[], NULL, envp[], NULL, auxv pairs; argc must land on a
    // 16-byte boundary.
    const uintptr_t sp = (s.sp - words * 8) & ~uintptr_t(15);
    uintptr_t w = sp;
    s.put_word(w, argc);
    w += 8;
    for (size_t i = 0, off = 0; i < nstrings; i++) {
        s.put_word(w, strings_at + off);
        w += 8;
        off += cstrlen(string_at(i)) + 1;
        if (i == argc - 1) {
            s.put_word(w, 0); // argv's end
            w += 8;
        }
    }
    s.put_word(w, 0); // envp's end
    w += 8;
    s.put(w, auxv, sizeof(auxv));
    if (!s.ok)
        panic_status(UK_EXIT_PANIC, "no memory for the main thread's stack");

    static_assert(sizeof(auxv) <= sizeof(g_app.auxv), "AppInfo holds the whole vector");
    g_app.argv0 = argv0;
    g_app.arg_start = strings_at;
    g_app.env_start = strings_at;
    for (size_t i = 0; i < argc; i++)
        g_app.env_start += cstrlen(string_at(i)) + 1;
    g_app.arg_end = g_app.env_start;
    g_app.env_end = strings_at + strings;
    g_app.start_stack = sp;
    g_app.start_tsc = arch::rdtsc();
    __builtin_memcpy(g_app.auxv, auxv, sizeof(auxv));
    g_app.auxv_words = sizeof(auxv) / sizeof(uint64_t);
    set_comm(argv0);

    // Switch to the new stack and never come back: the boot stack is
    // abandoned. A zero %rbp ends frame-pointer backtraces here.
    register uint64_t r8 asm("r8") = 0;
    register uint64_t r9 asm("r9") = 0;
    // The app runs with interrupts on: the kernel turns them off on each
    // entry and the timer can preempt app code. From here the thread is
    // out of the kernel.
    uk_kernel_depth = 0;
    asm volatile("mov %0, %%rsp\n\t"
                 "xor %%ebp, %%ebp\n\t"
                 "sti\n\t"
                 "call __libc_start_main\n\t"
                 "ud2"
                 :
                 : "r"(sp), "D"(uk_main_trampoline), "S"(argc), "d"(sp + 8), "c"(0), "r"(r8),
                   "r"(r9)
                 : "memory");
    __builtin_unreachable();
}

} // namespace uk::boot
