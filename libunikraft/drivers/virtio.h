// Virtio devices, whatever their transport. The transports (virtio-mmio
// slots on microvm, PCI functions on pc: drivers/virtio_mmio.cc,
// drivers/virtio_pci.cc) probe first (UK_DRIVER priority 10) and list what
// they find here; device drivers probe after them (priority 50, or find
// their device later, as a file system does when it is mounted), find
// their devices by type and claim them:
//
//     for (Device* d = find(id_console); d; d = find(id_console, d))
//         if (d->claim("console")) { ... }
//
// then negotiate features, set up their queues, declare themselves ready,
// and exchange buffers through the queues:
//
//     uint64_t features;
//     if (d->negotiate(wanted, &features) < 0) ...
//     Queue* q;
//     if (d->setup_queue(0, 0, nullptr, nullptr, &q) < 0) ...
//     d->ready();
//     Seg segs[] = {{dma_addr(req), req_len, false}, {dma_addr(reply), reply_len, true}};
//     long written = q->call(segs, 2);     // blocks until the device answers
//
// Buffers are kernel memory the device reads or writes directly: the
// kernel heap (kheap_alloc), whole pages (mm::alloc_pages) or static data,
// never a stack (kernel stacks are not in the direct map, and a system call
// from C runs on the app's stack). dma_addr() gives their physical address.
//
// Completion is interrupt-driven. A queue set up without a handler is in
// "call" mode: call() submits a chain and sleeps until the device returns
// it. A queue set up with a handler gets the handler called (kernel
// context, never in the middle of other kernel code: see
// arch/x86_64/irq.h) whenever the device has used chains, and takes them
// itself with take(). submit() + kick() add chains in either mode.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "drivers/virtqueue.h"
#include "lib/list.h"

namespace uk::drivers::virtio {

/// Device types (virtio 1.2, section 5).
inline constexpr uint32_t id_net = 1, id_block = 2, id_console = 3, id_rng = 4, id_9p = 9;

/// Feature bits every device type shares. The core accepts the ring
/// features and VERSION_1 itself whenever the device offers them.
inline constexpr uint64_t f_notify_on_empty = 1ull << 24, f_any_layout = 1ull << 27,
                          f_ring_indirect_desc = 1ull << 28, f_ring_event_idx = 1ull << 29,
                          f_version_1 = 1ull << 32, f_access_platform = 1ull << 33;

/// Device status bits.
inline constexpr uint8_t status_acknowledge = 1, status_driver = 2, status_driver_ok = 4,
                         status_features_ok = 8, status_needs_reset = 64, status_failed = 128;

class Device;
class Queue;

/// A queue's handler: the device has used chains (take them with
/// Queue::take). Kernel context, interrupts off; must not block.
using QueueHandler = void (*)(Queue* q, void* ctx);
/// A device's configuration-change handler, in the same context.
using ConfigHandler = void (*)(Device* d, void* ctx);

/// The physical address of kernel memory a device may use (heap, pages,
/// static data). Not for stacks.
uint64_t dma_addr(const void* p);

/// A thread waiting in Queue::submit for room in the ring.
struct SpaceWaiter {
    ListNode<SpaceWaiter> link;
    void* thread;
};

/// One virtqueue of a device: the ring (Virtqueue) plus submission,
/// notification and completion.
class Queue : public Virtqueue {
  public:
    /// Adds a chain (see Virtqueue::add) with `cookie` for take(), and
    /// publishes it; the device hears of it at the next kick(). When the
    /// ring is full, waits for room (a signal does not end that wait): a
    /// handler may only submit to a ring that cannot be full (fewer chains
    /// of its own than entries). Returns 0 or Virtqueue::add's
    /// -EINVAL/-ENOMEM.
    long submit(const Seg* segs, size_t n, void* cookie);
    /// Notifies the device of published chains when it asked to hear.
    void kick();
    /// Notifies the device of what publish() held back (owed()), if it is
    /// still owed.
    void kick_owed();

    /// "Call" mode only (no handler): submits a chain, kicks and sleeps
    /// until the device returns it. Returns the bytes the device wrote into
    /// the chain's writable segments, or submit()'s error. A signal does
    /// not end the wait (the device owns the buffers until it answers); it
    /// is taken on the way back to the app.
    long call(const Seg* segs, size_t n);

    /// Does the queue's completion work now, as its interrupt would (runs
    /// the handler, or completes calls): for a caller that may find the
    /// answer already there.
    void poll();

    Device* device() const { return m_dev; }

  private:
    friend class Device;
    void on_interrupt();
    Device* m_dev = nullptr;
    QueueHandler m_handler = nullptr;
    void* m_ctx = nullptr;
    IntrusiveList<SpaceWaiter, &SpaceWaiter::link> m_space_waiters;
};

/// A virtio device found by a transport. The public part is what device
/// drivers use; the transport implements the protected hooks.
class Device {
  public:
    Device(const Device&) = delete;
    Device& operator=(const Device&) = delete;

    /// The device type (id_*).
    uint32_t device_id() const { return m_device_id; }
    /// Where it is, for messages ("virtio-mmio@0xfeb00e00", "virtio-pci 00:03.0").
    const char* name() const { return m_name; }
    /// Whether the transport speaks virtio 1.x to it (else legacy 0.9.5).
    bool modern() const { return m_modern; }

    /// Takes the device for `driver`. Returns false when a driver has it.
    bool claim(const char* driver);
    /// The driver that claimed it, or nullptr.
    const char* owner() const { return m_owner; }

    /// Resets the device and negotiates features: accepts those of `wanted`
    /// (device-type bits) the device offers, plus the ring features and
    /// VERSION_1 when offered. Returns 0 with the accepted set in
    /// *accepted, or -EIO when the device refuses them (it is then marked
    /// failed).
    long negotiate(uint64_t wanted, uint64_t* accepted);
    /// The features negotiate() accepted.
    uint64_t features() const { return m_features; }

    /// Reads `len` bytes of the device-specific configuration at `off`,
    /// consistently (retried while the device changes it meanwhile).
    void read_config(size_t off, void* buf, size_t len);
    /// Writes to the device-specific configuration.
    void write_config(size_t off, const void* buf, size_t len);
    template <typename T> T config(size_t off) {
        T v;
        read_config(off, &v, sizeof(T));
        return v;
    }

    /// Sets up queue `index` with at most `max_size` entries (0: as many as
    /// the device allows, capped at 256), interrupt-driven: `handler` runs
    /// when the device has used chains, or with no handler the queue is in
    /// call mode. After negotiate(), before ready(). Returns 0 with the
    /// queue in *out; -ENOENT when the device has no such queue, -ENOMEM,
    /// -EBUSY when it is set up already, -EIO for a transport failure.
    long setup_queue(uint16_t index, uint16_t max_size, QueueHandler handler, void* ctx,
                     Queue** out);
    /// Calls `handler` when the device reports a configuration change.
    void on_config_change(ConfigHandler handler, void* ctx);
    /// Declares the driver ready (DRIVER_OK): the device starts using the
    /// queues.
    void ready();
    /// Gives up on the device (FAILED) after a driver error.
    void fail();

    /// Queue `index` once set up, else nullptr.
    Queue* queue(uint16_t index) const { return index < max_queues ? m_queues[index] : nullptr; }

  protected:
    friend class Queue;
    Device() = default;
    ~Device() = default;

    // What a transport implements. Feature words are 64-bit (legacy
    // devices have the low 32 only).
    virtual uint64_t device_features() = 0;
    virtual void set_driver_features(uint64_t f) = 0;
    virtual uint8_t status() = 0;
    virtual void set_status(uint8_t s) = 0;
    /// Writes 0 to the status and waits for the device to finish resetting.
    virtual void reset() = 0;
    virtual uint8_t config_generation() = 0;
    virtual uint8_t config_read8(size_t off) = 0;
    virtual void config_write8(size_t off, uint8_t v) = 0;
    /// The most entries queue `index` may have; 0 when there is no such
    /// queue or it is in use.
    virtual uint16_t queue_max(uint16_t index) = 0;
    /// The used ring's alignment the transport needs (4096 legacy).
    virtual size_t queue_align() = 0;
    /// Gives the queue's rings to the device and routes its interrupt.
    /// Returns 0 or -EIO.
    virtual long queue_activate(Queue& q) = 0;
    /// Tells the device queue `index` has new chains.
    virtual void queue_notify(uint16_t index) = 0;

    /// For the transports' interrupt handlers: the device has used chains
    /// (in some queue); its configuration changed.
    void queues_interrupt();
    void config_interrupt();

    /// Lists the device (the transports call it once it is identified).
    void add(uint32_t device_id, const char* name, bool modern);

    static constexpr uint16_t max_queues = 8;

  private:
    Queue* m_queues[max_queues] = {};
    uint32_t m_device_id = 0;
    const char* m_name = "";
    const char* m_owner = nullptr;
    uint64_t m_features = 0;
    ConfigHandler m_config_handler = nullptr;
    void* m_config_ctx = nullptr;
    bool m_modern = false;
};

/// The next device of type `device_id` after `after` (nullptr: the first),
/// in the order the transports found them; device_id 0 means any type.
Device* find(uint32_t device_id, Device* after = nullptr);

} // namespace uk::drivers::virtio
