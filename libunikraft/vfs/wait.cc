#include "vfs/wait.h"

#include "lib/errno.h"
#include "sched/sched.h"

namespace uk::vfs {

void WaitQueue::add(WaitEntry* e) {
    e->queue = this;
    m_list.push_back(e);
}

void WaitQueue::remove(WaitEntry* e) {
    if (e->queue == this && decltype(m_list)::linked(e))
        m_list.remove(e);
    e->queue = nullptr;
}

void WaitQueue::notify(uint32_t events) {
    // An entry may take itself (or, through a wake-up, others) off the
    // list: find the next one before calling.
    for (WaitEntry* e = m_list.front(); e;) {
        WaitEntry* next = decltype(m_list)::next(e);
        e->notify(e, events);
        e = next;
    }
}

namespace {

void wake_thread(WaitEntry* e, uint32_t) {
    sched::wake(static_cast<sched::Thread*>(e->ctx), 0);
}

} // namespace

long wait_once(WaitQueue& q, uint64_t deadline_ns) {
    WaitEntry e;
    e.notify = wake_thread;
    e.ctx = sched::current();
    q.add(&e);
    long r = sched::block(deadline_ns);
    q.remove(&e);
    if (r == sched::interrupted)
        return -EINTR;
    return r == -ETIMEDOUT ? -ETIMEDOUT : 0;
}

void wait_once_uninterruptible(WaitQueue& q) {
    WaitEntry e;
    e.notify = wake_thread;
    e.ctx = sched::current();
    q.add(&e);
    sched::block(0, sched::Signals::defer);
    q.remove(&e);
}

} // namespace uk::vfs
