#include "sched/wait.h"

namespace uk::sched {

void TimerQueue::add(Waiter* w) {
    // Sorted insert after every waiter with the same or an earlier deadline,
    // so equal deadlines expire in the order they were set.
    Waiter* pos = m_list.front();
    while (pos && pos->deadline <= w->deadline)
        pos = m_list.next(pos);
    m_list.insert_before(pos, w);
}

void TimerQueue::remove(Waiter* w) {
    if (m_list.linked(w))
        m_list.remove(w);
}

uint64_t TimerQueue::next_deadline() const {
    return m_list.empty() ? 0 : m_list.front()->deadline;
}

Waiter* TimerQueue::pop_expired(uint64_t now) {
    Waiter* w = m_list.front();
    if (!w || w->deadline > now)
        return nullptr;
    m_list.remove(w);
    return w;
}

size_t FutexTable::bucket_of(uintptr_t addr) {
    uint64_t h = uint64_t(addr) * 0x9e3779b97f4a7c15ULL;
    return size_t(h >> 58) % nbuckets;
}

void FutexTable::enqueue(Waiter* w, uintptr_t addr, uint32_t bitset) {
    w->futex_addr = addr;
    w->futex_bitset = bitset;
    m_buckets[bucket_of(addr)].push_back(w);
    m_size++;
}

bool FutexTable::dequeue(Waiter* w) {
    Bucket& b = m_buckets[bucket_of(w->futex_addr)];
    if (!b.linked(w))
        return false;
    b.remove(w);
    m_size--;
    return true;
}

int FutexTable::wake(uintptr_t addr, int n, uint32_t bitset, void (*woken)(Waiter*, void*),
                     void* ctx) {
    Bucket& b = m_buckets[bucket_of(addr)];
    int done = 0;
    for (Waiter* w = b.front(); w && done < n;) {
        Waiter* next = b.next(w);
        if (w->futex_addr == addr && (w->futex_bitset & bitset)) {
            b.remove(w);
            m_size--;
            done++;
            woken(w, ctx);
        }
        w = next;
    }
    return done;
}

int FutexTable::requeue(uintptr_t from, uintptr_t to, int nwake, int nrequeue,
                        void (*woken)(Waiter*, void*), void* ctx) {
    int done = wake(from, nwake, bitset_any, woken, ctx);
    if (from == to)
        return done;
    Bucket& src = m_buckets[bucket_of(from)];
    Bucket& dst = m_buckets[bucket_of(to)];
    int moved = 0;
    for (Waiter* w = src.front(); w && moved < nrequeue;) {
        Waiter* next = src.next(w);
        if (w->futex_addr == from) {
            src.remove(w);
            w->futex_addr = to;
            dst.push_back(w);
            moved++;
        }
        w = next;
    }
    return done + moved;
}

size_t FutexTable::count(uintptr_t addr) const {
    const Bucket& b = m_buckets[bucket_of(addr)];
    size_t n = 0;
    for (Waiter* w = b.front(); w; w = b.next(w))
        n += w->futex_addr == addr;
    return n;
}

} // namespace uk::sched
