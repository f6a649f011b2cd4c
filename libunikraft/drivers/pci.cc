#include "drivers/pci.h"

#include "arch/x86_64/cpu.h"

namespace uk::drivers::pci {

namespace {

constexpr uint16_t port_addr = 0xcf8, port_data = 0xcfc;

// Where BARs the firmware did not place go: memory in the 32-bit hole
// below the I/O APIC (pc puts RAM below 0xe0000000 at most), ports above
// what the chipset uses.
constexpr uint64_t mem_hole_lo = 0xe0000000, mem_hole_hi = 0xfec00000;
constexpr uint64_t io_lo = 0xc000, io_hi = 0x10000;
constinit uint64_t g_next_mem = 0;
constinit uint64_t g_next_io = 0;

uint32_t address(Addr a, uint8_t off) {
    return 0x80000000u | uint32_t(a.bus) << 16 | uint32_t(a.dev) << 11 | uint32_t(a.fn) << 8 |
           (off & 0xfc);
}

uint64_t align_up(uint64_t v, uint64_t a) {
    return (v + a - 1) & ~(a - 1);
}

// Above every BAR the firmware placed in the hole, so that new ones
// overlap none of them.
void init_allocator() {
    if (g_next_mem)
        return;
    g_next_mem = mem_hole_lo;
    g_next_io = io_lo;
    for (uint8_t dev = 0; dev < 32; dev++) {
        Addr a{0, dev, 0};
        if (read16(a, cfg_vendor) == 0xffff)
            continue;
        for (unsigned i = 0; i < 6; i++) {
            uint32_t v = read32(a, uint8_t(cfg_bar0 + 4 * i));
            if (v & 1) {
                uint64_t port = v & ~3u;
                if (port >= g_next_io && port < io_hi)
                    g_next_io = align_up(port + 0x100, 0x100);
                continue;
            }
            uint64_t base = v & ~0xfu;
            if (((v >> 1) & 3) == 2)
                base |= uint64_t(read32(a, uint8_t(cfg_bar0 + 4 * ++i))) << 32;
            if (base >= g_next_mem && base < mem_hole_hi)
                g_next_mem = align_up(base + 0x100000, 0x100000);
        }
    }
}

} // namespace

uint32_t read32(Addr a, uint8_t off) {
    arch::outl(port_addr, address(a, off));
    return arch::inl(port_data);
}

uint16_t read16(Addr a, uint8_t off) {
    arch::outl(port_addr, address(a, off));
    return arch::inw(uint16_t(port_data + (off & 2)));
}

uint8_t read8(Addr a, uint8_t off) {
    arch::outl(port_addr, address(a, off));
    return arch::inb(uint16_t(port_data + (off & 3)));
}

void write32(Addr a, uint8_t off, uint32_t v) {
    arch::outl(port_addr, address(a, off));
    arch::outl(port_data, v);
}

void write16(Addr a, uint8_t off, uint16_t v) {
    arch::outl(port_addr, address(a, off));
    arch::outw(uint16_t(port_data + (off & 2)), v);
}

void write8(Addr a, uint8_t off, uint8_t v) {
    arch::outl(port_addr, address(a, off));
    arch::outb(uint16_t(port_data + (off & 3)), v);
}

bool present() {
    return read16(Addr{0, 0, 0}, cfg_vendor) != 0xffff;
}

uint8_t find_cap(Addr a, uint8_t id, uint8_t from) {
    if (!(read16(a, cfg_status) & status_caps))
        return 0;
    uint8_t p = from ? read8(a, uint8_t(from + 1)) : read8(a, cfg_cap_ptr);
    for (int guard = 0; p && guard < 48; guard++) {
        p &= 0xfc;
        if (read8(a, p) == id)
            return p;
        p = read8(a, uint8_t(p + 1));
    }
    return 0;
}

int intx_gsi(Addr a) {
    uint8_t pin = read8(a, cfg_interrupt_pin);
    if (pin == 0 || pin > 4)
        return -1;
    const Addr host{0, 0, 0}, isa{0, 1, 0};
    if (read32(host, cfg_vendor) == 0x12378086 && read32(isa, cfg_vendor) == 0x70008086) {
        // PIIX3 swizzles INTA-INTD of slot s onto PIRQ (pin - 1 + s - 1) mod 4,
        // each routed to an ISA IRQ (bit 7: disabled).
        uint8_t route = read8(isa, uint8_t(0x60 + ((pin - 1 + a.dev - 1) & 3)));
        return (route & 0x80) ? -1 : route & 0x0f;
    }
    uint8_t line = read8(a, cfg_interrupt_line);
    return line == 0 || line >= 24 ? -1 : line;
}

void read_bars(Addr a, Bar (&out)[6]) {
    uint16_t cmd = read16(a, cfg_command);
    if (cmd & (cmd_io | cmd_memory))
        write16(a, cfg_command, uint16_t(cmd & ~(cmd_io | cmd_memory)));
    for (unsigned i = 0; i < 6; i++) {
        out[i] = Bar{0, 0, false};
        uint8_t off = uint8_t(cfg_bar0 + 4 * i);
        uint32_t v = read32(a, off);
        bool io = v & 1;
        bool wide = !io && ((v >> 1) & 3) == 2 && i < 5;
        // Sizing: all ones in, the size mask out.
        write32(a, off, 0xffffffff);
        uint32_t mask = read32(a, off);
        write32(a, off, v);
        uint32_t hi = 0, hi_mask = 0xffffffff;
        if (wide) {
            hi = read32(a, uint8_t(off + 4));
            write32(a, uint8_t(off + 4), 0xffffffff);
            hi_mask = read32(a, uint8_t(off + 4));
            write32(a, uint8_t(off + 4), hi);
        }
        uint64_t size_mask = (uint64_t(hi_mask) << 32) | (mask & (io ? ~3u : ~0xfu));
        if (io)
            size_mask |= 0xffffffffffff0000ull;
        uint64_t size = ~size_mask + 1;
        uint64_t base = io ? (v & ~3u) : ((uint64_t(hi) << 32) | (v & ~0xfu));
        unsigned index = i;
        if (wide)
            i++;
        if (!mask || !size)
            continue;
        if (io && !base) {
            init_allocator();
            base = align_up(g_next_io, size);
            g_next_io = base + size;
            write32(a, off, uint32_t(base) | 1);
        } else if (!io && (!base || base + size > (uint64_t(1) << 32))) {
            init_allocator();
            base = align_up(g_next_mem, size);
            if (base + size > mem_hole_hi)
                continue;
            g_next_mem = base + size;
            write32(a, off, uint32_t(base) | (v & 0xf));
            if (wide)
                write32(a, uint8_t(off + 4), 0);
        }
        out[index] = Bar{base, size, io};
    }
    if (cmd & (cmd_io | cmd_memory))
        write16(a, cfg_command, cmd);
}

} // namespace uk::drivers::pci
