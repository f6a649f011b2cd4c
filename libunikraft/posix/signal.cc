// Signals within the one process: handlers and masks are recorded; a signal
// sent to itself runs its handler at once or takes the default action, which
// for the fatal ones ends the VM with 128 + the signal number, the status a
// shell reports for a process killed by it.
#include <uk/exit.h>

#include "posix/errno.h"
#include "posix/syscall.h"
#include "posix/user.h"
#include "sched/sched.h"

namespace uk::posix {

namespace {

constexpr int nsig = 65;
constexpr uint64_t sig_dfl = 0, sig_ign = 1;
constexpr uint64_t sa_siginfo = 4;
constexpr int sigkill = 9, sigstop = 19, sigchld = 17, sigcont = 18, sigurg = 23, sigwinch = 28;

struct KSigaction {
    uint64_t handler;
    uint64_t flags;
    uint64_t restorer;
    uint64_t mask;
};

constinit KSigaction g_actions[nsig]{};
constinit uint64_t g_blocked = 0;
constinit uint64_t g_pending = 0;

struct StackT {
    uint64_t sp;
    int32_t flags;
    int32_t pad;
    uint64_t size;
};
constinit StackT g_altstack{0, 2 /* SS_DISABLE */, 0, 0};

// The siginfo a handler installed with SA_SIGINFO receives for kill/tkill.
struct Siginfo {
    int32_t signo, errno_, code, pad;
    int32_t pid;
    uint32_t uid;
    char rest[104];
};
static_assert(sizeof(Siginfo) == 128, "fixed by the Linux ABI");

bool ignored_by_default(int sig) {
    return sig == sigchld || sig == sigcont || sig == sigurg || sig == sigwinch;
}

long deliver(int sig) {
    if (sig == 0)
        return 0;
    if (sig < 0 || sig >= nsig)
        return -EINVAL;
    KSigaction& a = g_actions[sig];
    bool blocked = (g_blocked >> (sig - 1)) & 1;
    if (sig != sigkill && sig != sigstop) {
        if (a.handler == sig_ign || (a.handler == sig_dfl && ignored_by_default(sig)))
            return 0;
        if (blocked) {
            // Pending until unblocked (musl's raise() blocks signals around
            // its tkill and relies on the unblock to deliver).
            g_pending |= uint64_t(1) << (sig - 1);
            return 0;
        }
        if (a.handler != sig_dfl) {
            uint64_t saved = g_blocked;
            g_blocked |= a.mask | (uint64_t(1) << (sig - 1));
            // The handler is app code: it runs preemptible with interrupts
            // on, like the rest of the app (this is a safe point for the
            // kernel).
            int depth = sched::g_kernel_depth;
            sched::g_kernel_depth = 0;
            uint64_t flags;
            asm volatile("pushfq; pop %0; sti" : "=r"(flags)::"memory");
            if (a.flags & sa_siginfo) {
                Siginfo info{};
                info.signo = sig;
                info.code = 0; // SI_USER
                info.pid = 1;
                reinterpret_cast<void (*)(int, Siginfo*, void*)>(a.handler)(sig, &info, nullptr);
            } else {
                reinterpret_cast<void (*)(int)>(a.handler)(sig);
            }
            if (!(flags & 0x200))
                asm volatile("cli" ::: "memory");
            sched::g_kernel_depth = depth;
            g_blocked = saved;
            return 0;
        }
    }
    uk_exit(128 + sig);
}

} // namespace

UK_SYSCALL(13, rt_sigaction) {
    if (a1 < 1 || a1 >= nsig || a4 != 8)
        return -EINVAL;
    auto* act = user_ptr<const KSigaction>(a2);
    auto* old = user_ptr<KSigaction>(a3);
    if ((act && !user_ok(act, sizeof(*act))) || (old && !user_ok(old, sizeof(*old))))
        return -EFAULT;
    if (act && (a1 == sigkill || a1 == sigstop))
        return -EINVAL;
    KSigaction prev = g_actions[a1];
    if (act)
        g_actions[a1] = *act;
    if (old)
        *old = prev;
    return 0;
}

UK_SYSCALL(14, rt_sigprocmask) {
    constexpr long sig_block = 0, sig_unblock = 1, sig_setmask = 2;
    if (a4 != 8)
        return -EINVAL;
    auto* set = user_ptr<const uint64_t>(a2);
    auto* old = user_ptr<uint64_t>(a3);
    if ((set && !user_ok(set, 8)) || (old && !user_ok(old, 8)))
        return -EFAULT;
    uint64_t prev = g_blocked;
    if (set) {
        uint64_t unblockable = (uint64_t(1) << (sigkill - 1)) | (uint64_t(1) << (sigstop - 1));
        switch (a1) {
        case sig_block:
            g_blocked |= *set;
            break;
        case sig_unblock:
            g_blocked &= ~*set;
            break;
        case sig_setmask:
            g_blocked = *set;
            break;
        default:
            return -EINVAL;
        }
        g_blocked &= ~unblockable;
    }
    if (old)
        *old = prev;
    // Deliver what the new mask lets through, lowest signal first.
    while (uint64_t ready = g_pending & ~g_blocked) {
        int sig = __builtin_ctzll(ready) + 1;
        g_pending &= ~(uint64_t(1) << (sig - 1));
        deliver(sig);
    }
    return 0;
}

UK_SYSCALL(131, sigaltstack) {
    auto* ss = user_ptr<const StackT>(a1);
    auto* old = user_ptr<StackT>(a2);
    if ((ss && !user_ok(ss, sizeof(*ss))) || (old && !user_ok(old, sizeof(*old))))
        return -EFAULT;
    StackT prev = g_altstack;
    if (ss) {
        if (ss->flags & ~2)
            return -EINVAL;
        if (!(ss->flags & 2) && ss->size < 2048)
            return -ENOMEM;
        g_altstack = *ss;
    }
    if (old)
        *old = prev;
    return 0;
}

UK_SYSCALL(62, kill) {
    if (a1 != 1 && a1 != 0 && a1 != -1)
        return -ESRCH;
    return deliver(int(a2));
}

UK_SYSCALL(200, tkill) {
    if (a1 != 1)
        return -ESRCH;
    return deliver(int(a2));
}

UK_SYSCALL(234, tgkill) {
    if (a1 != 1 || a2 != 1)
        return -ESRCH;
    return deliver(int(a3));
}

} // namespace uk::posix
