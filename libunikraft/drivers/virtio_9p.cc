// virtio-9p: each device is a channel to a 9P server exporting one host
// directory under a mount tag. One request queue; every request is a chain
// (the message, then the buffers the server writes its reply into), taken
// back by the queue's interrupt handler, which wakes the thread waiting for
// it or finishes an asynchronous request. The 9P session on top is
// vfs/p9_client.h's.
#include <new>

#include <uk/console.h>

#include "drivers/driver.h"
#include "drivers/virtio.h"
#include "lib/errno.h"
#include "mm/kheap.h"
#include "sched/sched.h"
#include "vfs/p9_client.h"

namespace uk::drivers {

namespace {

using virtio::Device;
using virtio::Queue;

/// The device offers a mount tag in its configuration.
constexpr uint64_t f_mount_tag = 1;
/// Linux and QEMU keep tags short; the configuration's length field allows more.
constexpr size_t max_tag = 255;

static_assert(sizeof(p9::Seg) == sizeof(virtio::Seg) &&
                  offsetof(p9::Seg, phys) == offsetof(virtio::Seg, phys) &&
                  offsetof(p9::Seg, len) == offsetof(virtio::Seg, len) &&
                  offsetof(p9::Seg, device_writes) == offsetof(virtio::Seg, device_writes),
              "a 9P segment is handed to the virtqueue as it is");

// A thread waiting for its request.
struct Waiting {
    p9::Completion c;
    sched::Thread* thread;
    bool finished;
};

class Virtio9p final : public p9::Transport {
  public:
    long call(const p9::Seg* segs, size_t n) override {
        Waiting w{{wake_waiter, 0}, sched::current(), false};
        if (long r = post(segs, n, &w.c))
            return r;
        // Under emulation the device often answers during the notification
        // itself: look before sleeping.
        m_queue->poll();
        if (!w.finished) {
            sched::device_wait_begin();
            while (!w.finished)
                sched::block(0, sched::Signals::defer);
            sched::device_wait_end();
        }
        return long(w.c.written);
    }

    long post(const p9::Seg* segs, size_t n, p9::Completion* c) override {
        if (n > m_max_segs)
            return -EINVAL;
        if (long r = m_queue->submit(reinterpret_cast<const virtio::Seg*>(segs), n, c))
            return r;
        m_queue->kick();
        return 0;
    }

    size_t max_segs() const override { return m_max_segs; }

    static void wake_waiter(p9::Completion* c) {
        auto* w = reinterpret_cast<Waiting*>(c);
        w->finished = true;
        // A no-op for a thread still running (a poll that found its own
        // answer); the idle loop runs this for a thread already marked
        // blocked, the waiter itself included.
        sched::wake(w->thread, 0);
    }

    static void on_used(Queue* q, void*) {
        uint32_t written;
        while (void* cookie = q->take(&written)) {
            auto* c = static_cast<p9::Completion*>(cookie);
            c->written = written;
            c->done(c);
        }
    }

    Queue* m_queue = nullptr;
    size_t m_max_segs = 0;
    char m_tag[max_tag + 1] = {};
};

void probe() {
    for (Device* d = virtio::find(virtio::id_9p); d; d = virtio::find(virtio::id_9p, d)) {
        if (!d->claim("9p"))
            continue;
        uint64_t features;
        if (d->negotiate(f_mount_tag, &features) < 0)
            continue;
        if (!(features & f_mount_tag)) {
            uk_printk("uk: %s: virtio-9p device without a mount tag, not used\n", d->name());
            d->fail();
            continue;
        }
        void* mem = kheap_alloc(sizeof(Virtio9p), alignof(Virtio9p));
        if (!mem) {
            uk_printk("uk: %s: out of memory for virtio-9p\n", d->name());
            d->fail();
            continue;
        }
        auto* v = new (mem) Virtio9p();
        size_t len = d->config<uint16_t>(0);
        if (len > max_tag)
            len = max_tag;
        d->read_config(2, v->m_tag, len);
        v->m_tag[len] = '\0';
        v->tag = v->m_tag;
        if (long r = d->setup_queue(0, 0, Virtio9p::on_used, v, &v->m_queue)) {
            uk_printk("uk: %s: virtio-9p queue setup failed (%ld)\n", d->name(), r);
            d->fail();
            kheap_free(v);
            continue;
        }
        // A chain of several segments takes one ring entry through an
        // indirect table; without those, each segment takes one.
        bool indirect = features & virtio::f_ring_indirect_desc;
        v->m_max_segs = indirect ? virtio::Virtqueue::max_indirect : v->m_queue->size();
        d->ready();
        p9::add_transport(v);
    }
}

} // namespace

UK_DRIVER(virtio_9p, 50, "virtio-9p", probe);

} // namespace uk::drivers
