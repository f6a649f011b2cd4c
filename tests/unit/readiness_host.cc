// The scheduler and signal services the readiness code calls, stood in for
// on the host: one thread that never blocks (the tests use O_NONBLOCK, so a
// block() is a test failure) and a record of the signals sent.
#include "readiness_host.h"

#include <cstdio>
#include <cstdlib>

#include "lib/errno.h"
#include "sched/sched.h"
#include "sched/signal.h"

namespace readiness_host {
int last_signal = 0;
int wakes = 0;
} // namespace readiness_host

namespace uk::sched {

namespace {
Thread g_thread;
} // namespace

Thread* g_current = &g_thread;

long block(uint64_t) {
    std::fprintf(stderr, "a host test blocked\n");
    std::abort();
}

long block(uint64_t deadline_ns, Signals) {
    return block(deadline_ns);
}

void wake(Thread*, long) {
    readiness_host::wakes++;
}

void add_timer(Waiter*) {}
void remove_timer(Waiter*) {}

namespace signal {
long send(int sig, const Siginfo&, Thread*) {
    readiness_host::last_signal = sig;
    return 0;
}
bool has_deliverable(const Thread*) {
    return false;
}
} // namespace signal

} // namespace uk::sched
