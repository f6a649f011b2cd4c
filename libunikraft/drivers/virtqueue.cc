#include "drivers/virtqueue.h"

#include "lib/errno.h"

namespace uk::drivers::virtio {

namespace {

// The device reads what the driver wrote before it reads the index that
// publishes it, and the driver reads what the device wrote after the index
// that says so: on x86 the hardware keeps those orders, the compiler must
// too. A store followed by a load of another location is the one order x86
// does not keep (publish, enable_interrupts): that takes a full fence.
inline void compiler_barrier() {
    asm volatile("" ::: "memory");
}
inline void full_barrier() {
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

constexpr size_t align_up(size_t v, size_t a) {
    return (v + a - 1) & ~(a - 1);
}

constexpr size_t avail_bytes(uint16_t size) {
    return 6 + 2 * size_t(size);
}

} // namespace

size_t Virtqueue::ring_bytes(uint16_t size, size_t used_align) {
    size_t used_off = align_up(sizeof(Desc) * size + avail_bytes(size), used_align);
    return used_off + 6 + sizeof(UsedElem) * size;
}

long Virtqueue::init(uint16_t index, uint16_t size, void* mem, uint64_t phys, size_t used_align,
                     bool event_idx, bool indirect, const RingMemory& memory) {
    if (size == 0 || size > 32768 || (size & (size - 1)))
        return -EINVAL;
    auto** book = static_cast<void**>(memory.alloc(2 * sizeof(void*) * size));
    if (!book)
        return -ENOMEM;
    for (size_t i = 0; i < 2 * size_t(size); i++)
        book[i] = nullptr;
    m_mem = memory;
    m_cookies = book;
    m_indirect = book + size;
    m_index = index;
    m_size = size;
    m_phys = phys;
    auto* base = static_cast<uint8_t*>(mem);
    m_desc = reinterpret_cast<volatile Desc*>(base);
    m_avail = reinterpret_cast<volatile uint16_t*>(base + sizeof(Desc) * size);
    m_used = base + align_up(sizeof(Desc) * size + avail_bytes(size), used_align);
    for (uint16_t i = 0; i < size; i++)
        m_desc[i].next = uint16_t(i + 1);
    m_free_head = 0;
    m_free_count = size;
    m_in_flight = 0;
    m_avail_shadow = m_avail_published = m_last_used = m_avail_event_seen = 0;
    m_event_idx = event_idx;
    m_use_indirect = indirect;
    m_interrupts = true;
    return 0;
}

void Virtqueue::destroy() {
    if (!m_cookies)
        return;
    for (uint16_t i = 0; i < m_size; i++)
        if (m_indirect[i])
            m_mem.free(m_indirect[i]);
    m_mem.free(m_cookies);
    m_cookies = m_indirect = nullptr;
    m_size = 0;
}

uint64_t Virtqueue::avail_phys() const {
    return m_phys + sizeof(Desc) * m_size;
}

uint64_t Virtqueue::used_phys() const {
    return m_phys + uint64_t(m_used - reinterpret_cast<volatile uint8_t*>(m_desc));
}

uint16_t Virtqueue::alloc_desc() {
    uint16_t d = m_free_head;
    m_free_head = m_desc[d].next;
    m_free_count--;
    return d;
}

void Virtqueue::free_chain(uint16_t head) {
    uint16_t last = head;
    uint16_t n = 1;
    if (m_indirect[head]) {
        m_mem.free(m_indirect[head]);
        m_indirect[head] = nullptr;
    } else {
        while ((m_desc[last].flags & desc_f_next) && n < m_size) {
            last = m_desc[last].next;
            n++;
        }
    }
    m_desc[last].next = m_free_head;
    m_free_head = head;
    m_free_count = uint16_t(m_free_count + n);
}

long Virtqueue::add(const Seg* segs, size_t n, void* cookie) {
    if (n == 0 || !cookie)
        return -EINVAL;
    for (size_t i = 1; i < n; i++)
        if (segs[i - 1].device_writes && !segs[i].device_writes)
            return -EINVAL;
    const bool can_indirect = m_use_indirect && n > 1 && n <= max_indirect;
    if (!can_indirect && n > m_size)
        return -EINVAL;
    if (m_free_count == 0)
        return -ENOSPC;
    uint16_t head;
    Desc* table = nullptr;
    if (can_indirect)
        table = static_cast<Desc*>(m_mem.alloc(sizeof(Desc) * n));
    if (table) {
        for (size_t i = 0; i < n; i++) {
            uint16_t flags = segs[i].device_writes ? desc_f_write : 0;
            if (i + 1 < n)
                flags |= desc_f_next;
            table[i] = Desc{segs[i].phys, segs[i].len, flags, uint16_t(i + 1)};
        }
        head = alloc_desc();
        m_desc[head].addr = m_mem.phys(table);
        m_desc[head].len = uint32_t(sizeof(Desc) * n);
        m_desc[head].flags = desc_f_indirect;
        m_indirect[head] = table;
    } else {
        if (n > m_free_count)
            return n > m_size ? -ENOMEM : -ENOSPC;
        head = alloc_desc();
        uint16_t d = head;
        for (size_t i = 0;; i++) {
            m_desc[d].addr = segs[i].phys;
            m_desc[d].len = segs[i].len;
            uint16_t flags = segs[i].device_writes ? desc_f_write : 0;
            if (i + 1 == n) {
                m_desc[d].flags = flags;
                break;
            }
            uint16_t next = alloc_desc();
            m_desc[d].flags = flags | desc_f_next;
            m_desc[d].next = next;
            d = next;
        }
    }
    m_cookies[head] = cookie;
    avail_ring()[m_avail_shadow & (m_size - 1)] = head;
    m_avail_shadow++;
    m_in_flight++;
    return 0;
}

bool Virtqueue::publish() {
    uint16_t old_idx = m_avail_published;
    uint16_t new_idx = m_avail_shadow;
    if (old_idx == new_idx)
        return false;
    compiler_barrier();
    *avail_idx() = new_idx;
    m_avail_published = new_idx;
    full_barrier();
    bool need;
    if (m_event_idx) {
        // The device writes avail_event as it reads chains. If it still
        // stands where it stood at the last publish, behind what was
        // published then, the device has stopped reading although chains
        // wait: a notification lost between its last look at the index and
        // our last look at avail_event (seen under QEMU's TCG, where the
        // transmit queue then stayed unread until the VM ended). Notify.
        // Unless the notification was held back here: owed, not lost.
        uint16_t event = *avail_event();
        bool stalled = !m_owed && event == m_avail_event_seen && event != old_idx;
        m_avail_event_seen = event;
        need = stalled || need_event(event, new_idx, old_idx);
    } else {
        need = !(*used_flags() & used_f_no_notify);
    }
    // A device that still holds chains published before looks at the
    // index again after it returns each (notify_when_idle), with a full
    // barrier between the two as there is one here between writing the
    // index and reading the used index: if we see a chain not returned
    // yet, its next look sees these chains (or, rarely, not: owed()).
    // Once it has returned everything published before, it has read what
    // was owed.
    if ((need || m_owed) && m_notify_when_idle && *used_idx() != old_idx) {
        m_owed = true;
        return false;
    }
    m_owed = false;
    return need;
}

bool Virtqueue::owed() {
    if (!m_owed)
        return false;
    full_barrier();
    if (*used_idx() == m_avail_published)
        m_owed = false;
    return m_owed;
}

uint16_t Virtqueue::device_holds() const {
    if (!m_size)
        return 0;
    uint16_t used_not_taken = uint16_t(*used_idx() - m_last_used);
    return used_not_taken >= m_in_flight ? 0 : uint16_t(m_in_flight - used_not_taken);
}

bool Virtqueue::has_used() const {
    return m_size && *used_idx() != m_last_used;
}

void* Virtqueue::take(uint32_t* written) {
    while (has_used()) {
        compiler_barrier();
        volatile UsedElem& e = used_ring()[m_last_used & (m_size - 1)];
        uint32_t id = e.id;
        uint32_t len = e.len;
        m_last_used++;
        if (m_event_idx && m_interrupts)
            *used_event() = m_last_used;
        // A device that returns a chain it was not given is ignored rather
        // than trusted with the free list.
        if (id >= m_size || !m_cookies[id])
            continue;
        void* cookie = m_cookies[id];
        m_cookies[id] = nullptr;
        free_chain(uint16_t(id));
        m_in_flight--;
        *written = len;
        return cookie;
    }
    return nullptr;
}

void Virtqueue::disable_interrupts() {
    m_interrupts = false;
    *avail_flags() = avail_f_no_interrupt;
    // With event indexes the flag is ignored: an index the device will not
    // reach for 65535 chains says the same.
    if (m_event_idx)
        *used_event() = uint16_t(m_last_used - 1);
}

bool Virtqueue::enable_interrupts() {
    m_interrupts = true;
    *avail_flags() = 0;
    if (m_event_idx)
        *used_event() = m_last_used;
    full_barrier();
    return !has_used();
}

} // namespace uk::drivers::virtio
