// The process: one of it, pid 1, running as root; its identity, limits,
// exit and signals.
#include <uk/exit.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/time.h"
#include "boot/boot.h"
#include "lib/errno.h"
#include "mm/mm.h"
#include "mm/report.h"
#include "mm/uvm.h"
#include "posix/limits.h"
#include "posix/process.h"
#include "posix/syscall.h"
#include "posix/user.h"
#include "sched/sched.h"

namespace uk::posix {

namespace {

constexpr long self_pid = 1;

struct Rlimit {
    uint64_t cur, max;
};
constinit Rlimit g_rlimits[rlimit_nlimits] = {};
constinit bool g_rlimits_ready = false;

Rlimit* rlimits() {
    if (!g_rlimits_ready) {
        for (auto& r : g_rlimits)
            r = Rlimit{rlim_infinity, rlim_infinity};
        g_rlimits[rlimit_stack] =
            Rlimit{mm::uvm::main_stack().top - mm::uvm::main_stack().lo, rlim_infinity};
        // Linux's defaults for a process started by systemd: 1024 soft, 4096 hard
        // (the fd table grows as fds are used, so the limit costs nothing).
        g_rlimits[rlimit_nofile] = Rlimit{1024, 4096};
        g_rlimits[rlimit_nproc] = Rlimit{sched::max_threads(), sched::max_threads()};
        g_rlimits[rlimit_sigpending] = Rlimit{sched::max_threads() / 2, sched::max_threads() / 2};
        g_rlimits[rlimit_memlock] = Rlimit{8 << 20, 8 << 20};
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
namespace {

// The supplementary groups (none at boot, as for Linux's init), at most
// NGROUPS_MAX as the C library reports it (sysconf(_SC_NGROUPS_MAX): 32).
constexpr long ngroups_max = 32;
constinit uint32_t g_groups[ngroups_max] = {};
constinit long g_ngroups = 0;

// The nice value (-20..19) that getpriority and setpriority report and set.
// There are no scheduling priorities: every thread runs in turn.
constinit long g_nice = 0;

// Whether `which`/`who` name this process (the only process, group and
// user there are, or one of its threads): 0, -EINVAL or -ESRCH.
long check_prio_target(long which, long who) {
    constexpr long prio_process = 0, prio_pgrp = 1, prio_user = 2;
    switch (which) {
    case prio_process:
        return who == 0 || who == self_pid || sched::find(int(who)) ? 0 : -ESRCH;
    case prio_pgrp:
        return who == 0 || who == self_pid ? 0 : -ESRCH;
    case prio_user:
        return who == 0 ? 0 : -ESRCH;
    default:
        return -EINVAL;
    }
}

} // namespace

UK_SYSCALL(115, getgroups) {
    if (int(a1) < 0)
        return -EINVAL;
    if (a1 == 0)
        return g_ngroups;
    if (int(a1) < g_ngroups)
        return -EINVAL;
    return UserPtr<uint32_t>(a2).write(g_groups, size_t(g_ngroups)) ? -EFAULT : g_ngroups;
}

UK_SYSCALL(116, setgroups) {
    if (int(a1) < 0 || a1 > ngroups_max)
        return -EINVAL;
    uint32_t groups[ngroups_max];
    if (a1 && UserPtr<const uint32_t>(a2).read(groups, size_t(a1)))
        return -EFAULT;
    // Kept sorted, as Linux keeps them (getgroups answers in that order).
    for (long i = 0; i < a1; i++) {
        long j = i;
        for (; j > 0 && g_groups[j - 1] > groups[i]; j--)
            g_groups[j] = g_groups[j - 1];
        g_groups[j] = groups[i];
    }
    g_ngroups = a1;
    return 0;
}

UK_SYSCALL(140, getpriority) {
    if (long r = check_prio_target(int(a1), int(a2)))
        return r;
    // The system call answers 20 - nice, so that it is never negative; the
    // C library turns it back.
    return 20 - g_nice;
}

UK_SYSCALL(141, setpriority) {
    if (long r = check_prio_target(int(a1), int(a2)))
        return r;
    long nice = int(a3);
    g_nice = nice < -20 ? -20 : nice > 19 ? 19 : nice;
    return 0;
}

UK_SYSCALL(273, set_robust_list) {
    return 0;
}

UK_SYSCALL(158, arch_prctl) {
    constexpr long set_gs = 0x1001, set_fs = 0x1002, get_fs = 0x1003, get_gs = 0x1004;
    switch (a1) {
    case set_fs:
    case set_gs:
        // Linux refuses a base outside the user half.
        if (uint64_t(a2) >= mm::user_end)
            return -EPERM;
        if (a1 == set_fs) {
            arch::set_fs_base(uint64_t(a2));
        } else {
            sched::note_gs_used();
            sched::current()->gs_base = uint64_t(a2);
            arch::set_gs_base(uint64_t(a2));
        }
        return 0;
    case get_fs:
        return UserPtr<uint64_t>(a2).put(arch::get_fs_base()) ? -EFAULT : 0;
    case get_gs:
        return UserPtr<uint64_t>(a2).put(sched::current()->gs_base) ? -EFAULT : 0;
    default:
        return -EINVAL;
    }
}

UK_SYSCALL(63, uname) {
    struct Utsname {
        char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
    };
    Utsname u;
    // "Linux" because programs parse it to pick Linux behaviour, which is
    // the ABI this kernel implements.
    copy_str(u.sysname, uts_sysname, 65);
    copy_str(u.nodename, uts_nodename, 65);
    copy_str(u.release, uts_release, 65);
    copy_str(u.version, uts_version, 65);
    copy_str(u.machine, uts_machine, 65);
    copy_str(u.domainname, uts_domainname, 65);
    return UserPtr<Utsname>(a1).put(u) ? -EFAULT : 0;
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
    Sysinfo s{};
    s.uptime = int64_t(arch::monotonic_ns() / 1000000000);
    s.totalram = mm::total_page_count() * 4096;
    s.freeram = mm::free_page_count() * 4096;
    s.procs = uint16_t(sched::thread_count());
    s.mem_unit = 1;
    return UserPtr<Sysinfo>(a1).put(s) ? -EFAULT : 0;
}

namespace {

// The CPU times of getrusage and times: the thread's or the process's, the
// system part of which sched::sys_enter counted. The system time is read
// first: this call's own adds to both while they are read.
void cpu_times(bool thread, uint64_t* user_ns, uint64_t* sys_ns) {
    *sys_ns = thread ? sched::thread_sys_ns() : sched::process_sys_ns();
    uint64_t all = thread ? sched::thread_cpu_ns() : sched::process_cpu_ns();
    *user_ns = all > *sys_ns ? all - *sys_ns : 0;
}

} // namespace

UK_SYSCALL(98, getrusage) {
    constexpr long rusage_self = 0, rusage_children = -1, rusage_thread = 1;
    struct Rusage {
        Timeval utime, stime;
        int64_t maxrss, ixrss, idrss, isrss, minflt, majflt, nswap, inblock, oublock, msgsnd,
            msgrcv, nsignals, nvcsw, nivcsw;
    };
    static_assert(sizeof(Rusage) == 144, "fixed by the Linux x86_64 ABI");
    if (a1 != rusage_self && a1 != rusage_children && a1 != rusage_thread)
        return -EINVAL;
    // No process has children here: theirs is all zero, as on Linux before
    // any child was waited for.
    Rusage r{};
    if (a1 != rusage_children) {
        uint64_t user, sys, vol, invol;
        cpu_times(a1 == rusage_thread, &user, &sys);
        r.utime = timeval_of(int64_t(user));
        r.stime = timeval_of(int64_t(sys));
        // All memory is resident: the peak of what is in use, in KiB (a
        // thread's is its process's, as on Linux).
        r.maxrss = int64_t(mm::peak_bytes() / 1024);
        sched::context_switches(a1 == rusage_self, &vol, &invol);
        r.nvcsw = int64_t(vol);
        r.nivcsw = int64_t(invol);
    }
    return UserPtr<Rusage>(a2).put(r) ? -EFAULT : 0;
}

UK_SYSCALL(100, times) {
    // Clock ticks of sysconf(_SC_CLK_TCK), 100 a second as on Linux.
    constexpr uint64_t ns_per_tick = 10 * 1000 * 1000;
    struct Tms {
        int64_t utime, stime, cutime, cstime;
    };
    if (a1) {
        uint64_t user, sys;
        cpu_times(false, &user, &sys);
        Tms t{int64_t(user / ns_per_tick), int64_t(sys / ns_per_tick), 0, 0};
        if (UserPtr<Tms>(a1).put(t))
            return -EFAULT;
    }
    // Since an arbitrary point in the past: the boot.
    return long(arch::monotonic_ns() / ns_per_tick);
}

uint64_t rlimit_cur(int res) {
    return rlimits()[res].cur;
}

uint64_t rlimit_max(int res) {
    return rlimits()[res].max;
}

namespace {

constexpr uint64_t nr_open = 1048576;

// Linux's do_prlimit; the process runs as root, so raising a hard limit is
// allowed.
long do_prlimit(long res, const Rlimit* nv, Rlimit* old) {
    if (res < 0 || res >= rlimit_nlimits)
        return -EINVAL;
    if (nv) {
        if (nv->cur > nv->max)
            return -EINVAL;
        if (res == rlimit_nofile && nv->max > nr_open)
            return -EPERM;
    }
    Rlimit& r = rlimits()[res];
    if (old)
        *old = r;
    if (nv)
        r = *nv;
    return 0;
}

} // namespace

UK_SYSCALL(97, getrlimit) {
    Rlimit old;
    if (long r = do_prlimit(a1, nullptr, &old))
        return r;
    return UserPtr<Rlimit>(a2).put(old) ? -EFAULT : 0;
}

UK_SYSCALL(160, setrlimit) {
    Rlimit nv;
    if (UserPtr<const Rlimit>(a2).read(&nv))
        return -EFAULT;
    return do_prlimit(a1, &nv, nullptr);
}

UK_SYSCALL(302, prlimit64) {
    Rlimit nv, old;
    if (a3 && UserPtr<const Rlimit>(a3).read(&nv))
        return -EFAULT;
    if (a1 != 0 && a1 != self_pid)
        return -ESRCH;
    if (long r = do_prlimit(a2, a3 ? &nv : nullptr, a4 ? &old : nullptr))
        return r;
    if (a4 && UserPtr<Rlimit>(a4).put(old))
        return -EFAULT;
    return 0;
}

UK_SYSCALL(157, prctl) {
    constexpr long pr_set_name = 15, pr_get_name = 16;
    switch (a1) {
    case pr_set_name: {
        char* comm = sched::current()->comm;
        char name[sizeof(sched::Thread::comm)];
        long n = mm::read_user_string(UserPtr<const char>(a2), name, sizeof(name));
        if (n < 0 && n != -ENAMETOOLONG)
            return -EFAULT; // longer names are cut short, as on Linux
        copy_str(comm, name, sizeof(sched::Thread::comm));
        return 0;
    }
    case pr_get_name:
        return UserPtr<char>(a2).write(sched::current()->comm, sizeof(sched::Thread::comm))
                   ? -EFAULT
                   : 0;
    default:
        return -EINVAL;
    }
}

UK_SYSCALL(204, sched_getaffinity) {
    if (a1 != 0 && a1 != self_pid && !sched::find(int(a1)))
        return -ESRCH;
    if (a2 < 8 || (a2 & 7))
        return -EINVAL;
    uint64_t mask = 1; // one CPU
    return UserPtr<uint64_t>(a3).put(mask) ? -EFAULT : 8;
}

} // namespace uk::posix
