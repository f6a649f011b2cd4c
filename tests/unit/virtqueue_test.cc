// The split virtqueue's ring arithmetic against a simulated device that
// reads and writes the rings in host memory as a real one would.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "drivers/virtqueue.h"

using namespace uk::drivers::virtio;

namespace {

int g_live_allocs = 0;

void* test_alloc(size_t n) {
    g_live_allocs++;
    return std::calloc(1, n);
}
void test_free(void* p) {
    if (p)
        g_live_allocs--;
    std::free(p);
}
uint64_t test_phys(const void* p) {
    return reinterpret_cast<uint64_t>(p);
}
const RingMemory g_mem{test_alloc, test_free, test_phys};

template <typename T> T* at(uint64_t phys) {
    return reinterpret_cast<T*>(phys);
}

// The device's side: reads chains from the avail ring (following indirect
// tables) and returns them through the used ring.
class SimDevice {
  public:
    SimDevice(Virtqueue& q, bool event_idx) : m_q(q), m_event_idx(event_idx) {}

    uint16_t* avail() { return at<uint16_t>(m_q.avail_phys()); }
    uint16_t* used16() { return at<uint16_t>(m_q.used_phys()); }
    UsedElem* used_ring() { return reinterpret_cast<UsedElem*>(used16() + 2); }
    uint16_t& avail_event() { return *reinterpret_cast<uint16_t*>(used_ring() + m_q.size()); }
    uint16_t used_event() { return avail()[2 + m_q.size()]; }
    uint16_t avail_flags() { return avail()[0]; }

    // The next available chain, flattened; false when none.
    bool pop(uint16_t* head, std::vector<Desc>* chain, bool* indirect) {
        if (avail()[1] == m_last_avail)
            return false;
        *head = avail()[2 + (m_last_avail % m_q.size())];
        m_last_avail++;
        chain->clear();
        Desc* table = at<Desc>(m_q.desc_phys());
        Desc d = table[*head];
        *indirect = d.flags & desc_f_indirect;
        if (*indirect) {
            Desc* ind = at<Desc>(d.addr);
            size_t n = d.len / sizeof(Desc);
            for (size_t i = 0;; i = ind[i].next) {
                EXPECT_LT(i, n);
                chain->push_back(ind[i]);
                if (!(ind[i].flags & desc_f_next))
                    break;
            }
        } else {
            for (uint16_t i = *head;; i = table[i].next) {
                chain->push_back(table[i]);
                if (!(table[i].flags & desc_f_next))
                    break;
                EXPECT_LE(chain->size(), m_q.size());
            }
        }
        return true;
    }

    // Returns a chain; says whether the driver asked for an interrupt.
    bool push(uint32_t id, uint32_t len) {
        uint16_t old_idx = used16()[1];
        used_ring()[old_idx % m_q.size()] = UsedElem{id, len};
        uint16_t new_idx = uint16_t(old_idx + 1);
        used16()[1] = new_idx;
        if (m_event_idx)
            return need_event(used_event(), new_idx, old_idx);
        return !(avail_flags() & avail_f_no_interrupt);
    }

    uint16_t last_avail() const { return m_last_avail; }

    // Pops a chain, as QEMU does with event indexes: it asks to hear of
    // the next one (avail_event) at every pop.
    bool pop_asking_next(uint16_t* head) {
        std::vector<Desc> chain;
        bool indirect;
        if (!pop(head, &chain, &indirect))
            return false;
        avail_event() = m_last_avail;
        return true;
    }

  private:
    Virtqueue& m_q;
    bool m_event_idx;
    uint16_t m_last_avail = 0;
};

struct Ring {
    explicit Ring(uint16_t size, bool event_idx, bool indirect, size_t align = 4096)
        : mem(Virtqueue::ring_bytes(size, align)) {
        EXPECT_EQ(
            q.init(0, size, mem.data(), test_phys(mem.data()), align, event_idx, indirect, g_mem),
            0);
    }
    ~Ring() { q.destroy(); }
    std::vector<uint8_t> mem;
    Virtqueue q;
};

} // namespace

TEST(Virtqueue, LayoutMatchesTheSpecification) {
    // Legacy: the used ring on the next 4 KiB boundary after the avail ring.
    EXPECT_EQ(Virtqueue::ring_bytes(256, 4096), 8192u + 6 + 8 * 256);
    EXPECT_EQ(Virtqueue::ring_bytes(128, 4096), 4096u + 6 + 8 * 128);
    // Modern: the used ring 4-byte aligned right after the avail ring.
    EXPECT_EQ(Virtqueue::ring_bytes(8, 4), 16u * 8 + 24 + 6 + 8 * 8);
    Ring r(256, false, false);
    EXPECT_EQ(r.q.avail_phys() - r.q.desc_phys(), 4096u);
    EXPECT_EQ(r.q.used_phys() - r.q.desc_phys(), 8192u);
}

TEST(Virtqueue, RejectsBadSizes) {
    std::vector<uint8_t> mem(Virtqueue::ring_bytes(8, 4));
    Virtqueue q;
    EXPECT_EQ(q.init(0, 0, mem.data(), 0, 4, false, false, g_mem), -22);
    EXPECT_EQ(q.init(0, 6, mem.data(), 0, 4, false, false, g_mem), -22);
}

TEST(Virtqueue, DirectChainRoundTrip) {
    Ring r(8, false, false);
    SimDevice dev(r.q, false);
    int cookie;
    Seg segs[3] = {{0x1000, 16, false}, {0x2000, 32, false}, {0x3000, 64, true}};
    ASSERT_EQ(r.q.add(segs, 3, &cookie), 0);
    EXPECT_EQ(r.q.free_count(), 5);
    EXPECT_EQ(r.q.in_flight(), 1);
    uint16_t head;
    std::vector<Desc> chain;
    bool indirect;
    EXPECT_FALSE(dev.pop(&head, &chain, &indirect)); // not published yet
    EXPECT_TRUE(r.q.publish());
    ASSERT_TRUE(dev.pop(&head, &chain, &indirect));
    EXPECT_FALSE(indirect);
    ASSERT_EQ(chain.size(), 3u);
    for (int i = 0; i < 3; i++) {
        EXPECT_EQ(chain[i].addr, segs[i].phys);
        EXPECT_EQ(chain[i].len, segs[i].len);
        EXPECT_EQ(bool(chain[i].flags & desc_f_write), segs[i].device_writes);
    }
    uint32_t written = 0;
    EXPECT_EQ(r.q.take(&written), nullptr);
    EXPECT_TRUE(dev.push(head, 40));
    EXPECT_TRUE(r.q.has_used());
    EXPECT_EQ(r.q.take(&written), &cookie);
    EXPECT_EQ(written, 40u);
    EXPECT_EQ(r.q.free_count(), 8);
    EXPECT_EQ(r.q.in_flight(), 0);
    EXPECT_FALSE(r.q.has_used());
}

TEST(Virtqueue, IndirectChainTakesOneDescriptor) {
    int before = g_live_allocs;
    {
        Ring r(4, false, true);
        SimDevice dev(r.q, false);
        std::vector<Seg> segs;
        for (int i = 0; i < 10; i++) // longer than the ring itself
            segs.push_back({uint64_t(0x10000 + i * 0x1000), 100u + i, i >= 6});
        int cookie;
        ASSERT_EQ(r.q.add(segs.data(), segs.size(), &cookie), 0);
        EXPECT_EQ(r.q.free_count(), 3);
        r.q.publish();
        uint16_t head;
        std::vector<Desc> chain;
        bool indirect;
        ASSERT_TRUE(dev.pop(&head, &chain, &indirect));
        EXPECT_TRUE(indirect);
        ASSERT_EQ(chain.size(), segs.size());
        for (size_t i = 0; i < segs.size(); i++) {
            EXPECT_EQ(chain[i].addr, segs[i].phys);
            EXPECT_EQ(chain[i].len, segs[i].len);
            EXPECT_EQ(bool(chain[i].flags & desc_f_write), segs[i].device_writes);
        }
        dev.push(head, 7);
        uint32_t written;
        EXPECT_EQ(r.q.take(&written), &cookie);
        EXPECT_EQ(r.q.free_count(), 4);
        // A single segment never needs a table.
        Seg one{0x5000, 8, true};
        ASSERT_EQ(r.q.add(&one, 1, &cookie), 0);
        r.q.publish();
        ASSERT_TRUE(dev.pop(&head, &chain, &indirect));
        EXPECT_FALSE(indirect);
        dev.push(head, 8);
        EXPECT_EQ(r.q.take(&written), &cookie);
    }
    EXPECT_EQ(g_live_allocs, before); // every table and the bookkeeping freed
}

TEST(Virtqueue, RefusesWhatCannotFitOrIsMisordered) {
    Ring r(4, false, false);
    int cookie;
    Seg bad[2] = {{0x1000, 8, true}, {0x2000, 8, false}};
    EXPECT_EQ(r.q.add(bad, 2, &cookie), -22); // readable after writable
    EXPECT_EQ(r.q.add(bad, 0, &cookie), -22);
    EXPECT_EQ(r.q.add(bad, 1, nullptr), -22);
    Seg five[5] = {};
    EXPECT_EQ(r.q.add(five, 5, &cookie), -22); // longer than the ring, no indirect
    Seg two[2] = {{0x1000, 8, false}, {0x2000, 8, true}};
    EXPECT_EQ(r.q.add(two, 2, &cookie), 0);
    EXPECT_EQ(r.q.add(two, 2, &cookie), 0);
    EXPECT_EQ(r.q.add(two, 2, &cookie), -28); // full: ENOSPC
    EXPECT_EQ(r.q.add(two, 1, &cookie), -28);
    EXPECT_EQ(r.q.free_count(), 0);
}

TEST(Virtqueue, NotifiesOnlyWhenTheDeviceAsks) {
    // Without event indexes: the device's NO_NOTIFY flag.
    {
        Ring r(8, false, false);
        SimDevice dev(r.q, false);
        int cookie;
        Seg s{0x1000, 8, false};
        EXPECT_FALSE(r.q.publish()); // nothing new
        r.q.add(&s, 1, &cookie);
        EXPECT_TRUE(r.q.publish());
        dev.used16()[0] = used_f_no_notify;
        r.q.add(&s, 1, &cookie);
        EXPECT_FALSE(r.q.publish());
    }
    // With them: only when the new index passes the device's avail_event.
    {
        Ring r(8, true, false);
        SimDevice dev(r.q, true);
        int cookie;
        Seg s{0x1000, 8, false};
        dev.avail_event() = 0;
        r.q.add(&s, 1, &cookie);
        EXPECT_TRUE(r.q.publish()); // 0 -> 1 passes event 0
        dev.avail_event() = 5;
        r.q.add(&s, 1, &cookie);
        r.q.add(&s, 1, &cookie);
        EXPECT_FALSE(r.q.publish()); // 1 -> 3 does not pass 5
        r.q.add(&s, 1, &cookie);
        r.q.add(&s, 1, &cookie);
        r.q.add(&s, 1, &cookie);
        EXPECT_TRUE(r.q.publish()); // 3 -> 6 passes 5
    }
}

// What the device holds before a publish (virtio_net's test of whether it
// needs to hear of more receive buffers): held minus not yet published.
TEST(Virtqueue, CountsWhatIsNotPublishedYet) {
    Ring r(8, true, false);
    SimDevice dev(r.q, true);
    int cookie;
    Seg s{0x1000, 8, true};
    for (int i = 0; i < 4; i++)
        r.q.add(&s, 1, &cookie);
    EXPECT_EQ(r.q.unpublished(), 4);
    EXPECT_EQ(r.q.device_holds(), 4);
    r.q.publish();
    EXPECT_EQ(r.q.unpublished(), 0);
    uint16_t head;
    std::vector<Desc> chain;
    bool indirect;
    ASSERT_TRUE(dev.pop(&head, &chain, &indirect));
    dev.push(head, 8);
    uint32_t len;
    EXPECT_EQ(r.q.take(&len), &cookie);
    r.q.add(&s, 1, &cookie);
    EXPECT_EQ(r.q.unpublished(), 1);
    EXPECT_EQ(uint16_t(r.q.device_holds() - r.q.unpublished()), 3);
}

// A notification the two sides raced over: the device last read up to
// index 1 (its avail_event) and then missed the chains published after.
// Once it has not moved across a publish while chains waited, the next
// publish notifies although the index does not pass avail_event.
TEST(Virtqueue, NotifiesADeviceThatStoppedReading) {
    Ring r(8, true, false);
    SimDevice dev(r.q, true);
    int cookie;
    Seg s{0x1000, 8, false};
    r.q.add(&s, 1, &cookie);
    EXPECT_TRUE(r.q.publish()); // 0 -> 1 passes event 0
    dev.avail_event() = 1;      // the device read chain 0
    r.q.add(&s, 1, &cookie);
    EXPECT_TRUE(r.q.publish()); // 1 -> 2 passes event 1: the one it missed
    r.q.add(&s, 1, &cookie);
    EXPECT_TRUE(r.q.publish()); // no progress since, chains unread: notify
    dev.avail_event() = 3;      // it read everything
    r.q.add(&s, 1, &cookie);
    EXPECT_TRUE(r.q.publish()); // 3 -> 4 passes event 3
    dev.avail_event() = 4;
    r.q.add(&s, 1, &cookie);
    EXPECT_TRUE(r.q.publish()); // 4 -> 5 passes event 4
    dev.avail_event() = 5;
    EXPECT_FALSE(r.q.publish()); // nothing new
}

// A transmit queue's device that still holds chains finds the new ones on
// its own: publish() holds the notification back and keeps it owed until
// the device has returned everything; with the device idle it notifies as
// the device asks.
TEST(Virtqueue, NotifiesABusyDeviceOnlyWhenIdle) {
    Ring r(8, true, false);
    r.q.notify_when_idle();
    SimDevice dev(r.q, true);
    int cookie;
    Seg s{0x1000, 8, false};
    uint16_t head;
    uint32_t len;
    r.q.add(&s, 1, &cookie);
    EXPECT_TRUE(r.q.publish()); // idle: 0 -> 1 passes event 0
    EXPECT_FALSE(r.q.owed());
    ASSERT_TRUE(dev.pop_asking_next(&head));
    r.q.add(&s, 1, &cookie);
    EXPECT_FALSE(r.q.publish()); // chain 0 not returned: busy
    EXPECT_TRUE(r.q.owed());
    r.q.add(&s, 1, &cookie);
    EXPECT_FALSE(r.q.publish()); // still busy: owed, not a stall
    EXPECT_TRUE(r.q.owed());
    dev.push(head, 0); // returns chain 0 and reads on: chains 1 and 2
    EXPECT_EQ(r.q.take(&len), &cookie);
    EXPECT_TRUE(r.q.owed()); // 1 and 2 are not returned yet
    for (int i = 0; i < 2; i++) {
        ASSERT_TRUE(dev.pop_asking_next(&head));
        dev.push(head, 0);
        EXPECT_EQ(r.q.take(&len), &cookie);
    }
    EXPECT_FALSE(r.q.owed()); // everything returned: it read them
    r.q.add(&s, 1, &cookie);
    EXPECT_TRUE(r.q.publish()); // idle again: 3 -> 4 passes event 3
    // A device that never comes back: the notification stays owed, for the
    // driver to give (Queue::kick_owed).
    ASSERT_TRUE(dev.pop_asking_next(&head));
    r.q.add(&s, 1, &cookie);
    EXPECT_FALSE(r.q.publish());
    EXPECT_TRUE(r.q.owed());
    r.q.clear_owed();
    EXPECT_FALSE(r.q.owed());
}

// Without notify_when_idle a busy device is notified as it asks.
TEST(Virtqueue, NotifiesABusyDeviceByDefault) {
    Ring r(8, true, false);
    SimDevice dev(r.q, true);
    int cookie;
    Seg s{0x1000, 8, false};
    uint16_t head;
    r.q.add(&s, 1, &cookie);
    EXPECT_TRUE(r.q.publish());
    ASSERT_TRUE(dev.pop_asking_next(&head));
    r.q.add(&s, 1, &cookie);
    EXPECT_TRUE(r.q.publish());
    EXPECT_FALSE(r.q.owed());
}

TEST(Virtqueue, InterruptSuppression) {
    Ring r(8, true, false);
    SimDevice dev(r.q, true);
    int c1, c2;
    Seg s{0x1000, 8, true};
    r.q.add(&s, 1, &c1);
    r.q.add(&s, 1, &c2);
    r.q.publish();
    uint16_t head;
    std::vector<Desc> chain;
    bool indirect;
    // used_event starts at 0: the first used chain interrupts.
    ASSERT_TRUE(dev.pop(&head, &chain, &indirect));
    EXPECT_TRUE(dev.push(head, 1));
    uint32_t w;
    EXPECT_EQ(r.q.take(&w), &c1);
    EXPECT_EQ(dev.used_event(), 1);
    r.q.disable_interrupts();
    ASSERT_TRUE(dev.pop(&head, &chain, &indirect));
    EXPECT_FALSE(dev.push(head, 1)); // suppressed
    // Re-enabling finds the chain that came meanwhile.
    EXPECT_FALSE(r.q.enable_interrupts());
    EXPECT_EQ(r.q.take(&w), &c2);
    EXPECT_TRUE(r.q.enable_interrupts());
    // Without event indexes: the avail flag.
    Ring f(8, false, false);
    SimDevice fdev(f.q, false);
    f.q.disable_interrupts();
    EXPECT_EQ(fdev.avail_flags(), avail_f_no_interrupt);
    f.q.enable_interrupts();
    EXPECT_EQ(fdev.avail_flags(), 0);
}

TEST(Virtqueue, IgnoresChainsTheDeviceWasNotGiven) {
    Ring r(4, false, false);
    SimDevice dev(r.q, false);
    int cookie;
    Seg s{0x1000, 8, true};
    r.q.add(&s, 1, &cookie);
    r.q.publish();
    dev.push(3, 1);  // never given
    dev.push(99, 1); // out of range
    uint32_t w;
    EXPECT_EQ(r.q.take(&w), nullptr);
    EXPECT_EQ(r.q.free_count(), 3);
    uint16_t head;
    std::vector<Desc> chain;
    bool indirect;
    ASSERT_TRUE(dev.pop(&head, &chain, &indirect));
    dev.push(head, 5);
    EXPECT_EQ(r.q.take(&w), &cookie);
    EXPECT_EQ(w, 5u);
}

// Many chains of random lengths, returned out of order, across the 16-bit
// index wrap: every cookie comes back once, the free list stays whole.
TEST(Virtqueue, RandomTrafficAcrossIndexWrap) {
    for (bool indirect : {false, true}) {
        for (bool event_idx : {false, true}) {
            Ring r(16, event_idx, indirect);
            SimDevice dev(r.q, event_idx);
            std::mt19937 rng(indirect * 2 + event_idx);
            std::vector<std::pair<uint16_t, uint32_t>> held; // device-side
            std::vector<int> cookies(100000);
            std::vector<int> seen(cookies.size());
            size_t next = 0, done = 0;
            while (done < cookies.size()) {
                size_t n = 1 + rng() % 5;
                std::vector<Seg> segs(n);
                for (size_t i = 0; i < n; i++)
                    segs[i] = {uint64_t(i + 1) << 12, uint32_t(i + 1), i + 1 == n};
                if (next < cookies.size()) {
                    long rc = r.q.add(segs.data(), n, &cookies[next]);
                    if (rc == 0)
                        next++;
                    else
                        ASSERT_EQ(rc, -28);
                }
                r.q.publish();
                uint16_t head;
                std::vector<Desc> chain;
                bool ind;
                while (dev.pop(&head, &chain, &ind))
                    held.push_back({head, uint32_t(chain.size())});
                // The device answers some of what it holds, in any order.
                while (!held.empty() && rng() % 3) {
                    size_t k = rng() % held.size();
                    dev.push(held[k].first, held[k].second);
                    held.erase(held.begin() + long(k));
                }
                uint32_t w;
                while (void* c = r.q.take(&w)) {
                    size_t i = size_t(static_cast<int*>(c) - cookies.data());
                    ASSERT_LT(i, cookies.size());
                    EXPECT_EQ(seen[i]++, 0);
                    done++;
                }
                if (next == cookies.size() && held.empty() && !r.q.has_used() &&
                    done < cookies.size())
                    FAIL() << "lost chains";
            }
            EXPECT_EQ(r.q.free_count(), 16);
            EXPECT_EQ(r.q.in_flight(), 0);
            EXPECT_GT(dev.last_avail(), 0);
        }
    }
}
