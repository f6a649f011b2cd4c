// The app starts the way a static Linux program does: on a stack holding
// argc, argv, envp and an auxiliary vector, entering libc's start routine.
#include <uk/console.h>
#include <uk/exit.h>

#include "arch/x86_64/cpu.h"
#include "boot/boot.h"
#include "lib/panic.h"
#include "mm/mm.h"

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

constexpr size_t page = 4096;
constexpr size_t default_stack = 1024 * 1024;
constexpr size_t min_stack = 64 * 1024;

// A stack the size Linux programs can count on within reason, without
// taking more than a quarter of what is free on a small VM.
size_t pick_stack_size() {
    if (g_params.stack_size)
        return (g_params.stack_size + page - 1) & ~(page - 1);
    size_t quarter = mm::free_page_count() / 4 * page;
    size_t s = quarter < default_stack ? quarter : default_stack;
    return s < min_stack ? min_stack : s;
}

size_t cstrlen(const char* s) {
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

// Copies strings downward from the top of the new stack.
struct StackBuilder {
    char* top;
    // The app's strings stop above it: past it, copy_str() sets `full`.
    char* floor;
    bool full;
    char* copy(const char* s, size_t n) {
        top -= n;
        __builtin_memcpy(top, s, n);
        return top;
    }
    char* copy_str(const char* s) {
        size_t n = cstrlen(s) + 1;
        if (size_t(top - floor) < n) {
            full = true;
            return top;
        }
        return copy(s, n);
    }
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
              need, size, (need * 4 + page - 1) & ~(page - 1));
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

} // namespace

void start_app(const char* argv0, const char* const* args, size_t nargs, const char* const* env,
               size_t nenv) {
    mark(Stage::app_start);
    size_t size = pick_stack_size();
    // A stack need not start zeroed: nothing reads below %rsp before writing.
    // At the top of RAM (free at boot, and a search-free allocation).
    auto* base = static_cast<char*>(mm::take_top_pages(size / page));
    if (!base)
        base = static_cast<char*>(mm::alloc_pages(size / page, 1, mm::Fill::any));
    if (!base)
        panic_status(UK_EXIT_PANIC, "no memory for the main thread's stack");

    size_t argc = 1 + nargs;
    size_t words = 1 + argc + 1 + nenv + 1 + 2 * nauxv;
    // What goes on the stack may take a quarter of it, as with Linux: the
    // app's strings stop above room for the rest (the platform name,
    // AT_RANDOM's bytes, two 16-byte alignments and the vectors).
    size_t rest = sizeof("x86_64") + 16 + 2 * 16 + words * sizeof(uint64_t);
    if (rest > size / 4)
        too_big(size, argv0, args, nargs, env, nenv);
    StackBuilder sb{base + size, base + size - size / 4 + rest, false};
    // Strings first: argv, envp, the platform name and AT_RANDOM's bytes.
    char* execfn = sb.copy_str(argv0);
    for (size_t i = 0; i < nargs; i++)
        sb.copy_str(args[i]);
    for (size_t i = 0; i < nenv; i++)
        sb.copy_str(env[i]);
    if (sb.full)
        too_big(size, argv0, args, nargs, env, nenv);
    const char* last_string = sb.top;
    char* platform = sb.copy("x86_64", sizeof("x86_64"));
    uint8_t rnd[16];
    random_bytes(rnd);
    sb.top = reinterpret_cast<char*>(reinterpret_cast<uintptr_t>(sb.top) & ~uintptr_t(15));
    char* random = sb.copy(reinterpret_cast<const char*>(rnd), 16);

    const auto* eh = reinterpret_cast<const Elf64Ehdr*>(__ehdr_start);
    const uint64_t auxv[nauxv][2] = {
        {at_phdr, reinterpret_cast<uint64_t>(__ehdr_start) + eh->phoff},
        {at_phent, eh->phentsize},
        {at_phnum, eh->phnum},
        {at_pagesz, page},
        {at_base, 0},
        {at_flags, 0},
        {at_entry, reinterpret_cast<uint64_t>(_uk_pvh_entry)},
        {at_uid, 0},
        {at_euid, 0},
        {at_gid, 0},
        {at_egid, 0},
        {at_platform, reinterpret_cast<uint64_t>(platform)},
        {at_hwcap, arch::g_cpu.hwcap},
        {at_clktck, 100},
        {at_secure, 0},
        {at_random, reinterpret_cast<uint64_t>(random)},
        {at_hwcap2, 0},
        {at_execfn, reinterpret_cast<uint64_t>(execfn)},
        {at_minsigstksz, 2048},
        {at_null, 0},
    };

    // argc, argv[], NULL, envp[], NULL, auxv pairs; argc must land on a
    // 16-byte boundary.
    auto* sp = reinterpret_cast<uint64_t*>(reinterpret_cast<uintptr_t>(sb.top) & ~uintptr_t(15));
    sp -= words;
    sp = reinterpret_cast<uint64_t*>(reinterpret_cast<uintptr_t>(sp) & ~uintptr_t(15));
    uint64_t* w = sp;
    *w++ = argc;
    // The strings copied above lie in reverse order upward from the last
    // one to the top of the stack: envp from its end, then argv from its end.
    uint64_t* v = w + argc + 1 + nenv;
    for (const char* s = last_string; s != base + size; s += cstrlen(s) + 1) {
        if (--v == w + argc)
            --v;
        *v = reinterpret_cast<uint64_t>(s);
    }
    w[argc] = 0;
    w[argc + 1 + nenv] = 0;
    w += argc + 1 + nenv + 1;
    for (size_t i = 0; i < nauxv; i++) {
        *w++ = auxv[i][0];
        *w++ = auxv[i][1];
    }

    // Switch to the new stack and never come back: the boot stack is
    // abandoned. A zero %rbp ends frame-pointer backtraces here.
    register uint64_t r8 asm("r8") = 0;
    register uint64_t r9 asm("r9") = 0;
    // The app runs with interrupts on: the kernel turns them off on each
    // entry and the timer can preempt app code.
    asm volatile("mov %0, %%rsp\n\t"
                 "xor %%ebp, %%ebp\n\t"
                 "sti\n\t"
                 "call __libc_start_main\n\t"
                 "ud2"
                 :
                 : "r"(sp), "D"(uk_main_trampoline), "S"(argc), "d"(sp + 1), "c"(0), "r"(r8),
                   "r"(r9)
                 : "memory");
    __builtin_unreachable();
}

} // namespace uk::boot
