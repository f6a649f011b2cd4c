// The pure logic of waiting: a deadline-ordered timer queue and the futex
// table. Both link Waiter objects the scheduler embeds in its threads, and
// neither touches hardware, so host unit tests drive them directly.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lib/list.h"

namespace uk::sched {

/// What a blocked thread waits on. Embedded in each thread.
struct Waiter {
    ListNode<Waiter> timer_link; // on the TimerQueue while it has a deadline
    ListNode<Waiter> futex_link; // on a futex bucket while in futex_wait
    uint64_t deadline = 0;       // monotonic ns; 0 means none
    uintptr_t futex_addr = 0;
    uint32_t futex_bitset = 0;
    void* owner = nullptr; // the thread, for the scheduler
    /// Called when the deadline passes, for a timer that is not a thread
    /// waiting (an interval timer, a POSIX timer); nullptr for a thread.
    void (*expire)(Waiter*) = nullptr;
};

/// Waiters with deadlines, earliest first.
class TimerQueue {
  public:
    /// Queues w to expire at w->deadline (which must be non-zero).
    void add(Waiter* w);
    /// Takes w off the queue if it is on it.
    void remove(Waiter* w);
    /// Earliest deadline, or 0 when empty.
    uint64_t next_deadline() const;
    /// Removes and returns one waiter whose deadline is <= now, or nullptr.
    Waiter* pop_expired(uint64_t now);
    size_t size() const { return m_list.size(); }

  private:
    IntrusiveList<Waiter, &Waiter::timer_link> m_list;
};

/// Futex wait queues keyed by address, FIFO per address.
class FutexTable {
  public:
    static constexpr size_t nbuckets = 64;
    static constexpr uint32_t bitset_any = 0xffffffffu;

    /// Queues w on addr with a bitset (non-zero).
    void enqueue(Waiter* w, uintptr_t addr, uint32_t bitset);
    /// Takes w off its queue if it is on one; returns whether it was.
    bool dequeue(Waiter* w);
    /// Dequeues up to n waiters on addr whose bitset intersects `bitset`,
    /// oldest first, calling woken(w, ctx) for each. Returns how many.
    int wake(uintptr_t addr, int n, uint32_t bitset, void (*woken)(Waiter*, void*), void* ctx);
    /// Wakes up to nwake waiters on `from`, then moves up to nrequeue of the
    /// rest to `to`. Returns woken + moved.
    int requeue(uintptr_t from, uintptr_t to, int nwake, int nrequeue,
                void (*woken)(Waiter*, void*), void* ctx);
    /// Number of waiters on addr.
    size_t count(uintptr_t addr) const;
    /// Total waiters.
    size_t size() const { return m_size; }

  private:
    using Bucket = IntrusiveList<Waiter, &Waiter::futex_link>;
    static size_t bucket_of(uintptr_t addr);
    Bucket m_buckets[nbuckets];
    size_t m_size = 0;
};

} // namespace uk::sched
