// The virtio-mmio transport (virtio 1.2, section 4.2), legacy (version 1)
// and modern (version 2) register layouts. microvm with acpi=off, as ukrun
// runs it, announces nothing: its 8 slots sit at fixed addresses, slot i
// on I/O APIC input 5 + i, and an empty slot reads DeviceID 0.
#include <new>

#include <uk/console.h>

#include "arch/x86_64/irq.h"
#include "drivers/driver.h"
#include "drivers/pci.h"
#include "drivers/virtio.h"
#include "lib/format.h"
#include "mm/kheap.h"
#include "mm/layout.h"

namespace uk::drivers::virtio {

namespace {

constexpr uint64_t slot_base = 0xfeb00000, slot_stride = 0x200;
constexpr unsigned slot_count = 8, slot_irq_base = 5;
constexpr uint32_t magic = 0x74726976; // "virt"

enum Reg : uint32_t {
    reg_magic = 0x000,
    reg_version = 0x004,
    reg_device_id = 0x008,
    reg_device_features = 0x010,
    reg_device_features_sel = 0x014,
    reg_driver_features = 0x020,
    reg_driver_features_sel = 0x024,
    reg_guest_page_size = 0x028, // legacy
    reg_queue_sel = 0x030,
    reg_queue_num_max = 0x034,
    reg_queue_num = 0x038,
    reg_queue_align = 0x03c, // legacy
    reg_queue_pfn = 0x040,   // legacy
    reg_queue_ready = 0x044,
    reg_queue_notify = 0x050,
    reg_interrupt_status = 0x060,
    reg_interrupt_ack = 0x064,
    reg_status = 0x070,
    reg_queue_desc_lo = 0x080,
    reg_queue_desc_hi = 0x084,
    reg_queue_driver_lo = 0x090,
    reg_queue_driver_hi = 0x094,
    reg_queue_device_lo = 0x0a0,
    reg_queue_device_hi = 0x0a4,
    reg_config_generation = 0x0fc,
    reg_config = 0x100,
};

constexpr uint32_t interrupt_used = 1, interrupt_config = 2;

class MmioDevice final : public Device {
  public:
    MmioDevice(uint64_t phys, unsigned irq, bool legacy)
        : m_base(static_cast<volatile uint8_t*>(mm::phys_to_virt(phys))), m_irq(irq),
          m_legacy(legacy) {
        format(m_name, sizeof(m_name), "virtio-mmio@0x%lx", phys);
    }

    const char* label() const { return m_name; }
    unsigned irq() const { return m_irq; }

    static void interrupt(void* ctx) {
        auto* d = static_cast<MmioDevice*>(ctx);
        uint32_t why = d->read(reg_interrupt_status);
        d->write(reg_interrupt_ack, why);
        if (why & interrupt_used)
            d->queues_interrupt();
        if (why & interrupt_config)
            d->config_interrupt();
    }

    using Device::add;

  protected:
    uint64_t device_features() override {
        write(reg_device_features_sel, 1);
        uint64_t hi = read(reg_device_features);
        write(reg_device_features_sel, 0);
        return hi << 32 | read(reg_device_features);
    }
    void set_driver_features(uint64_t f) override {
        write(reg_driver_features_sel, 1);
        write(reg_driver_features, uint32_t(f >> 32));
        write(reg_driver_features_sel, 0);
        write(reg_driver_features, uint32_t(f));
    }
    uint8_t status() override { return uint8_t(read(reg_status)); }
    void set_status(uint8_t s) override { write(reg_status, s); }
    void reset() override {
        write(reg_status, 0);
        while (read(reg_status) != 0) {
        }
        if (m_legacy)
            write(reg_guest_page_size, uint32_t(mm::page_size));
    }
    uint8_t config_generation() override {
        return m_legacy ? 0 : uint8_t(read(reg_config_generation));
    }
    uint8_t config_read8(size_t off) override { return m_base[reg_config + off]; }
    void config_write8(size_t off, uint8_t v) override { m_base[reg_config + off] = v; }
    uint16_t queue_max(uint16_t index) override {
        write(reg_queue_sel, index);
        if (read(m_legacy ? reg_queue_pfn : reg_queue_ready))
            return 0;
        uint32_t n = read(reg_queue_num_max);
        return n > 32768 ? 32768 : uint16_t(n);
    }
    size_t queue_align() override { return m_legacy ? mm::page_size : 4; }
    long queue_activate(Queue& q) override {
        write(reg_queue_sel, q.index());
        write(reg_queue_num, q.size());
        if (m_legacy) {
            write(reg_queue_align, uint32_t(mm::page_size));
            write(reg_queue_pfn, uint32_t(q.desc_phys() / mm::page_size));
        } else {
            write(reg_queue_desc_lo, uint32_t(q.desc_phys()));
            write(reg_queue_desc_hi, uint32_t(q.desc_phys() >> 32));
            write(reg_queue_driver_lo, uint32_t(q.avail_phys()));
            write(reg_queue_driver_hi, uint32_t(q.avail_phys() >> 32));
            write(reg_queue_device_lo, uint32_t(q.used_phys()));
            write(reg_queue_device_hi, uint32_t(q.used_phys() >> 32));
            write(reg_queue_ready, 1);
        }
        return 0;
    }
    void queue_notify(uint16_t index) override { write(reg_queue_notify, index); }

  private:
    uint32_t read(uint32_t reg) { return *reinterpret_cast<volatile uint32_t*>(m_base + reg); }
    void write(uint32_t reg, uint32_t v) {
        *reinterpret_cast<volatile uint32_t*>(m_base + reg) = v;
    }

    volatile uint8_t* m_base;
    unsigned m_irq;
    bool m_legacy;
    char m_name[32];
};

void probe() {
    // The slots exist on microvm only; on pc the same addresses may hold a
    // PCI BAR, whose registers must not be read blindly.
    if (pci::present())
        return;
    // The top slot is the first device QEMU was given: list them in the
    // order of the command line.
    for (unsigned i = slot_count; i-- > 0;) {
        uint64_t phys = slot_base + i * slot_stride;
        auto* regs = static_cast<volatile uint32_t*>(mm::phys_to_virt(phys));
        if (regs[reg_magic / 4] != magic)
            continue;
        uint32_t version = regs[reg_version / 4];
        uint32_t id = regs[reg_device_id / 4];
        if (!id || (version != 1 && version != 2))
            continue;
        void* p = kheap_alloc(sizeof(MmioDevice), alignof(MmioDevice));
        if (!p)
            return;
        auto* d = new (p) MmioDevice(phys, slot_irq_base + i, version == 1);
        long r = arch::irq_attach_gsi(d->irq(), arch::Trigger::level, arch::Polarity::active_high,
                                      MmioDevice::interrupt, d);
        if (r < 0) {
            uk_printk("uk: %s: cannot route IRQ %u (%ld)\n", d->label(), d->irq(), r);
            continue;
        }
        d->add(id, d->label(), version == 2);
    }
}

} // namespace

UK_DRIVER(virtio_mmio, 10, "virtio-mmio", probe);

} // namespace uk::drivers::virtio
