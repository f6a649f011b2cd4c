// The virtio PCI transport (virtio 1.2, section 4.1) on bus 0 of QEMU's pc
// machine: modern devices through their vendor capabilities (common
// configuration, notifications, ISR, device configuration in memory
// BARs), legacy (0.9.5) devices through I/O BAR 0 when there are no such
// capabilities. Interrupts are MSI-X (one vector for configuration
// changes, one for the queues) where the device has it, else its INTx line.
#include <new>

#include <uk/console.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/irq.h"
#include "drivers/driver.h"
#include "drivers/pci.h"
#include "drivers/virtio.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "mm/kheap.h"
#include "mm/layout.h"

namespace uk::drivers::virtio {

namespace {

constexpr uint16_t vendor_virtio = 0x1af4;
constexpr uint16_t no_vector = 0xffff;

// Vendor capability types.
constexpr uint8_t cap_common = 1, cap_notify = 2, cap_isr = 3, cap_device = 4;

// The modern common configuration structure.
enum Common : uint32_t {
    c_device_feature_select = 0x00,
    c_device_feature = 0x04,
    c_driver_feature_select = 0x08,
    c_driver_feature = 0x0c,
    c_msix_config = 0x10,
    c_num_queues = 0x12,
    c_device_status = 0x14,
    c_config_generation = 0x15,
    c_queue_select = 0x16,
    c_queue_size = 0x18,
    c_queue_msix_vector = 0x1a,
    c_queue_enable = 0x1c,
    c_queue_notify_off = 0x1e,
    c_queue_desc = 0x20,
    c_queue_driver = 0x28,
    c_queue_device = 0x30,
};

// The legacy registers in I/O BAR 0; the device configuration follows at
// 0x14, or at 0x18 once MSI-X is on.
enum Legacy : uint16_t {
    l_device_features = 0x00,
    l_guest_features = 0x04,
    l_queue_pfn = 0x08,
    l_queue_size = 0x0c,
    l_queue_select = 0x0e,
    l_queue_notify = 0x10,
    l_status = 0x12,
    l_isr = 0x13,
    l_msix_config = 0x14,
    l_queue_msix_vector = 0x16,
};

template <typename T> T mmio_read(volatile uint8_t* base, uint32_t off) {
    return *reinterpret_cast<volatile T*>(base + off);
}
template <typename T> void mmio_write(volatile uint8_t* base, uint32_t off, T v) {
    *reinterpret_cast<volatile T*>(base + off) = v;
}

class PciDevice final : public Device {
  public:
    explicit PciDevice(pci::Addr a) : m_addr(a) {
        format(m_name, sizeof(m_name), "virtio-pci %02x:%02x.%x", a.bus, a.dev, a.fn);
        pci::read_bars(a, m_bars);
    }

    const char* label() const { return m_name; }

    // Finds the modern capabilities. Returns false when the device has
    // none usable (it is then driven through its legacy interface).
    bool map_modern() {
        for (uint8_t cap = pci::find_cap(m_addr, pci::cap_vendor); cap;
             cap = pci::find_cap(m_addr, pci::cap_vendor, cap)) {
            uint8_t type = pci::read8(m_addr, uint8_t(cap + 3));
            uint8_t bar_index = pci::read8(m_addr, uint8_t(cap + 4));
            uint32_t offset = pci::read32(m_addr, uint8_t(cap + 8));
            if (type < cap_common || type > cap_device || bar_index > 5)
                continue;
            const pci::Bar& b = m_bars[bar_index];
            if (!b.size || b.io)
                continue;
            auto* p = static_cast<volatile uint8_t*>(mm::phys_to_virt(b.base + offset));
            switch (type) {
            case cap_common:
                m_common = m_common ? m_common : p;
                break;
            case cap_notify:
                if (!m_notify) {
                    m_notify = p;
                    m_notify_mult = pci::read32(m_addr, uint8_t(cap + 16));
                }
                break;
            case cap_isr:
                m_isr = m_isr ? m_isr : p;
                break;
            case cap_device:
                m_device = m_device ? m_device : p;
                break;
            }
        }
        return m_common && m_notify && m_isr;
    }

    bool map_legacy() {
        const pci::Bar& b = m_bars[0];
        if (!b.size || !b.io)
            return false;
        m_io = uint16_t(b.base);
        return true;
    }

    // Routes the device's interrupts: MSI-X when it has a table, else INTx.
    bool setup_interrupts() {
        uint8_t cap = pci::find_cap(m_addr, pci::cap_msix);
        if (cap && setup_msix(cap))
            return true;
        int gsi = pci::intx_gsi(m_addr);
        if (gsi < 0)
            return false;
        return arch::irq_attach_gsi(unsigned(gsi), arch::Trigger::level,
                                    arch::Polarity::active_high, intx_interrupt, this) == 0;
    }

    void enable() {
        uint16_t cmd = pci::read16(m_addr, pci::cfg_command);
        cmd |= pci::cmd_bus_master | pci::cmd_io | pci::cmd_memory;
        pci::write16(m_addr, pci::cfg_command, cmd);
    }

    using Device::add;

  protected:
    uint64_t device_features() override {
        if (!m_common)
            return arch::inl(uint16_t(m_io + l_device_features));
        mmio_write<uint32_t>(m_common, c_device_feature_select, 1);
        uint64_t hi = mmio_read<uint32_t>(m_common, c_device_feature);
        mmio_write<uint32_t>(m_common, c_device_feature_select, 0);
        return hi << 32 | mmio_read<uint32_t>(m_common, c_device_feature);
    }
    void set_driver_features(uint64_t f) override {
        if (!m_common) {
            arch::outl(uint16_t(m_io + l_guest_features), uint32_t(f));
            return;
        }
        mmio_write<uint32_t>(m_common, c_driver_feature_select, 1);
        mmio_write<uint32_t>(m_common, c_driver_feature, uint32_t(f >> 32));
        mmio_write<uint32_t>(m_common, c_driver_feature_select, 0);
        mmio_write<uint32_t>(m_common, c_driver_feature, uint32_t(f));
    }
    uint8_t status() override {
        return m_common ? mmio_read<uint8_t>(m_common, c_device_status)
                        : arch::inb(uint16_t(m_io + l_status));
    }
    void set_status(uint8_t s) override {
        if (m_common)
            mmio_write<uint8_t>(m_common, c_device_status, s);
        else
            arch::outb(uint16_t(m_io + l_status), s);
    }
    void reset() override {
        set_status(0);
        while (status() != 0) {
        }
        // A reset forgets the configuration-change vector.
        if (m_msix) {
            if (m_common)
                mmio_write<uint16_t>(m_common, c_msix_config, 0);
            else
                arch::outw(uint16_t(m_io + l_msix_config), 0);
        }
    }
    uint8_t config_generation() override {
        return m_common ? mmio_read<uint8_t>(m_common, c_config_generation) : 0;
    }
    uint8_t config_read8(size_t off) override {
        if (m_common)
            return m_device ? m_device[off] : 0;
        return arch::inb(uint16_t(m_io + legacy_config() + off));
    }
    void config_write8(size_t off, uint8_t v) override {
        if (m_common) {
            if (m_device)
                m_device[off] = v;
        } else {
            arch::outb(uint16_t(m_io + legacy_config() + off), v);
        }
    }
    uint16_t queue_max(uint16_t index) override {
        if (!m_common) {
            arch::outw(uint16_t(m_io + l_queue_select), index);
            if (arch::inl(uint16_t(m_io + l_queue_pfn)))
                return 0;
            return arch::inw(uint16_t(m_io + l_queue_size));
        }
        if (index >= mmio_read<uint16_t>(m_common, c_num_queues))
            return 0;
        mmio_write<uint16_t>(m_common, c_queue_select, index);
        if (mmio_read<uint16_t>(m_common, c_queue_enable))
            return 0;
        return mmio_read<uint16_t>(m_common, c_queue_size);
    }
    size_t queue_align() override { return m_common ? 4 : mm::page_size; }
    long queue_activate(Queue& q) override {
        uint16_t vector = m_msix ? queue_vector() : no_vector;
        if (!m_common) {
            arch::outw(uint16_t(m_io + l_queue_select), q.index());
            if (m_msix) {
                arch::outw(uint16_t(m_io + l_queue_msix_vector), vector);
                if (arch::inw(uint16_t(m_io + l_queue_msix_vector)) != vector)
                    return -EIO;
            }
            arch::outl(uint16_t(m_io + l_queue_pfn), uint32_t(q.desc_phys() / mm::page_size));
            return 0;
        }
        mmio_write<uint16_t>(m_common, c_queue_select, q.index());
        mmio_write<uint16_t>(m_common, c_queue_size, q.size());
        if (m_msix) {
            mmio_write<uint16_t>(m_common, c_queue_msix_vector, vector);
            if (mmio_read<uint16_t>(m_common, c_queue_msix_vector) != vector)
                return -EIO;
        }
        write64(c_queue_desc, q.desc_phys());
        write64(c_queue_driver, q.avail_phys());
        write64(c_queue_device, q.used_phys());
        uint16_t off = mmio_read<uint16_t>(m_common, c_queue_notify_off);
        if (q.index() < max_queues)
            m_notify_at[q.index()] = m_notify + uint32_t(off) * m_notify_mult;
        mmio_write<uint16_t>(m_common, c_queue_enable, 1);
        return 0;
    }
    void queue_notify(uint16_t index) override {
        if (!m_common)
            arch::outw(uint16_t(m_io + l_queue_notify), index);
        else
            *reinterpret_cast<volatile uint16_t*>(m_notify_at[index]) = index;
    }

  private:
    uint16_t legacy_config() const { return m_msix ? 0x18 : 0x14; }
    uint16_t queue_vector() const { return m_msix_entries > 1 ? 1 : 0; }

    void write64(uint32_t off, uint64_t v) {
        mmio_write<uint32_t>(m_common, off, uint32_t(v));
        mmio_write<uint32_t>(m_common, off + 4, uint32_t(v >> 32));
    }

    bool setup_msix(uint8_t cap) {
        uint16_t ctl = pci::read16(m_addr, uint8_t(cap + 2));
        uint32_t table = pci::read32(m_addr, uint8_t(cap + 4));
        if ((table & 7) > 5)
            return false;
        const pci::Bar& b = m_bars[table & 7];
        if (!b.size || b.io)
            return false;
        auto* entries = static_cast<volatile uint32_t*>(mm::phys_to_virt(b.base + (table & ~7u)));
        m_msix_entries = (ctl & 0x7ff) + 1u;
        // Entry 0: configuration changes; entry 1: the queues (with a
        // single entry, both).
        unsigned n = m_msix_entries > 1 ? 2 : 1;
        for (unsigned i = 0; i < n; i++) {
            uint64_t addr;
            uint32_t data;
            arch::IrqHandler h = n == 1 ? both_interrupt : i == 0 ? config_msi : queues_msi;
            if (arch::irq_attach_msi(h, this, &addr, &data) < 0)
                return false;
            volatile uint32_t* e = entries + 4 * i;
            e[0] = uint32_t(addr);
            e[1] = uint32_t(addr >> 32);
            e[2] = data;
            e[3] = 0; // unmasked
        }
        pci::write16(m_addr, uint8_t(cap + 2), uint16_t((ctl | 0x8000) & ~0x4000));
        pci::write16(m_addr, pci::cfg_command,
                     uint16_t(pci::read16(m_addr, pci::cfg_command) | pci::cmd_intx_off));
        m_msix = true;
        return true;
    }

    static void config_msi(void* ctx) { static_cast<PciDevice*>(ctx)->config_interrupt(); }
    static void queues_msi(void* ctx) { static_cast<PciDevice*>(ctx)->queues_interrupt(); }
    static void both_interrupt(void* ctx) {
        auto* d = static_cast<PciDevice*>(ctx);
        d->queues_interrupt();
        d->config_interrupt();
    }
    static void intx_interrupt(void* ctx) {
        auto* d = static_cast<PciDevice*>(ctx);
        // Reading the ISR acknowledges it and lowers the line.
        uint8_t why =
            d->m_common ? mmio_read<uint8_t>(d->m_isr, 0) : arch::inb(uint16_t(d->m_io + l_isr));
        if (why & 1)
            d->queues_interrupt();
        if (why & 2)
            d->config_interrupt();
    }

    pci::Addr m_addr;
    pci::Bar m_bars[6];
    volatile uint8_t* m_common = nullptr;
    volatile uint8_t* m_notify = nullptr;
    volatile uint8_t* m_isr = nullptr;
    volatile uint8_t* m_device = nullptr;
    volatile uint8_t* m_notify_at[max_queues] = {};
    uint32_t m_notify_mult = 0;
    uint16_t m_io = 0;
    unsigned m_msix_entries = 0;
    bool m_msix = false;
    char m_name[32];
};

void probe_function(pci::Addr a) {
    uint16_t device = pci::read16(a, pci::cfg_device);
    uint32_t type;
    if (device >= 0x1040 && device <= 0x107f)
        type = device - 0x1040u;
    else if (device >= 0x1000 && device <= 0x103f)
        type = pci::read16(a, pci::cfg_subsys_id); // transitional: the legacy id
    else
        return;
    void* p = kheap_alloc(sizeof(PciDevice), alignof(PciDevice));
    if (!p)
        return;
    auto* d = new (p) PciDevice(a);
    bool modern = d->map_modern();
    if (!modern && !d->map_legacy()) {
        uk_printk("uk: %s: no usable BARs\n", d->label());
        return;
    }
    // Decoding on first: the MSI-X table sits in a memory BAR.
    d->enable();
    if (!d->setup_interrupts()) {
        uk_printk("uk: %s: no interrupt\n", d->label());
        return;
    }
    d->add(type, d->label(), modern);
}

void probe() {
    if (!pci::present())
        return;
    for (uint8_t dev = 0; dev < 32; dev++) {
        pci::Addr a{0, dev, 0};
        if (pci::read16(a, pci::cfg_vendor) == 0xffff)
            continue;
        unsigned nfn = (pci::read8(a, pci::cfg_header_type) & 0x80) ? 8 : 1;
        for (uint8_t fn = 0; fn < nfn; fn++) {
            a.fn = fn;
            if (pci::read16(a, pci::cfg_vendor) == vendor_virtio)
                probe_function(a);
        }
    }
}

} // namespace

UK_DRIVER(virtio_pci, 10, "virtio-pci", probe);

} // namespace uk::drivers::virtio
