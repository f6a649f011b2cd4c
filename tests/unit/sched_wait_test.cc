// The scheduler's pure logic: timer ordering and futex queues.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "sched/wait.h"

using uk::sched::FutexTable;
using uk::sched::TimerQueue;
using uk::sched::Waiter;

namespace {

std::vector<Waiter*> g_woken;
void record(Waiter* w, void*) {
    g_woken.push_back(w);
}

} // namespace

TEST(TimerQueue, ExpiresInDeadlineOrderAndFifoForTies) {
    TimerQueue q;
    Waiter w[5];
    uint64_t deadlines[5] = {50, 10, 30, 10, 40};
    for (int i = 0; i < 5; i++) {
        w[i].deadline = deadlines[i];
        q.add(&w[i]);
    }
    EXPECT_EQ(q.next_deadline(), 10u);
    EXPECT_EQ(q.pop_expired(9), nullptr);
    EXPECT_EQ(q.pop_expired(10), &w[1]);
    EXPECT_EQ(q.pop_expired(10), &w[3]);
    EXPECT_EQ(q.pop_expired(10), nullptr);
    q.remove(&w[2]);
    q.remove(&w[2]); // not queued any more: no effect
    EXPECT_EQ(q.pop_expired(1000), &w[4]);
    EXPECT_EQ(q.pop_expired(1000), &w[0]);
    EXPECT_EQ(q.pop_expired(1000), nullptr);
    EXPECT_EQ(q.next_deadline(), 0u);
    EXPECT_EQ(q.size(), 0u);
}

TEST(TimerQueue, RandomAgainstSortedModel) {
    std::mt19937 rng(7);
    TimerQueue q;
    std::vector<Waiter> pool(300);
    std::vector<std::pair<uint64_t, int>> model;
    for (int i = 0; i < 300; i++) {
        pool[i].deadline = 1 + rng() % 100;
        q.add(&pool[i]);
        model.push_back({pool[i].deadline, i});
    }
    std::stable_sort(model.begin(), model.end(),
                     [](auto& a, auto& b) { return a.first < b.first; });
    for (auto& [d, i] : model)
        ASSERT_EQ(q.pop_expired(d), &pool[i]);
}

TEST(FutexTable, WakeHonoursCountAddressAndBitset) {
    FutexTable t;
    Waiter w[6];
    t.enqueue(&w[0], 0x1000, FutexTable::bitset_any);
    t.enqueue(&w[1], 0x2000, FutexTable::bitset_any);
    t.enqueue(&w[2], 0x1000, 0x1);
    t.enqueue(&w[3], 0x1000, 0x2);
    t.enqueue(&w[4], 0x1000, FutexTable::bitset_any);
    EXPECT_EQ(t.count(0x1000), 4u);
    g_woken.clear();
    EXPECT_EQ(t.wake(0x1000, 10, 0x2, record, nullptr), 3);
    EXPECT_EQ(g_woken, (std::vector<Waiter*>{&w[0], &w[3], &w[4]}));
    EXPECT_EQ(t.count(0x1000), 1u);
    g_woken.clear();
    EXPECT_EQ(t.wake(0x1000, 1, FutexTable::bitset_any, record, nullptr), 1);
    EXPECT_EQ(g_woken, (std::vector<Waiter*>{&w[2]}));
    EXPECT_EQ(t.wake(0x1000, 1, FutexTable::bitset_any, record, nullptr), 0);
    EXPECT_EQ(t.size(), 1u);
    EXPECT_TRUE(t.dequeue(&w[1]));
    EXPECT_FALSE(t.dequeue(&w[1]));
    EXPECT_EQ(t.size(), 0u);
    (void)w[5];
}

TEST(FutexTable, RequeueWakesThenMovesTheRest) {
    FutexTable t;
    Waiter w[5];
    for (auto& x : w)
        t.enqueue(&x, 0x3000, FutexTable::bitset_any);
    g_woken.clear();
    EXPECT_EQ(t.requeue(0x3000, 0x4000, 1, 2, record, nullptr), 3);
    EXPECT_EQ(g_woken, (std::vector<Waiter*>{&w[0]}));
    EXPECT_EQ(t.count(0x3000), 2u);
    EXPECT_EQ(t.count(0x4000), 2u);
    g_woken.clear();
    EXPECT_EQ(t.wake(0x4000, 5, FutexTable::bitset_any, record, nullptr), 2);
    EXPECT_EQ(g_woken, (std::vector<Waiter*>{&w[1], &w[2]}));
    // The moved waiters now dequeue from their new bucket.
    EXPECT_TRUE(t.dequeue(&w[3]));
    EXPECT_EQ(t.size(), 1u);
}

TEST(FutexTable, CollidingAddressesStayApart) {
    FutexTable t;
    std::vector<Waiter> w(FutexTable::nbuckets * 3);
    for (size_t i = 0; i < w.size(); i++)
        t.enqueue(&w[i], 0x10000 + 4 * i, FutexTable::bitset_any);
    for (size_t i = 0; i < w.size(); i++) {
        g_woken.clear();
        ASSERT_EQ(t.wake(0x10000 + 4 * i, 100, FutexTable::bitset_any, record, nullptr), 1);
        ASSERT_EQ(g_woken[0], &w[i]);
    }
    EXPECT_EQ(t.size(), 0u);
}
