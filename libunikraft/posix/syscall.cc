#include "posix/syscall.h"

#include <uk/console.h>
#include <uk/syscall.h>

#include "posix/errno.h"

extern "C" {
extern const uk::posix::SyscallEntry __uk_syscalls_start[];
extern const uk::posix::SyscallEntry __uk_syscalls_end[];
}

namespace uk::posix {

namespace {

constexpr long max_syscall = 512;
constinit SyscallFn g_table[max_syscall]{};
constinit bool g_log_enosys = false;

} // namespace

void syscall_init(bool log_enosys) {
    g_log_enosys = log_enosys;
    for (const SyscallEntry* e = __uk_syscalls_start; e < __uk_syscalls_end; e++)
        if (e->nr >= 0 && e->nr < max_syscall)
            g_table[e->nr] = e->fn;
}

} // namespace uk::posix

extern "C" UK_API long uk_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
    using namespace uk::posix;
    if (static_cast<unsigned long>(nr) < max_syscall) {
        if (SyscallFn fn = g_table[nr]) [[likely]]
            return fn(a1, a2, a3, a4, a5, a6);
    }
    if (g_log_enosys)
        uk_printk("uk: unimplemented system call %ld (%lx, %lx, %lx)\n", nr, a1, a2, a3);
    return -ENOSYS;
}
