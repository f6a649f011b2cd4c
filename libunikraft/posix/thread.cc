// Threads as Linux makes them for pthreads: clone with CLONE_VM and
// CLONE_THREAD, per-thread TLS, thread ids, futexes, exit vs exit_group.
#include <uk/exit.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/sigframe.h"
#include "arch/x86_64/time.h"
#include "arch/x86_64/trap.h"
#include "lib/errno.h"
#include "posix/spawn.h"
#include "posix/syscall.h"
#include "posix/user.h"
#include "sched/sched.h"

namespace uk::posix {

namespace {

constexpr long clone_vm = 0x100, clone_fs = 0x200, clone_files = 0x400, clone_sighand = 0x800,
               clone_parent = 0x8000, clone_thread = 0x10000, clone_sysvsem = 0x40000,
               clone_settls = 0x80000, clone_parent_settid = 0x100000,
               clone_child_cleartid = 0x200000, clone_detached = 0x400000,
               clone_untraced = 0x800000, clone_child_settid = 0x1000000, csignal = 0xff;

long do_clone(long flags, long stack, long ptid, long ctid, long tls) {
    const arch::TrapFrame* frame = current_syscall_frame();
    constexpr long thread_flags = clone_vm | clone_thread | clone_sighand;
    if ((flags & thread_flags) != thread_flags)
        return refuse_process(56); // a new process (fork, vfork, posix_spawn)
    // The new thread resumes where the caller's syscall returns, so it needs
    // the caller's registers: only the assembly entries record them.
    if (!frame)
        return -ENOSYS;
    constexpr long known = thread_flags | clone_fs | clone_files | clone_sysvsem | clone_settls |
                           clone_parent_settid | clone_child_cleartid | clone_detached |
                           clone_child_settid | clone_untraced | clone_parent | csignal;
    if (flags & ~known)
        return -EINVAL;
    // A bad stack is the child's problem (it faults in app code), as on
    // Linux; none means the parent's.
    UserPtr<int> parent_tid(ptid), child_tid(ctid);
    if ((flags & clone_parent_settid) && !mm::user_range_ok(parent_tid.addr(), 4))
        return -EFAULT;
    if ((flags & (clone_child_settid | clone_child_cleartid)) &&
        !mm::user_range_ok(child_tid.addr(), 4))
        return -EFAULT;

    arch::TrapFrame child = *frame;
    child.rax = 0;
    if (stack)
        child.rsp = uint64_t(stack);
    uint64_t fs = (flags & clone_settls) ? uint64_t(tls) : arch::get_fs_base();
    sched::Thread* t = sched::create(child, fs);
    if (!t)
        return -EAGAIN;
    if (flags & clone_child_cleartid)
        t->clear_tid = child_tid.addr();
    // The ids are written before either thread runs on; a fault here is
    // the app's (Linux would have the same half-done clone).
    if (((flags & clone_child_settid) && child_tid.store_atomic(uint32_t(t->tid))) ||
        ((flags & clone_parent_settid) && parent_tid.store_atomic(uint32_t(t->tid))))
        return -EFAULT;
    return t->tid;
}

void woken(sched::Waiter* w, void*) {
    sched::wake(static_cast<sched::Thread*>(w->owner), 0);
}

// Reads a futex timeout: relative for FUTEX_WAIT, absolute on the chosen
// clock for FUTEX_WAIT_BITSET. Returns 0 and the monotonic deadline (0 for
// none) or a negative errno.
long futex_deadline(long arg, bool absolute, bool realtime, uint64_t* deadline) {
    *deadline = 0;
    if (!arg)
        return 0;
    int64_t ns;
    if (long r = read_user_timespec(arg, &ns))
        return r;
    int64_t now = int64_t(arch::monotonic_ns());
    if (absolute && realtime)
        ns -= arch::boot_epoch_ns();
    int64_t d = absolute ? ns : now + ns;
    *deadline = d <= 0 ? 1 : uint64_t(d);
    return 0;
}

} // namespace

UK_SYSCALL(56, clone) {
    return do_clone(a1, a2, a3, a4, a5);
}

UK_SYSCALL(60, exit) {
    sched::exit_thread(int(a1 & 0xff));
}
UK_SYSCALL(231, exit_group) {
    uk_exit(int(a1 & 0xff));
}

UK_SYSCALL(186, gettid) {
    return sched::current()->tid;
}

UK_SYSCALL(218, set_tid_address) {
    sched::current()->clear_tid = uintptr_t(a1);
    return sched::current()->tid;
}

UK_SYSCALL(24, sched_yield) {
    sched::yield();
    return 0;
}

UK_SYSCALL(202, futex) {
    constexpr long op_wait = 0, op_wake = 1, op_requeue = 3, op_cmp_requeue = 4, op_wait_bitset = 9,
                   op_wake_bitset = 10, private_flag = 128, clock_realtime_flag = 256;
    const uintptr_t key = uintptr_t(a1);
    long op = a2 & ~(private_flag | clock_realtime_flag);
    bool realtime = a2 & clock_realtime_flag;
    auto& table = sched::futexes();
    switch (op) {
    case op_wait:
    case op_wait_bitset: {
        uint32_t bitset = op == op_wait ? sched::FutexTable::bitset_any : uint32_t(a6);
        if (!bitset)
            return -EINVAL;
        uint64_t deadline;
        if (long r = futex_deadline(a4, op == op_wait_bitset, realtime, &deadline))
            return r;
        if (key & 3)
            return -EINVAL;
        uint32_t value;
        if (UserPtr<const uint32_t>(a1).load_atomic(&value))
            return -EFAULT;
        if (value != uint32_t(a3))
            return -EAGAIN;
        sched::Thread* t = sched::current();
        table.enqueue(&t->waiter, key, bitset);
        long r = sched::block(deadline);
        table.dequeue(&t->waiter);
        if (r == sched::interrupted)
            return deadline ? -arch::erestart_restartblock : -arch::erestartsys;
        return r;
    }
    case op_wake:
    case op_wake_bitset: {
        uint32_t bitset = op == op_wake ? sched::FutexTable::bitset_any : uint32_t(a6);
        if (!bitset)
            return -EINVAL;
        if (key & 3)
            return -EINVAL;
        if (!mm::user_range_ok(key, 4))
            return -EFAULT;
        int n = a3 < 0 ? 0 : a3 > 0x7fffffff ? 0x7fffffff : int(a3);
        return table.wake(key, n, bitset, woken, nullptr);
    }
    case op_requeue:
    case op_cmp_requeue: {
        const uintptr_t key2 = uintptr_t(a5);
        if (a3 < 0 || a4 < 0)
            return -EINVAL;
        if ((key & 3) || (key2 & 3))
            return -EINVAL;
        if (!mm::user_range_ok(key, 4) || !mm::user_range_ok(key2, 4))
            return -EFAULT;
        if (op == op_cmp_requeue) {
            uint32_t value;
            if (UserPtr<const uint32_t>(a1).load_atomic(&value))
                return -EFAULT;
            if (value != uint32_t(a6))
                return -EAGAIN;
        }
        int nwake = a3 > 0x7fffffff ? 0x7fffffff : int(a3);
        int nmove = a4 > 0x7fffffff ? 0x7fffffff : int(a4);
        return table.requeue(key, key2, nwake, nmove, woken, nullptr);
    }
    default:
        return -ENOSYS;
    }
}

} // namespace uk::posix
