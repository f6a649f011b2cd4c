#include "drivers/virtio.h"

#include <new>

#include <uk/console.h>
#include <uk/exit.h>

#include "lib/errno.h"
#include "lib/panic.h"
#include "mm/image.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "mm/mm.h"
#include "sched/sched.h"

namespace uk::drivers::virtio {

namespace {

constexpr size_t max_devices = 32;
constexpr uint16_t default_queue_size = 256;

constinit Device* g_devices[max_devices]{};
constinit size_t g_ndevices = 0;

void* ring_alloc(size_t bytes) {
    return kheap_alloc(bytes, 16);
}

const RingMemory g_ring_memory{ring_alloc, kheap_free, dma_addr};

// A call-mode chain: the cookie take() returns.
struct Completion {
    sched::Thread* thread;
    uint32_t written;
    bool done;
};

} // namespace

uint64_t dma_addr(const void* p) {
    uintptr_t va = reinterpret_cast<uintptr_t>(p);
    bool direct = va >= mm::direct_map_base && va - mm::direct_map_base < mm::direct_map_size;
    bool image = va >= reinterpret_cast<uintptr_t>(__uk_image_start) &&
                 va < reinterpret_cast<uintptr_t>(__uk_image_end);
    if (!direct && !image)
        panic_status(UK_EXIT_PANIC, "virtio: a buffer outside the direct map and the image");
    return mm::virt_to_phys(p);
}

// ---------------------------------------------------------------- Queue

void Queue::kick() {
    if (publish())
        m_dev->queue_notify(index());
}

void Queue::kick_owed() {
    if (owed()) {
        clear_owed();
        m_dev->queue_notify(index());
    }
}

long Queue::submit(const Seg* segs, size_t n, void* cookie) {
    for (;;) {
        long r = add(segs, n, cookie);
        if (r != -ENOSPC)
            return r;
        // Full: what is published must reach the device, or no room ever
        // comes back.
        kick();
        poll();
        if ((r = add(segs, n, cookie)) != -ENOSPC)
            return r;
        SpaceWaiter w{{}, sched::current()};
        m_space_waiters.push_back(&w);
        sched::device_wait_begin();
        sched::block(0, sched::Signals::defer);
        sched::device_wait_end();
        if (IntrusiveList<SpaceWaiter, &SpaceWaiter::link>::linked(&w))
            m_space_waiters.remove(&w);
    }
}

long Queue::call(const Seg* segs, size_t n) {
    Completion c{sched::current(), 0, false};
    if (long r = submit(segs, n, &c))
        return r;
    kick();
    // Under emulation the device often answers during the notification
    // itself: look before sleeping.
    poll();
    if (!c.done) {
        sched::device_wait_begin();
        while (!c.done)
            sched::block(0, sched::Signals::defer);
        sched::device_wait_end();
    }
    return long(c.written);
}

void Queue::poll() {
    on_interrupt();
}

void Queue::on_interrupt() {
    uint16_t free_before = free_count();
    if (m_handler) {
        m_handler(this, m_ctx);
    } else {
        uint32_t written;
        while (void* cookie = take(&written)) {
            auto* c = static_cast<Completion*>(cookie);
            c->written = written;
            c->done = true;
            // A no-op for a thread still running (a poll that found its own
            // answer); the idle loop may run this for a thread already
            // marked blocked, itself included.
            sched::wake(c->thread, 0);
        }
    }
    if (free_count() > free_before) {
        while (SpaceWaiter* w = m_space_waiters.pop_front())
            sched::wake(static_cast<sched::Thread*>(w->thread), 0);
    }
}

// ---------------------------------------------------------------- Device

void Device::add(uint32_t device_id, const char* name, bool modern) {
    m_device_id = device_id;
    m_name = name;
    m_modern = modern;
    if (g_ndevices < max_devices)
        g_devices[g_ndevices++] = this;
}

Device* find(uint32_t device_id, Device* after) {
    size_t i = 0;
    if (after) {
        while (i < g_ndevices && g_devices[i] != after)
            i++;
        i++;
    }
    for (; i < g_ndevices; i++)
        if (!device_id || g_devices[i]->device_id() == device_id)
            return g_devices[i];
    return nullptr;
}

bool Device::claim(const char* driver) {
    if (m_owner)
        return false;
    m_owner = driver;
    return true;
}

long Device::negotiate(uint64_t wanted, uint64_t* accepted) {
    reset();
    set_status(status_acknowledge);
    set_status(status_acknowledge | status_driver);
    uint64_t offered = device_features();
    uint64_t core = f_ring_indirect_desc | f_ring_event_idx | (m_modern ? f_version_1 : 0);
    uint64_t f = offered & (wanted | core);
    set_driver_features(f);
    if (m_modern) {
        set_status(status_acknowledge | status_driver | status_features_ok);
        if (!(status() & status_features_ok)) {
            set_status(status_failed);
            uk_printk("uk: %s: the device refuses features 0x%lx\n", m_name, f);
            return -EIO;
        }
    }
    m_features = f;
    *accepted = f;
    return 0;
}

void Device::read_config(size_t off, void* buf, size_t len) {
    auto* out = static_cast<uint8_t*>(buf);
    uint8_t gen;
    do {
        gen = config_generation();
        for (size_t i = 0; i < len; i++)
            out[i] = config_read8(off + i);
    } while (gen != config_generation());
}

void Device::write_config(size_t off, const void* buf, size_t len) {
    auto* in = static_cast<const uint8_t*>(buf);
    for (size_t i = 0; i < len; i++)
        config_write8(off + i, in[i]);
}

long Device::setup_queue(uint16_t index, uint16_t max_size, QueueHandler handler, void* ctx,
                         Queue** out) {
    if (index >= max_queues)
        return -ENOENT;
    if (m_queues[index])
        return -EBUSY;
    uint16_t size = queue_max(index);
    if (!size)
        return -ENOENT;
    uint16_t cap = max_size ? max_size : default_queue_size;
    // Legacy devices fix the size; modern ones take any power of two up to
    // their maximum.
    if (m_modern) {
        if (size > cap)
            size = cap;
        size = uint16_t(1u << (31 - __builtin_clz(size))); // a power of two
    }
    size_t bytes = Virtqueue::ring_bytes(size, queue_align());
    size_t pages = (bytes + mm::page_size - 1) / mm::page_size;
    void* mem = mm::alloc_pages(pages);
    auto* q = static_cast<Queue*>(kheap_alloc(sizeof(Queue), alignof(Queue)));
    if (!mem || !q) {
        if (mem)
            mm::free_pages(mem, pages);
        kheap_free(q);
        return -ENOMEM;
    }
    new (q) Queue();
    bool event_idx = m_features & f_ring_event_idx;
    bool indirect = m_features & f_ring_indirect_desc;
    if (long r = q->init(index, size, mem, mm::virt_to_phys(mem), queue_align(), event_idx,
                         indirect, g_ring_memory)) {
        mm::free_pages(mem, pages);
        kheap_free(q);
        return r;
    }
    q->m_dev = this;
    q->m_handler = handler;
    q->m_ctx = ctx;
    if (long r = queue_activate(*q)) {
        q->destroy();
        mm::free_pages(mem, pages);
        kheap_free(q);
        return r;
    }
    m_queues[index] = q;
    *out = q;
    return 0;
}

void Device::on_config_change(ConfigHandler handler, void* ctx) {
    m_config_handler = handler;
    m_config_ctx = ctx;
}

void Device::ready() {
    set_status(uint8_t(status() | status_driver_ok));
}

void Device::fail() {
    set_status(uint8_t(status() | status_failed));
}

void Device::queues_interrupt() {
    for (Queue* q : m_queues)
        if (q)
            q->on_interrupt();
}

void Device::config_interrupt() {
    if (m_config_handler)
        m_config_handler(this, m_config_ctx);
}

} // namespace uk::drivers::virtio
