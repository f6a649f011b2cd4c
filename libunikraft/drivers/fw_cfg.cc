#include "drivers/fw_cfg.h"

#include "arch/x86_64/cpu.h"
#include "mm/mm.h"

namespace uk::drivers {

namespace {

constexpr uint16_t port_select = 0x510;
constexpr uint16_t port_data = 0x511;
constexpr uint16_t port_dma = 0x514;

constexpr uint16_t item_signature = 0x0000;
constexpr uint16_t item_id = 0x0001;
constexpr uint16_t item_file_dir = 0x0019;
constexpr uint32_t id_dma = 1u << 1;
// Selectors are 14 bits wide, so no directory holds more entries.
constexpr uint32_t max_files = 0x4000;

// The DMA descriptor, big-endian, at a physical address the device reads.
struct FwCfgDmaAccess {
    uint32_t control_be;
    uint32_t length_be;
    uint64_t address_be;
};
static_assert(sizeof(FwCfgDmaAccess) == 16, "fixed by QEMU's fw_cfg interface");

constexpr uint32_t dma_error = 1u << 0;
constexpr uint32_t dma_read = 1u << 1;
constexpr uint32_t dma_select = 1u << 3;

constexpr size_t page = 4096;
// The DMA length field is 32 bits; stay well below it.
constexpr size_t max_dma_run = size_t(1) << 30;

enum class Mode { absent, ports, dma };
constinit Mode g_mode = Mode::absent;

// One DMA transfer; the device has finished it when it clears the control
// word (QEMU does so before the port write returns).
bool dma_transfer(uint32_t control, uint64_t phys, uint32_t len) {
    alignas(16) volatile FwCfgDmaAccess access;
    access.control_be = __builtin_bswap32(control);
    access.length_be = __builtin_bswap32(len);
    access.address_be = __builtin_bswap64(phys);
    uint64_t where = mm::virt_to_phys(&access);
    asm volatile("" ::: "memory");
    arch::outl(port_dma, __builtin_bswap32(uint32_t(where >> 32)));
    arch::outl(port_dma + 4, __builtin_bswap32(uint32_t(where)));
    asm volatile("" ::: "memory");
    uint32_t left;
    while ((left = __builtin_bswap32(access.control_be)) & ~dma_error)
        arch::cpu_relax();
    return !(left & dma_error);
}

// Whether a read selects its item first (and so starts at offset 0) or
// goes on where the last read of the selected item stopped.
enum class Select { now, keep };

// Reads len bytes of item select, or of the selected item.
bool read_item(Select how, uint16_t select, void* buf, size_t len) {
    auto* p = static_cast<uint8_t*>(buf);
    if (g_mode == Mode::ports) {
        if (how == Select::now)
            arch::outw(port_select, select);
        for (size_t i = 0; i < len; i++)
            p[i] = arch::inb(port_data);
        return true;
    }
    uint32_t control = how == Select::now ? (uint32_t(select) << 16) | dma_select : 0;
    do {
        // One transfer per physically contiguous run of the buffer.
        uint64_t phys = mm::virt_to_phys(p);
        size_t run = page - (phys & (page - 1));
        if (run > len)
            run = len;
        while (run < len && run < max_dma_run && mm::virt_to_phys(p + run) == phys + run)
            run += len - run < page ? len - run : page;
        if (!dma_transfer(control | dma_read, phys, uint32_t(run)))
            return false;
        control = 0;
        p += run;
        len -= run;
    } while (len);
    return true;
}

} // namespace

bool fw_cfg_init() {
    if (g_mode != Mode::absent)
        return true;
    arch::outw(port_select, item_signature);
    char signature[4];
    for (char& c : signature)
        c = char(arch::inb(port_data));
    if (signature[0] != 'Q' || signature[1] != 'E' || signature[2] != 'M' || signature[3] != 'U')
        return false;
    arch::outw(port_select, item_id);
    uint32_t id = 0;
    for (int i = 0; i < 4; i++)
        id |= uint32_t(arch::inb(port_data)) << (8 * i);
    g_mode = id & id_dma ? Mode::dma : Mode::ports;
    return true;
}

bool fw_cfg_find(const char* name, FwCfgFile* out) {
    if (g_mode == Mode::absent)
        return false;
    uint32_t count_be = 0;
    if (!read_item(Select::now, item_file_dir, &count_be, sizeof(count_be)))
        return false;
    uint32_t count = __builtin_bswap32(count_be);
    if (count > max_files)
        count = max_files;
    alignas(64) FwCfgDirEntry entries[8];
    for (uint32_t done = 0; done < count;) {
        uint32_t n = count - done < 8 ? count - done : 8;
        if (!read_item(Select::keep, 0, entries, n * sizeof(FwCfgDirEntry)))
            return false;
        for (uint32_t i = 0; i < n; i++)
            if (fw_cfg_entry_is(entries[i], name, out))
                return true;
        done += n;
    }
    return false;
}

bool fw_cfg_read(uint16_t select, void* buf, size_t len) {
    if (g_mode == Mode::absent)
        return false;
    return read_item(Select::now, select, buf, len);
}

} // namespace uk::drivers
