// Readiness: the one mechanism behind blocking reads and writes, poll,
// select and epoll. Each kind of file answers "what are you ready for now?"
// (File::poll) and notifies its wait queue when that changes; a blocked
// reader, a poll call and an epoll instance are all entries on that queue,
// differing only in what their notify callback does.
//
// Everything here runs in kernel context with the kernel not preemptible:
// device interrupts are deferred to the way out of the kernel or the idle
// loop, so a notify never runs in the middle of other kernel code.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lib/list.h"

namespace uk::sched {
struct Thread;
}

namespace uk::vfs {

/// Event bits, as poll(2) and epoll(7) number them.
inline constexpr uint32_t ev_in = 0x1, ev_pri = 0x2, ev_out = 0x4, ev_err = 0x8, ev_hup = 0x10,
                          ev_nval = 0x20, ev_rdnorm = 0x40, ev_rdband = 0x80, ev_wrnorm = 0x100,
                          ev_wrband = 0x200, ev_msg = 0x400, ev_rdhup = 0x2000;
/// What "readable" and "writable" mean for ordinary files and pipes.
inline constexpr uint32_t ev_readable = ev_in | ev_rdnorm, ev_writable = ev_out | ev_wrnorm;

class WaitQueue;

/// One interest in a wait queue. `notify` runs (in kernel context) each time
/// the queue's owner reports a change, with the events that changed (or
/// all of its events when it cannot tell); it may remove its own entry.
struct WaitEntry {
    ListNode<WaitEntry> link;
    WaitQueue* queue = nullptr;
    void (*notify)(WaitEntry* e, uint32_t events) = nullptr;
    void* ctx = nullptr; // for the callback
};

/// The waiters of one file (or one end of a pipe, one socket, ...).
class WaitQueue {
  public:
    constexpr WaitQueue() = default;
    WaitQueue(const WaitQueue&) = delete;
    WaitQueue& operator=(const WaitQueue&) = delete;

    /// Adds e (which must not be on a queue).
    void add(WaitEntry* e);
    /// Removes e if it is on this queue.
    void remove(WaitEntry* e);
    /// Calls every entry's notify with `events`. Entries may remove
    /// themselves (or be removed) while this runs.
    void notify(uint32_t events);
    bool empty() const { return m_list.empty(); }

  private:
    IntrusiveList<WaitEntry, &WaitEntry::link> m_list;
};

/// What File::poll registers with: poll and select collect an entry per
/// queue for the calling thread, epoll one persistent entry per watched
/// file. A null PollTable means "just answer".
class PollTable {
  public:
    /// Called by File::poll for each queue whose notify may change the
    /// answer.
    virtual void wait_on(WaitQueue& q) = 0;

  protected:
    ~PollTable() = default;
};

/// Blocks the running thread until ready() is true, re-checking it each
/// time q notifies. `deadline_ns` is an absolute monotonic time, 0 for
/// none. Returns 0 once ready() holds, -ETIMEDOUT, or -EINTR when a signal
/// interrupted the wait (callers turn that into ERESTARTSYS where Linux
/// restarts the call).
template <typename Ready> long wait_until(WaitQueue& q, uint64_t deadline_ns, Ready ready);

/// The non-template part of wait_until: sleeps once on q until a notify, the
/// deadline or a signal. Returns 0 (woken by a notify), -ETIMEDOUT or -EINTR.
long wait_once(WaitQueue& q, uint64_t deadline_ns);

/// wait_once for a wait a signal must not end (the signal stays pending):
/// sleeps until a notify. For a kernel step that cannot be undone halfway.
void wait_once_uninterruptible(WaitQueue& q);

template <typename Ready> long wait_until(WaitQueue& q, uint64_t deadline_ns, Ready ready) {
    while (!ready()) {
        if (long r = wait_once(q, deadline_ns))
            return r;
    }
    return 0;
}

} // namespace uk::vfs
