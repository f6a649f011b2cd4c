// The process: one of it, pid 1, running as root; its identity, limits,
// exit and signals.
#include <uk/exit.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/time.h"
#include "boot/boot.h"
#include "mm/mm.h"
#include "posix/errno.h"
#include "posix/syscall.h"
#include "posix/user.h"

namespace uk::posix {

namespace {

constexpr long self_pid = 1;
constinit uint64_t g_gs_base = 0;
constinit char g_comm[16] = "app";

struct Rlimit {
    uint64_t cur, max;
};
constexpr uint64_t rlim_infinity = ~uint64_t(0);
constexpr int rlimit_stack = 3, rlimit_nofile = 7, rlimit_nlimits = 16;
constinit Rlimit g_rlimits[rlimit_nlimits] = {};
constinit bool g_rlimits_ready = false;

Rlimit* rlimits() {
    if (!g_rlimits_ready) {
        for (auto& r : g_rlimits)
            r = Rlimit{rlim_infinity, rlim_infinity};
        g_rlimits[rlimit_stack] = Rlimit{8 * 1024 * 1024, rlim_infinity};
        g_rlimits[rlimit_nofile] = Rlimit{64, 64};
        g_rlimits_ready = true;
    }
    return g_rlimits;
}

void copy_str(char* dst, const char* src, size_t cap) {
    size_t i = 0;
    for (; i + 1 < cap && src[i]; i++)
        dst[i] = src[i];
    for (; i < cap; i++)
        dst[i] = 0;
}

} // namespace

UK_SYSCALL_CONST(39, getpid, self_pid)
UK_SYSCALL_CONST(110, getppid, 0)
UK_SYSCALL_CONST(111, getpgrp, self_pid)
UK_SYSCALL_CONST(121, getpgid, self_pid)
UK_SYSCALL_CONST(124, getsid, self_pid)
UK_SYSCALL(112, setsid) {
    return -EPERM;
}
UK_SYSCALL_CONST(102, getuid, 0)
UK_SYSCALL_CONST(104, getgid, 0)
UK_SYSCALL_CONST(107, geteuid, 0)
UK_SYSCALL_CONST(108, getegid, 0)
UK_SYSCALL(273, set_robust_list) {
    return 0;
}

UK_SYSCALL(158, arch_prctl) {
    constexpr long set_gs = 0x1001, set_fs = 0x1002, get_fs = 0x1003, get_gs = 0x1004;
    switch (a1) {
    case set_fs:
        arch::set_fs_base(uint64_t(a2));
        return 0;
    case set_gs:
        g_gs_base = uint64_t(a2);
        return 0;
    case get_fs:
    case get_gs: {
        auto* out = user_ptr<uint64_t>(a2);
        if (!user_ok(out, sizeof(*out)))
            return -EFAULT;
        *out = a1 == get_fs ? arch::get_fs_base() : g_gs_base;
        return 0;
    }
    default:
        return -EINVAL;
    }
}

UK_SYSCALL(63, uname) {
    struct Utsname {
        char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
    };
    auto* u = user_ptr<Utsname>(a1);
    if (!user_ok(u, sizeof(*u)))
        return -EFAULT;
    // "Linux" because programs parse it to pick Linux behaviour, which is
    // the ABI this kernel implements.
    copy_str(u->sysname, "Linux", 65);
    copy_str(u->nodename, "libunikraft", 65);
    copy_str(u->release, "6.1.0-libunikraft", 65);
    copy_str(u->version, "#1 libunikraft", 65);
    copy_str(u->machine, "x86_64", 65);
    copy_str(u->domainname, "(none)", 65);
    return 0;
}

UK_SYSCALL(99, sysinfo) {
    struct Sysinfo {
        int64_t uptime;
        uint64_t loads[3], totalram, freeram, sharedram, bufferram, totalswap, freeswap;
        uint16_t procs, pad;
        uint64_t totalhigh, freehigh;
        uint32_t mem_unit;
        char reserved[4];
    };
    static_assert(sizeof(Sysinfo) == 112, "fixed by the Linux x86_64 ABI");
    auto* s = user_ptr<Sysinfo>(a1);
    if (!user_ok(s, sizeof(*s)))
        return -EFAULT;
    *s = Sysinfo{};
    s->uptime = int64_t(arch::monotonic_ns() / 1000000000);
    s->totalram = mm::total_page_count() * 4096;
    s->freeram = mm::free_page_count() * 4096;
    s->procs = 1;
    s->mem_unit = 1;
    return 0;
}

static long get_rlimit(long res, Rlimit* old) {
    if (res < 0 || res >= rlimit_nlimits)
        return -EINVAL;
    if (old) {
        if (!user_ok(old, sizeof(*old)))
            return -EFAULT;
        *old = rlimits()[res];
    }
    return 0;
}

UK_SYSCALL(97, getrlimit) {
    return get_rlimit(a1, user_ptr<Rlimit>(a2));
}

static long set_rlimit(long res, const Rlimit* nv) {
    if (res < 0 || res >= rlimit_nlimits)
        return -EINVAL;
    if (!user_ok(nv, sizeof(*nv)))
        return -EFAULT;
    if (nv->cur > nv->max)
        return -EINVAL;
    Rlimit& r = rlimits()[res];
    if (nv->max > r.max)
        return -EPERM;
    r = *nv;
    return 0;
}

UK_SYSCALL(160, setrlimit) {
    return set_rlimit(a1, user_ptr<const Rlimit>(a2));
}

UK_SYSCALL(302, prlimit64) {
    if (a1 != 0 && a1 != self_pid)
        return -ESRCH;
    Rlimit old{};
    bool want_old = a4 != 0;
    long r = get_rlimit(a2, want_old ? &old : nullptr);
    if (r)
        return r;
    if (a3) {
        r = set_rlimit(a2, user_ptr<const Rlimit>(a3));
        if (r)
            return r;
    }
    if (want_old) {
        auto* out = user_ptr<Rlimit>(a4);
        if (!user_ok(out, sizeof(*out)))
            return -EFAULT;
        *out = old;
    }
    return 0;
}

UK_SYSCALL(157, prctl) {
    constexpr long pr_set_name = 15, pr_get_name = 16;
    char* p = user_ptr<char>(a2);
    switch (a1) {
    case pr_set_name:
        if (!user_ok(p, 1))
            return -EFAULT;
        copy_str(g_comm, p, sizeof(g_comm));
        return 0;
    case pr_get_name:
        if (!user_ok(p, sizeof(g_comm)))
            return -EFAULT;
        copy_str(p, g_comm, sizeof(g_comm));
        return 0;
    default:
        return -EINVAL;
    }
}

UK_SYSCALL(204, sched_getaffinity) {
    if (a1 != 0 && a1 != self_pid)
        return -ESRCH;
    if (a2 < 8 || (a2 & 7))
        return -EINVAL;
    auto* mask = user_ptr<uint8_t>(a3);
    if (!user_ok(mask, size_t(a2)))
        return -EFAULT;
    for (long i = 0; i < a2; i++)
        mask[i] = 0;
    mask[0] = 1;
    return 8;
}

UK_SYSCALL(79, getcwd) {
    char* buf = user_ptr<char>(a1);
    if (a2 < 2)
        return -ERANGE;
    if (!user_ok(buf, 2))
        return -EFAULT;
    buf[0] = '/';
    buf[1] = 0;
    return 2;
}

} // namespace uk::posix
