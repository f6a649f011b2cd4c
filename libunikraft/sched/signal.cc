#include "sched/signal.h"

#include <new>

#include <uk/exit.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/sigframe.h"
#include "mm/kheap.h"
#include "sched/timers.h"

namespace uk::sched::signal {

namespace {

constexpr long eagain = 11;
constexpr SigSet unblockable = sigbit(sigkill) | sigbit(sigstop);
// Faults are taken before anything else pending.
constexpr SigSet synchronous = sigbit(sigsegv) | sigbit(sigbus) | sigbit(sigill) | sigbit(sigtrap) |
                               sigbit(sigfpe) | sigbit(sigsys);

constinit SigAction g_actions[nsig + 1]{};
constinit SigPending g_shared{};
constinit size_t g_queued = 0;
using PendingHook = void (*)();
constinit PendingHook g_pending_hook = nullptr;

bool default_ignores(int sig) {
    // The stop signals stop nothing here (there is no job control to
    // continue the process): they are ignored too.
    return sig == sigchld || sig == sigcont || sig == sigurg || sig == sigwinch || sig == sigstop ||
           sig == sigtstp || sig == sigttin || sig == sigttou;
}

bool wants(const Thread* t, int sig) {
    return t->state != ThreadState::exited &&
           (!(t->blocked & sigbit(sig)) || (t->waiting & sigbit(sig)));
}

// Linux's RLIMIT_SIGPENDING default: half of threads-max.
size_t queue_limit() {
    return max_threads() / 2;
}

void take(SigPending& p, int sig, Siginfo* info) {
    QueuedSignal* found = nullptr;
    bool more = false;
    for (QueuedSignal* q = p.queue.front(); q; q = SignalQueue::next(q)) {
        if (q->info.signo != sig)
            continue;
        if (found) {
            more = true;
            break;
        }
        found = q;
    }
    if (found) {
        *info = found->info;
        if (info->code == si_timer)
            timers::signal_taken(info);
        p.queue.remove(found);
        kheap_free(found);
        g_queued--;
    } else {
        // Queued without its information (memory was short): as Linux
        // reports it.
        *info = Siginfo{};
        info->signo = sig;
        info->code = si_user;
    }
    if (!more)
        p.set &= ~sigbit(sig);
}

void drop(SigPending& p, int sig) {
    for (QueuedSignal* q = p.queue.front(); q;) {
        QueuedSignal* next = SignalQueue::next(q);
        if (q->info.signo == sig) {
            p.queue.remove(q);
            kheap_free(q);
            g_queued--;
        }
        q = next;
    }
    p.set &= ~sigbit(sig);
}

// Picks the thread that takes a process-directed signal: the main thread
// if it can, else the first that can; nullptr leaves it pending.
Thread* choose(int sig) {
    for (Thread* t = next_thread(nullptr); t; t = next_thread(t))
        if (wants(t, sig))
            return t;
    return nullptr;
}

[[noreturn]] void terminate(int sig) {
    uk_exit(128 + sig);
}

} // namespace

SigAction& action(int sig) {
    return g_actions[sig];
}

bool ignored(int sig) {
    const SigAction& a = g_actions[sig];
    return a.handler == sig_ign || (a.handler == sig_dfl && default_ignores(sig));
}

namespace {

// send()'s work; *queued says whether the signal is now pending with its
// information.
long queue_signal(int sig, const Siginfo& info, Thread* target, bool* queued) {
    *queued = false;
    // An ignored signal is dropped at once, unless blocked: its action may
    // change before it is unblocked.
    const Thread* judge = target ? target : next_thread(nullptr);
    if (sig != sigkill && ignored(sig) && !(judge && (judge->blocked & sigbit(sig))))
        return 0;
    SigPending& p = target ? target->pending : g_shared;
    if (sig < sigrtmin && (p.set & sigbit(sig)))
        return 0; // a standard signal is pending at most once
    bool from_app = info.code < 0 || info.code == si_user;
    QueuedSignal* q = nullptr;
    if (g_queued < queue_limit() || !from_app)
        q = static_cast<QueuedSignal*>(kheap_alloc(sizeof(QueuedSignal), alignof(QueuedSignal)));
    if (q) {
        new (q) QueuedSignal{};
        q->info = info;
        p.queue.push_back(q);
        g_queued++;
    } else if (sig >= sigrtmin && from_app) {
        return -eagain;
    }
    p.set |= sigbit(sig);
    *queued = q != nullptr;

    Thread* t = target ? (wants(target, sig) ? target : nullptr) : choose(sig);
    if (t) {
        set_signal_work(t, true);
        if (t->state == ThreadState::blocked)
            wake(t, interrupted);
    }
    if (g_pending_hook)
        g_pending_hook();
    return 0;
}

} // namespace

void set_pending_hook(void (*hook)()) {
    g_pending_hook = hook;
}

long send(int sig, const Siginfo& info, Thread* target) {
    bool queued;
    return queue_signal(sig, info, target, &queued);
}

bool send_queued(int sig, const Siginfo& info, Thread* target) {
    bool queued;
    return queue_signal(sig, info, target, &queued) == 0 && queued;
}

void force(int sig, const Siginfo& info) {
    Thread* t = current();
    SigAction& a = g_actions[sig];
    if (a.handler == sig_ign)
        a.handler = sig_dfl;
    if (t->blocked & sigbit(sig)) {
        a.handler = sig_dfl;
        t->blocked &= ~sigbit(sig);
    }
    // A fault can repeat while the first is still pending: take the newest.
    drop(t->pending, sig);
    send(sig, info, t);
}

bool will_handle(int sig) {
    const SigAction& a = g_actions[sig];
    return !(current()->blocked & sigbit(sig)) && a.handler != sig_dfl && a.handler != sig_ign;
}

void set_blocked(Thread* t, SigSet mask) {
    t->blocked = mask & ~unblockable;
    update_work(t);
}

SigSet pending(const Thread* t) {
    return t->pending.set | g_shared.set;
}

bool has_deliverable(const Thread* t) {
    return pending(t) & (~t->blocked | t->waiting);
}

void update_work(Thread* t) {
    set_signal_work(t, has_deliverable(t));
}

int dequeue(Thread* t, SigSet allowed, Siginfo* info) {
    SigSet avail = pending(t) & allowed;
    if (!avail)
        return 0;
    SigSet pick = (avail & synchronous) ? (avail & synchronous) : avail;
    int sig = __builtin_ctzll(pick) + 1;
    take((t->pending.set & sigbit(sig)) ? t->pending : g_shared, sig, info);
    update_work(t);
    return sig;
}

void discard(int sig) {
    drop(g_shared, sig);
    for (Thread* t = next_thread(nullptr); t; t = next_thread(t)) {
        drop(t->pending, sig);
        update_work(t);
    }
}

void discard_thread(Thread* t) {
    while (QueuedSignal* q = t->pending.queue.front()) {
        t->pending.queue.remove(q);
        kheap_free(q);
        g_queued--;
    }
    t->pending.set = 0;
}

void deliver(arch::TrapFrame* frame) {
    Thread* t = current();
    for (;;) {
        Siginfo info;
        int sig = dequeue(t, ~t->blocked, &info);
        if (!sig) {
            // rt_sigsuspend's mask ends here when no handler took it over.
            if (t->restore_blocked) {
                t->restore_blocked = false;
                set_blocked(t, t->saved_blocked);
                continue;
            }
            break;
        }
        SigAction& a = g_actions[sig];
        if (a.handler == sig_ign || (a.handler == sig_dfl && default_ignores(sig)))
            continue;
        if (a.handler == sig_dfl)
            terminate(sig);
        if (arch::is_syscall_frame(*frame))
            arch::finish_syscall(*frame, true, a.flags & sa_restart, t->restart);
        SigSet saved = t->restore_blocked ? t->saved_blocked : t->blocked;
        t->restore_blocked = false;
        arch::fpu_save(t->fpu);
        if (!arch::setup_signal_frame(*frame, sig, info, a, saved, t->altstack, t->fpu)) {
            // The app's stack cannot take the frame: SIGSEGV, by its default
            // action if this was SIGSEGV's own handler (Linux's
            // force_sigsegv).
            if (sig == sigsegv)
                a.handler = sig_dfl;
            Siginfo segv{};
            segv.signo = sigsegv;
            segv.code = si_kernel;
            force(sigsegv, segv);
            continue;
        }
        set_blocked(t, t->blocked | a.mask | ((a.flags & sa_nodefer) ? 0 : sigbit(sig)));
        if (a.flags & sa_resethand)
            a.handler = sig_dfl;
    }
    set_signal_work(t, false);
}

} // namespace uk::sched::signal
