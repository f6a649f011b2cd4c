// A split virtqueue (virtio 1.2, section 2.7): the descriptor table, the
// available ring the driver fills and the used ring the device fills, in
// one block of memory the queue owns. This is the ring arithmetic only:
// descriptor allocation, chains and indirect tables, the event-index and
// flag rules for notifications and interrupts. It touches no hardware and
// allocates nothing itself (the memory hooks do), so host unit tests drive
// it against a simulated device. The kernel side (transports, interrupts,
// waiting) is drivers/virtio.h.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk::drivers::virtio {

/// One descriptor (the layout the device reads).
struct Desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};
static_assert(sizeof(Desc) == 16, "virtio fixes the descriptor layout");

/// One used-ring element.
struct UsedElem {
    uint32_t id;
    uint32_t len;
};
static_assert(sizeof(UsedElem) == 8, "virtio fixes the used element layout");

/// Descriptor flags.
inline constexpr uint16_t desc_f_next = 1, desc_f_write = 2, desc_f_indirect = 4;
/// Ring flags: the driver asks for no interrupts (avail), the device for no
/// notifications (used). Advisory when event indexes are in use.
inline constexpr uint16_t avail_f_no_interrupt = 1, used_f_no_notify = 1;

/// One buffer of a chain: memory by physical address, which the device
/// either reads (the request) or writes (the reply).
struct Seg {
    uint64_t phys;
    uint32_t len;
    bool device_writes;
};

/// Where the queue gets memory for indirect tables and learns their
/// physical addresses. alloc returns nullptr when memory is short (the
/// queue then uses direct descriptors).
struct RingMemory {
    void* (*alloc)(size_t bytes);
    void (*free)(void* p);
    uint64_t (*phys)(const void* p);
};

/// The driver's side of one split virtqueue. Not thread-safe: callers
/// serialise (one CPU, a kernel that is not preemptible).
class Virtqueue {
  public:
    /// The bytes a queue of `size` entries needs, with the used ring at a
    /// multiple of `used_align` (4096 for legacy devices, 4 for modern).
    static size_t ring_bytes(uint16_t size, size_t used_align);
    /// The most descriptors one indirect table may hold.
    static constexpr size_t max_indirect = 256;

    Virtqueue() = default;
    Virtqueue(const Virtqueue&) = delete;
    Virtqueue& operator=(const Virtqueue&) = delete;

    /// Lays the queue out over `mem` (ring_bytes(size, used_align) zeroed
    /// bytes at physical address `phys`; size a power of two, at most
    /// 32768), allocating its bookkeeping through `memory`. `event_idx` and
    /// `indirect` say which of VIRTIO_RING_F_EVENT_IDX and
    /// VIRTIO_RING_F_INDIRECT_DESC were negotiated. Returns 0, -EINVAL for a
    /// bad size, -ENOMEM.
    long init(uint16_t index, uint16_t size, void* mem, uint64_t phys, size_t used_align,
              bool event_idx, bool indirect, const RingMemory& memory);
    /// Frees the bookkeeping and any indirect table still in use (the
    /// device must have been reset first). The ring memory is the caller's.
    void destroy();

    uint16_t index() const { return m_index; }
    uint16_t size() const { return m_size; }
    /// Physical addresses of the three parts, for the transport.
    uint64_t desc_phys() const { return m_phys; }
    uint64_t avail_phys() const;
    uint64_t used_phys() const;

    /// Free descriptors in the table.
    uint16_t free_count() const { return m_free_count; }
    /// Chains not taken back yet (held by the device, or used and not
    /// taken).
    uint16_t in_flight() const { return m_in_flight; }
    /// Chains the device still holds (not used yet). Reads the used index
    /// only: safe wherever the queue's own code cannot run (a panic).
    uint16_t device_holds() const;
    /// Chains added since the last publish().
    uint16_t unpublished() const { return uint16_t(m_avail_shadow - m_avail_published); }

    /// Makes a chain of `n` segments (those the device reads first, then
    /// those it writes) available, with `cookie` (not null) to be returned
    /// by take(). A chain of several segments goes through an indirect table
    /// (one descriptor in the ring) when that was negotiated and memory
    /// allows. Returns 0; -EINVAL when n is 0, a readable segment follows a
    /// writable one, or the chain is longer than the ring and cannot be
    /// indirect; -ENOMEM when it could only be indirect and memory is short;
    /// -ENOSPC when the ring has no room now (retry after take()).
    long add(const Seg* segs, size_t n, void* cookie);

    /// Publishes the chains added since the last call and says whether the
    /// device wants to be notified of them: when it asked to hear of them,
    /// and (with event indexes) when it has read none of what was there at
    /// the last publish, which a notification the two sides raced over would
    /// otherwise leave unread for good. With notify_when_idle(), not while
    /// the device still holds chains published before: the notification is
    /// owed (owed()) and goes with a later publish if still needed then.
    bool publish();

    /// For a queue whose device, while it holds chains, reads on until the
    /// available ring is empty (a transmit queue: QEMU's device model looks
    /// at the index again after it returns each chain): publish() leaves
    /// such a device alone while it is busy. QEMU asks to hear of every
    /// chain it has not read yet, so without this each of a burst of
    /// frames costs a notification, and each notification a wait for the
    /// device model's lock while it is still sending the frame before.
    ///
    /// The device's look at the index can still miss chains, rarely: under
    /// QEMU's TCG with one vCPU the guest's fences are not the host's, and
    /// a device may return its last chains only after its last look. So a
    /// held-back notification stays owed until the device has returned
    /// those chains, and the driver gives it when it has waited too long
    /// (owed()).
    void notify_when_idle() { m_notify_when_idle = true; }
    /// Whether publish() held back a notification and the device has not
    /// returned everything published since.
    bool owed();
    /// Forgets a held-back notification (the caller gives it).
    void clear_owed() { m_owed = false; }

    /// Takes one chain the device has used: returns its cookie and sets
    /// *written to the bytes the device wrote; nullptr when there is none.
    void* take(uint32_t* written);

    /// Whether the device has used chains take() has not returned.
    bool has_used() const;

    /// Asks the device not to interrupt for used chains (a hint).
    void disable_interrupts();
    /// Asks for an interrupt at the next used chain. Returns false when
    /// chains were used meanwhile: take() them, or the interrupt may never
    /// come for them.
    bool enable_interrupts();

  private:
    uint16_t alloc_desc();
    void free_chain(uint16_t head);
    volatile uint16_t* avail_flags() const { return m_avail; }
    volatile uint16_t* avail_idx() const { return m_avail + 1; }
    volatile uint16_t* avail_ring() const { return m_avail + 2; }
    volatile uint16_t* used_event() const { return m_avail + 2 + m_size; }
    volatile uint16_t* used_flags() const { return reinterpret_cast<volatile uint16_t*>(m_used); }
    volatile uint16_t* used_idx() const { return used_flags() + 1; }
    volatile UsedElem* used_ring() const {
        return reinterpret_cast<volatile UsedElem*>(used_flags() + 2);
    }
    volatile uint16_t* avail_event() const {
        return reinterpret_cast<volatile uint16_t*>(used_ring() + m_size);
    }

    volatile Desc* m_desc = nullptr;
    volatile uint16_t* m_avail = nullptr;
    volatile uint8_t* m_used = nullptr;
    uint64_t m_phys = 0;
    void** m_cookies = nullptr;
    void** m_indirect = nullptr; // per head: its indirect table, or null
    RingMemory m_mem{};
    uint16_t m_index = 0;
    uint16_t m_size = 0;
    uint16_t m_free_head = 0;
    uint16_t m_free_count = 0;
    uint16_t m_in_flight = 0;
    uint16_t m_avail_shadow = 0; // the avail index chains are added at
    uint16_t m_avail_published = 0;
    uint16_t m_avail_event_seen = 0; // the device's avail_event at the last publish
    uint16_t m_last_used = 0;
    bool m_event_idx = false;
    bool m_interrupts = true;
    bool m_use_indirect = false;
    bool m_notify_when_idle = false;
    bool m_owed = false; // a notification publish() held back
};

/// The event-index rule (virtio 1.2, 2.7.10): whether moving an index from
/// `old_idx` to `new_idx` passes `event`, so the other side asked to hear.
inline bool need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx) {
    return uint16_t(new_idx - event - 1) < uint16_t(new_idx - old_idx);
}

} // namespace uk::drivers::virtio
