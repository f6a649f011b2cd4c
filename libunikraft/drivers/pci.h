// PCI configuration space through the legacy mechanism (ports 0xcf8 and
// 0xcfc), bus 0 only: what QEMU's pc machine has. microvm has no PCI.
#pragma once

#include <stdint.h>

namespace uk::drivers::pci {

/// One function's address.
struct Addr {
    uint8_t bus, dev, fn;
};

uint32_t read32(Addr a, uint8_t off);
uint16_t read16(Addr a, uint8_t off);
uint8_t read8(Addr a, uint8_t off);
void write32(Addr a, uint8_t off, uint32_t v);
void write16(Addr a, uint8_t off, uint16_t v);
void write8(Addr a, uint8_t off, uint8_t v);

/// Whether a host bridge answers at 00:00.0 (false on microvm).
bool present();

/// Configuration-space offsets and bits.
inline constexpr uint8_t cfg_vendor = 0x00, cfg_device = 0x02, cfg_command = 0x04,
                         cfg_status = 0x06, cfg_revision = 0x08, cfg_header_type = 0x0e,
                         cfg_bar0 = 0x10, cfg_subsys_id = 0x2e, cfg_cap_ptr = 0x34,
                         cfg_interrupt_line = 0x3c, cfg_interrupt_pin = 0x3d;
inline constexpr uint16_t cmd_io = 1, cmd_memory = 2, cmd_bus_master = 4, cmd_intx_off = 1 << 10;
inline constexpr uint16_t status_caps = 1 << 4;
inline constexpr uint8_t cap_msix = 0x11, cap_vendor = 0x09;

/// Offset of the first capability with id `id` after `from` (0: from the
/// start), or 0 when there is none.
uint8_t find_cap(Addr a, uint8_t id, uint8_t from = 0);

/// The I/O APIC input a function's INTx pin reaches, or -1 when it has no
/// pin or the pin is not routed. On the pc machine (i440FX with PIIX3) the
/// chipset's PIRQ routing decides, whatever the firmware left in the
/// function's interrupt-line register.
int intx_gsi(Addr a);

/// A base address register, as found or as assigned; size 0 when absent.
struct Bar {
    uint64_t base; // physical address or I/O port
    uint64_t size;
    bool io;
};

/// Reads a function's six BARs (a 64-bit BAR fills its first slot, the
/// second stays absent). A memory BAR the firmware left unassigned or
/// placed above 4 GiB, where the kernel's direct map does not reach, gets
/// an address in the 32-bit hole; an unassigned I/O BAR a port range. All
/// in one go with decoding off: under emulation each change of what a
/// device decodes rebuilds the machine's memory map.
void read_bars(Addr a, Bar (&out)[6]);

} // namespace uk::drivers::pci
