// Threads as Linux makes them for pthreads: clone with CLONE_VM and
// CLONE_THREAD, per-thread TLS, thread ids, futexes, exit vs exit_group.
#include <uk/exit.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/time.h"
#include "arch/x86_64/trap.h"
#include "posix/errno.h"
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

constexpr long etimedout = 110;

long do_clone(long flags, long stack, long ptid, long ctid, long tls) {
    const arch::TrapFrame* frame = current_syscall_frame();
    // The new thread resumes where the caller's syscall returns, so it needs
    // the caller's registers: only the assembly entries record them.
    if (!frame)
        return -ENOSYS;
    constexpr long thread_flags = clone_vm | clone_thread | clone_sighand;
    if ((flags & thread_flags) != thread_flags)
        return -ENOSYS; // a new process (fork, vfork): not possible here
    constexpr long known = thread_flags | clone_fs | clone_files | clone_sysvsem | clone_settls |
                           clone_parent_settid | clone_child_cleartid | clone_detached |
                           clone_child_settid | clone_untraced | clone_parent | csignal;
    if (flags & ~known)
        return -EINVAL;
    if (!stack || !user_ok(reinterpret_cast<void*>(stack - 256), 256))
        return -EINVAL;
    int* parent_tid = user_ptr<int>(ptid);
    int* child_tid = user_ptr<int>(ctid);
    if ((flags & clone_parent_settid) && !user_ok(parent_tid, 4))
        return -EFAULT;
    if ((flags & (clone_child_settid | clone_child_cleartid)) && !user_ok(child_tid, 4))
        return -EFAULT;

    arch::TrapFrame child = *frame;
    child.rax = 0;
    child.rsp = uint64_t(stack);
    uint64_t fs = (flags & clone_settls) ? uint64_t(tls) : arch::get_fs_base();
    sched::Thread* t = sched::create(child, fs);
    if (!t)
        return -EAGAIN;
    if (flags & clone_child_cleartid)
        t->clear_tid = child_tid;
    if (flags & clone_child_settid)
        *child_tid = t->tid;
    if (flags & clone_parent_settid)
        *parent_tid = t->tid;
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
UK_SYSCALL(57, fork) {
    return -ENOSYS;
}
UK_SYSCALL(58, vfork) {
    return -ENOSYS;
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
    sched::current()->clear_tid = user_ptr<int>(a1);
    return sched::current()->tid;
}

UK_SYSCALL(24, sched_yield) {
    sched::yield();
    return 0;
}

UK_SYSCALL(202, futex) {
    constexpr long op_wait = 0, op_wake = 1, op_requeue = 3, op_cmp_requeue = 4, op_wait_bitset = 9,
                   op_wake_bitset = 10, private_flag = 128, clock_realtime_flag = 256;
    auto* uaddr = user_ptr<int>(a1);
    long op = a2 & ~(private_flag | clock_realtime_flag);
    bool realtime = a2 & clock_realtime_flag;
    if (reinterpret_cast<uintptr_t>(uaddr) & 3)
        return -EINVAL;
    if (!user_ok(uaddr, 4))
        return -EFAULT;
    auto& table = sched::futexes();
    uintptr_t key = reinterpret_cast<uintptr_t>(uaddr);
    switch (op) {
    case op_wait:
    case op_wait_bitset: {
        uint32_t bitset = op == op_wait ? sched::FutexTable::bitset_any : uint32_t(a6);
        if (!bitset)
            return -EINVAL;
        uint64_t deadline;
        if (long r = futex_deadline(a4, op == op_wait_bitset, realtime, &deadline))
            return r;
        if (__atomic_load_n(uaddr, __ATOMIC_SEQ_CST) != int(a3))
            return -EAGAIN;
        sched::Thread* t = sched::current();
        table.enqueue(&t->waiter, key, bitset);
        long r = sched::block(deadline);
        table.dequeue(&t->waiter);
        return r == -etimedout ? -etimedout : r;
    }
    case op_wake:
    case op_wake_bitset: {
        uint32_t bitset = op == op_wake ? sched::FutexTable::bitset_any : uint32_t(a6);
        if (!bitset)
            return -EINVAL;
        int n = a3 < 0 ? 0 : a3 > 0x7fffffff ? 0x7fffffff : int(a3);
        return table.wake(key, n, bitset, woken, nullptr);
    }
    case op_requeue:
    case op_cmp_requeue: {
        auto* uaddr2 = user_ptr<int>(a5);
        if ((reinterpret_cast<uintptr_t>(uaddr2) & 3))
            return -EINVAL;
        if (!user_ok(uaddr2, 4))
            return -EFAULT;
        if (a3 < 0 || a4 < 0)
            return -EINVAL;
        if (op == op_cmp_requeue && __atomic_load_n(uaddr, __ATOMIC_SEQ_CST) != int(a6))
            return -EAGAIN;
        int nwake = a3 > 0x7fffffff ? 0x7fffffff : int(a3);
        int nmove = a4 > 0x7fffffff ? 0x7fffffff : int(a4);
        return table.requeue(key, reinterpret_cast<uintptr_t>(uaddr2), nwake, nmove, woken,
                             nullptr);
    }
    default:
        return -ENOSYS;
    }
}

} // namespace uk::posix
