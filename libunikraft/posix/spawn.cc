// A unikernel runs one program: fork, vfork, execve, execveat and a clone
// that is not a thread cannot be done. They fail with ENOSYS, which Linux
// gives where its kernel cannot make processes, and so do posix_spawn,
// system and popen, which musl builds on clone. Programs configured on a
// host (autotools, CMake) may still take such a path; the kernel says once
// per call which call it was and where the program made it, so the reason
// a program misbehaves is on the console, not guessed at.
#include "posix/spawn.h"

#include <uk/console.h>

#include "arch/x86_64/trap.h"
#include "lib/errno.h"
#include "lib/symtab.h"
#include "mm/image.h"
#include "mm/user.h"
#include "posix/syscall.h"

extern "C" {
extern const char __uk_symtab_start[];
extern const char __uk_symtab_end[];
// The direct entries (posix/syscall.h, arch/x86_64/syscall_entry.S).
extern const char uk_syscall6[], uk_syscall_nr_56[], uk_syscall_nr_57[], uk_syscall_nr_58[],
    uk_syscall_nr_59[], uk_syscall_nr_322[];
}

namespace uk::posix {

namespace {

// The C library's functions that start processes, as the program calls
// them, and the ones they are built on (which name nothing themselves).
struct Known {
    const char* name;
    bool names_call;
};
constexpr Known known[] = {
    {"system", true},          {"popen", true},         {"posix_spawn", true},
    {"posix_spawnp", true},    {"fork", true},          {"vfork", true},
    {"execv", true},           {"execvp", true},        {"execvpe", true},
    {"execl", true},           {"execlp", true},        {"execle", true},
    {"fexecve", true},         {"execve", true},        {"execveat", true},
    {"_Fork", false},          {"__execvpe", false},    {"__clone", false},
    {"clone", false},          {"syscall", false},      {"__syscall_cp_asm", false},
    {"__syscall_cp_c", false}, {"__syscall_cp", false},
};
constexpr size_t known_count = sizeof(known) / sizeof(known[0]);

// Which calls were reported: one bit per entry of `known`, and one for each
// system call reached some other way.
constinit uint64_t g_reported = 0;
constexpr uint64_t bit_fork = uint64_t(1) << 60, bit_vfork = uint64_t(1) << 61,
                   bit_exec = uint64_t(1) << 62, bit_clone = uint64_t(1) << 63;
static_assert(known_count < 60);

bool same(const char* a, const char* b) {
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

bool in_app_text(uintptr_t addr) {
    return addr >= reinterpret_cast<uintptr_t>(__uk_app_start) &&
           addr < reinterpret_cast<uintptr_t>(__uk_app_text_end);
}

// The direct entry the C library calls for system call `nr` by its
// number; uk_syscall6 takes any number.
uintptr_t direct_entry(long nr) {
    const char* entry = nr == 56   ? uk_syscall_nr_56
                        : nr == 57 ? uk_syscall_nr_57
                        : nr == 58 ? uk_syscall_nr_58
                        : nr == 59 ? uk_syscall_nr_59
                                   : uk_syscall_nr_322;
    return reinterpret_cast<uintptr_t>(entry);
}

// The function containing `addr`, from the image's symbol table.
const char* function_of(uintptr_t addr, uint64_t* offset) {
    return symtab_lookup(__uk_symtab_start, size_t(__uk_symtab_end - __uk_symtab_start), addr,
                         offset);
}

bool is_known(const char* name) {
    for (const Known& k : known)
        if (same(k.name, name))
            return true;
    return false;
}

// If `ret` is an address in the app's code right after a direct call
// (e8 rel32), the call's target; else 0.
uintptr_t call_target(uintptr_t ret) {
    if (!in_app_text(ret) || ret < 8)
        return 0;
    uint64_t w;
    if (!mm::read_word_nofault(ret - 8, &w) || uint8_t(w >> 24) != 0xe8)
        return 0;
    return ret + uintptr_t(int64_t(int32_t(uint32_t(w >> 32))));
}

struct Site {
    const char* name;
    uint64_t offset;
};

// The functions of the app's call chain at this system call, innermost
// first, at most `cap`. The C library is built without frame pointers, so
// the app's stack is scanned for return addresses; one counts only if its
// call goes to the function found before it (or, as a tail call may have
// left, to another of the C library's process functions), which skips
// the stale words a stack is full of (posix_spawn's child stack among them).
size_t call_chain(long nr, Site* out, size_t cap) {
    size_t n = 0;
    uintptr_t prev_start = 0; // 0: the first call, into the kernel's entry
    auto add = [&](uintptr_t addr) {
        uint64_t off = 0;
        const char* name = function_of(addr, &off);
        if (!name || n == cap)
            return false;
        out[n++] = {name, off};
        prev_start = addr - off;
        return true;
    };
    auto follows = [&](uintptr_t ret) {
        const uintptr_t target = call_target(ret);
        if (!target)
            return false;
        // Below the live call into the kernel lie the kernel's own frames,
        // with stale words of earlier calls: only a call to this system
        // call's entry starts the chain.
        if (prev_start == 0)
            return target == direct_entry(nr) || target == reinterpret_cast<uintptr_t>(uk_syscall6);
        if (target == prev_start)
            return true;
        uint64_t off = 1;
        const char* name = function_of(target, &off);
        return name && off == 0 && is_known(name);
    };
    uintptr_t sp;
    if (const arch::TrapFrame* f = current_syscall_frame()) {
        if (!in_app_text(f->rip) || !add(f->rip))
            return 0;
        // musl's vfork pops its return address into %rdx before `syscall`.
        if (nr == 58 && follows(f->rdx))
            add(f->rdx - 1);
        sp = f->rsp;
    } else {
        // A direct call runs on the app's stack, below its frames.
        sp = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
    }
    for (uintptr_t a = sp & ~uintptr_t(7); n < cap && a < sp + 65536; a += 8) {
        uint64_t w;
        if (!mm::read_word_nofault(a, &w))
            break;
        if (follows(w))
            add(w - 1);
    }
    return n;
}

} // namespace

long refuse_process(long nr) {
    Site chain[12];
    const size_t n = call_chain(nr, chain, 12);
    // The call the program made: the outermost C library function that
    // names one, before the first function that is not the C library's.
    const char* call = nullptr;
    size_t index = known_count;
    size_t i = 0;
    for (; i < n; i++) {
        size_t k = 0;
        while (k < known_count && !same(known[k].name, chain[i].name))
            k++;
        if (k == known_count)
            break;
        if (known[k].names_call) {
            call = known[k].name;
            index = k;
        }
    }
    uint64_t bit;
    if (call) {
        bit = uint64_t(1) << index;
    } else {
        call = nr == 57 ? "fork" : nr == 58 ? "vfork" : nr == 56 || nr == 435 ? "clone" : "execve";
        bit = nr == 57                ? bit_fork
              : nr == 58              ? bit_vfork
              : nr == 56 || nr == 435 ? bit_clone
                                      : bit_exec;
    }
    if (!(__atomic_fetch_or(&g_reported, bit, __ATOMIC_RELAXED) & bit)) {
        if (i < n)
            uk_printk("uk: %s() cannot start a process in a unikernel (ENOSYS), called from "
                      "%s+0x%lx\n",
                      call, chain[i].name, chain[i].offset);
        else
            uk_printk("uk: %s() cannot start a process in a unikernel (ENOSYS)\n", call);
    }
    return -ENOSYS;
}

UK_SYSCALL(57, fork) {
    return refuse_process(57);
}

UK_SYSCALL(58, vfork) {
    return refuse_process(58);
}

UK_SYSCALL(59, execve) {
    return refuse_process(59);
}

UK_SYSCALL(322, execveat) {
    return refuse_process(322);
}

} // namespace uk::posix
