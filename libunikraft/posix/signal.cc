// The signal system calls: argument checks, the app's memory and Linux's
// errnos over the signal state in sched/signal.h. The process is pid 1 and
// its threads are its tids; kill() of any of them reaches the process.
#include "posix/signal.h"

#include "arch/x86_64/sigframe.h"
#include "arch/x86_64/time.h"
#include "lib/errno.h"
#include "posix/syscall.h"
#include "posix/user.h"
#include "sched/sched.h"
#include "sched/signal.h"

namespace uk::posix {

namespace {

namespace signal = sched::signal;

constexpr long self_pid = 1;
constexpr SigSet unblockable = sigbit(sigkill) | sigbit(sigstop);

bool valid(long sig) {
    return sig >= 1 && sig <= nsig;
}

Siginfo user_info(int sig, int code) {
    Siginfo si{};
    si.signo = sig;
    si.code = code;
    si.kill.pid = int32_t(self_pid);
    si.kill.uid = 0;
    return si;
}

// Linux's do_sigaltstack: *ss (when given) becomes the thread's alternate
// stack unless the thread runs on the current one.
long change_altstack(const AltStack* ss, uint64_t sp) {
    sched::Thread* t = sched::current();
    if (arch::on_altstack(t->altstack, sp))
        return -EPERM;
    int32_t mode = ss->flags & ~ss_autodisarm;
    if (mode != ss_disable && mode != ss_onstack && mode != 0)
        return -EINVAL;
    if (mode == ss_disable) {
        t->altstack = AltStack{0, 0, 0, 0};
        return 0;
    }
    if (ss->size < minsigstksz)
        return -ENOMEM;
    t->altstack = AltStack{ss->sp, ss->flags & ss_autodisarm, 0, ss->size};
    return 0;
}

// Waits until a signal interrupts the running thread. Returns the restart
// code Linux uses for such waits.
long wait_for_signal() {
    while (sched::block(0) != sched::interrupted) {
    }
    return -arch::erestartnohand;
}

long send_to_thread(long tid, long sig, int code) {
    if (!valid(sig) && sig != 0)
        return -EINVAL;
    sched::Thread* t = sched::find(int(tid));
    if (!t)
        return -ESRCH;
    return sig ? signal::send(int(sig), user_info(int(sig), code), t) : 0;
}

} // namespace

long set_temporary_mask(long uptr, long size) {
    if (size != sizeof(SigSet))
        return -EINVAL;
    SigSet mask;
    if (UserPtr<const SigSet>(uptr).read(&mask))
        return -EFAULT;
    sched::Thread* t = sched::current();
    if (!t->restore_blocked) {
        t->saved_blocked = t->blocked;
        t->restore_blocked = true;
    }
    signal::set_blocked(t, mask);
    // The way out restores the old mask even when no signal comes.
    sched::set_signal_work(t, true);
    return 0;
}

UK_SYSCALL(13, rt_sigaction) {
    if (a4 != sizeof(SigSet))
        return -EINVAL;
    SigAction act;
    if (a2 && UserPtr<const SigAction>(a2).read(&act))
        return -EFAULT;
    if (!valid(a1) || (a2 && (a1 == sigkill || a1 == sigstop)))
        return -EINVAL;
    const int sig = int(a1);
    SigAction& cur = signal::action(sig);
    SigAction old = cur;
    if (a2) {
        act.mask &= ~unblockable;
        cur = act;
        // POSIX: a pending signal whose action becomes "ignore" is dropped.
        if (signal::ignored(sig))
            signal::discard(sig);
    }
    if (a3 && UserPtr<SigAction>(a3).put(old))
        return -EFAULT;
    return 0;
}

UK_SYSCALL(14, rt_sigprocmask) {
    constexpr long sig_block = 0, sig_unblock = 1, sig_setmask = 2;
    if (a4 != sizeof(SigSet))
        return -EINVAL;
    sched::Thread* t = sched::current();
    const SigSet old = t->blocked;
    if (a2) {
        SigSet set;
        if (UserPtr<const SigSet>(a2).read(&set))
            return -EFAULT;
        switch (a1) {
        case sig_block:
            set |= old;
            break;
        case sig_unblock:
            set = old & ~set;
            break;
        case sig_setmask:
            break;
        default:
            return -EINVAL;
        }
        signal::set_blocked(t, set);
    }
    if (a3 && UserPtr<SigSet>(a3).put(old))
        return -EFAULT;
    return 0;
}

UK_SYSCALL(127, rt_sigpending) {
    if (uint64_t(a2) > sizeof(SigSet))
        return -EINVAL;
    sched::Thread* t = sched::current();
    SigSet set = signal::pending(t) & t->blocked;
    return UserPtr<char>(a1).write(reinterpret_cast<const char*>(&set), size_t(a2)) ? -EFAULT : 0;
}

UK_SYSCALL(131, sigaltstack) {
    AltStack ss;
    if (a1 && UserPtr<const AltStack>(a1).read(&ss))
        return -EFAULT;
    sched::Thread* t = sched::current();
    const uint64_t sp = app_stack_pointer();
    AltStack old{t->altstack.sp, t->altstack.flags, 0, t->altstack.size};
    if (!old.size)
        old.flags = ss_disable;
    else if (arch::on_altstack(t->altstack, sp))
        old.flags |= ss_onstack;
    if (a1) {
        if (long r = change_altstack(&ss, sp))
            return r;
    }
    if (a2 && UserPtr<AltStack>(a2).put(old))
        return -EFAULT;
    return 0;
}

UK_SYSCALL(15, rt_sigreturn) {
    arch::TrapFrame* f = current_syscall_frame();
    if (!f)
        return -ENOSYS; // only the assembly entries have a frame to return to
    sched::Thread* t = sched::current();
    SigSet mask;
    AltStack ss;
    if (!arch::restore_signal_frame(*f, &mask, &ss, t->fpu)) {
        Siginfo si{};
        si.signo = sigsegv;
        si.code = si_kernel;
        signal::force(sigsegv, si);
        f->vector = arch::vector_none;
        return long(f->rax);
    }
    signal::set_blocked(t, mask);
    // Linux's restore_altstack: quietly keeps the current one when the
    // restored stack pointer is on it or the values are bad.
    (void)change_altstack(&ss, f->rsp);
    return long(f->rax); // the interrupted code's %rax, which the frame now holds
}

UK_SYSCALL(62, kill) {
    if (!valid(a2) && a2 != 0)
        return -EINVAL;
    // The process is pid 1 and its own group; kill(-1) reaches every
    // process but the caller and init, of which there are none. A thread's
    // id names its process, as on Linux.
    long pid = a1;
    if (pid == -1)
        return -ESRCH;
    if (pid < -1)
        pid = -pid;
    if (pid != 0 && pid != self_pid && !(a1 > 0 && sched::find(int(a1))))
        return -ESRCH;
    return a2 ? signal::send(int(a2), user_info(int(a2), si_user), nullptr) : 0;
}

UK_SYSCALL(200, tkill) {
    if (a1 <= 0)
        return -EINVAL;
    return send_to_thread(a1, a2, si_tkill);
}

UK_SYSCALL(234, tgkill) {
    if (a1 <= 0 || a2 <= 0)
        return -EINVAL;
    if (a1 != self_pid)
        return -ESRCH;
    return send_to_thread(a2, a3, si_tkill);
}

UK_SYSCALL(129, rt_sigqueueinfo) {
    Siginfo si;
    if (UserPtr<const Siginfo>(a3).read(&si))
        return -EFAULT;
    if (!valid(a2) && a2 != 0)
        return -EINVAL;
    // Only the kernel may claim to be it, or tkill (Linux's rule for
    // another process; the caller may fake anything to itself).
    if ((si.code >= 0 || si.code == si_tkill) && a1 != self_pid && a1 != 0)
        return -EPERM;
    if (a1 != self_pid && !sched::find(int(a1)))
        return -ESRCH;
    si.signo = int32_t(a2);
    return a2 ? signal::send(int(a2), si, nullptr) : 0;
}

UK_SYSCALL(297, rt_tgsigqueueinfo) {
    Siginfo si;
    if (UserPtr<const Siginfo>(a4).read(&si))
        return -EFAULT;
    if (a1 <= 0 || a2 <= 0)
        return -EINVAL;
    if (!valid(a3) && a3 != 0)
        return -EINVAL;
    if (a1 != self_pid)
        return -ESRCH;
    sched::Thread* t = sched::find(int(a2));
    if (!t)
        return -ESRCH;
    si.signo = int32_t(a3);
    return a3 ? signal::send(int(a3), si, t) : 0;
}

UK_SYSCALL(130, rt_sigsuspend) {
    if (long r = set_temporary_mask(a1, a2))
        return r;
    return wait_for_signal();
}

UK_SYSCALL(34, pause) {
    return wait_for_signal();
}

UK_SYSCALL(128, rt_sigtimedwait) {
    if (a4 != sizeof(SigSet))
        return -EINVAL;
    SigSet set;
    if (UserPtr<const SigSet>(a1).read(&set))
        return -EFAULT;
    set &= ~unblockable;
    int64_t timeout = -1;
    if (a3) {
        if (long r = read_user_timespec(a3, &timeout))
            return r;
    }
    sched::Thread* t = sched::current();
    Siginfo si;
    int sig = signal::dequeue(t, set, &si);
    if (!sig && timeout != 0) {
        // Waited-for signals wake the thread even while blocked; they are
        // taken here, not by a handler.
        t->waiting = set;
        uint64_t deadline = timeout > 0 ? arch::monotonic_ns() + uint64_t(timeout) : 0;
        sched::block(deadline);
        t->waiting = 0;
        sig = signal::dequeue(t, set, &si);
        signal::update_work(t);
        if (!sig)
            return signal::has_deliverable(t) ? -EINTR : -EAGAIN;
    }
    if (!sig)
        return -EAGAIN;
    if (a2 && UserPtr<Siginfo>(a2).put(si))
        return -EFAULT;
    return sig;
}

} // namespace uk::posix
