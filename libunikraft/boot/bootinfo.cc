#include "boot/bootinfo.h"

namespace uk::boot {

namespace {

struct [[gnu::packed]] PvhStartInfo {
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    uint64_t memmap_paddr;
    uint32_t memmap_entries;
    uint32_t reserved;
};
static_assert(sizeof(PvhStartInfo) == 56, "fixed by the PVH boot ABI");

struct [[gnu::packed]] PvhMemmapEntry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
    uint32_t reserved;
};
static_assert(sizeof(PvhMemmapEntry) == 24, "fixed by the PVH boot ABI");

struct [[gnu::packed]] PvhModlistEntry {
    uint64_t paddr;
    uint64_t size;
    uint64_t cmdline_paddr;
    uint64_t reserved;
};
static_assert(sizeof(PvhModlistEntry) == 32, "fixed by the PVH boot ABI");

struct [[gnu::packed]] MultibootInfo {
    uint32_t flags;
    uint32_t mem_lower;
    uint32_t mem_upper;
    uint32_t boot_device;
    uint32_t cmdline;
    uint32_t mods_count;
    uint32_t mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length;
    uint32_t mmap_addr;
};
static_assert(sizeof(MultibootInfo) == 52, "fixed by the Multiboot1 specification");

struct [[gnu::packed]] MultibootModule {
    uint32_t mod_start;
    uint32_t mod_end; // one past the last byte
    uint32_t string;
    uint32_t reserved;
};
static_assert(sizeof(MultibootModule) == 16, "fixed by the Multiboot1 specification");

struct [[gnu::packed]] MultibootMmapEntry {
    uint32_t size;
    uint64_t addr;
    uint64_t len;
    uint32_t type;
};

constexpr uint32_t pvh_magic = 0x336ec578;
constexpr uint32_t mb_flag_cmdline = 1u << 2, mb_flag_mods = 1u << 3, mb_flag_mmap = 1u << 6,
                   mb_flag_mem = 1u << 0;
constexpr uint32_t ram_type = 1;
constexpr uint32_t max_memmap_entries = 1024;
constexpr uint32_t max_module_entries = 1024;
constexpr uint64_t mapped_limit = uint64_t(1) << 32;

// Keeps a module if there is room; a module the kernel could not reach is an
// error, since the one that matters (the first) would be lost silently.
void add_module(BootInfo* out, uint64_t base, uint64_t len) {
    if (base + len < base || base + len > mapped_limit) {
        out->error = "a boot module lies above 4 GiB";
        return;
    }
    if (out->nmodules < max_modules)
        out->modules[out->nmodules++] = mm::MemRegion{base, len};
}

void add_ram(BootInfo* out, uint64_t base, uint64_t len) {
    if (!len || base + len < base)
        return;
    if (out->nram && out->ram[out->nram - 1].base + out->ram[out->nram - 1].len == base) {
        out->ram[out->nram - 1].len += len;
        return;
    }
    if (out->nram < max_regions)
        out->ram[out->nram++] = mm::MemRegion{base, len};
}

void copy_cmdline(BootInfo* out, uint64_t addr, PhysReader read) {
    out->cmdline[0] = '\0';
    if (!addr)
        return;
    // Read in small steps: the string may end right before unreadable memory.
    size_t n = 0;
    while (true) {
        const char* c = static_cast<const char*>(read(addr + n, 1));
        if (!c) {
            out->error = "the command line is not in readable memory";
            out->cmdline[0] = '\0';
            return;
        }
        if (*c == '\0')
            break;
        if (n == max_cmdline - 1) {
            out->error = "the command line is longer than 4095 bytes";
            out->cmdline[0] = '\0';
            return;
        }
        out->cmdline[n++] = *c;
    }
    out->cmdline[n] = '\0';
    out->cmdline_len = n;
}

void parse_pvh(uint64_t info, PhysReader read, BootInfo* out) {
    auto* si = static_cast<const PvhStartInfo*>(read(info, sizeof(PvhStartInfo)));
    if (!si || si->magic != pvh_magic) {
        out->error = "no PVH start_info (bad magic)";
        return;
    }
    if (si->version < 1 || !si->memmap_paddr || !si->memmap_entries) {
        out->error = "the PVH start_info has no memory map";
        return;
    }
    uint32_t n = si->memmap_entries;
    if (n > max_memmap_entries) {
        out->error = "the PVH memory map is implausibly long";
        return;
    }
    auto* e =
        static_cast<const PvhMemmapEntry*>(read(si->memmap_paddr, n * sizeof(PvhMemmapEntry)));
    if (!e) {
        out->error = "the PVH memory map is not in readable memory";
        return;
    }
    for (uint32_t i = 0; i < n; i++)
        if (e[i].type == ram_type)
            add_ram(out, e[i].addr, e[i].size);
    uint32_t nmods = si->nr_modules;
    uint64_t modlist = si->modlist_paddr;
    copy_cmdline(out, si->cmdline_paddr, read);
    if (out->error || !nmods)
        return;
    if (nmods > max_module_entries) {
        out->error = "the PVH module list is implausibly long";
        return;
    }
    auto* m = static_cast<const PvhModlistEntry*>(read(modlist, nmods * sizeof(PvhModlistEntry)));
    if (!m) {
        out->error = "the PVH module list is not in readable memory";
        return;
    }
    for (uint32_t i = 0; i < nmods && !out->error; i++)
        add_module(out, m[i].paddr, m[i].size);
}

void parse_multiboot(uint64_t info, PhysReader read, BootInfo* out) {
    auto* mb = static_cast<const MultibootInfo*>(read(info, sizeof(MultibootInfo)));
    if (!mb) {
        out->error = "the Multiboot information is not in readable memory";
        return;
    }
    if (mb->flags & mb_flag_mmap) {
        uint64_t p = mb->mmap_addr, end = p + uint64_t(mb->mmap_length);
        for (uint32_t i = 0; p + 4 <= end && i < max_memmap_entries; i++) {
            auto* e = static_cast<const MultibootMmapEntry*>(read(p, sizeof(MultibootMmapEntry)));
            if (!e) {
                out->error = "the Multiboot memory map is not in readable memory";
                return;
            }
            if (e->size < 20)
                break;
            if (e->type == ram_type)
                add_ram(out, e->addr, e->len);
            p += uint64_t(e->size) + 4;
        }
    } else if (mb->flags & mb_flag_mem) {
        add_ram(out, 0, uint64_t(mb->mem_lower) * 1024);
        add_ram(out, 0x100000, uint64_t(mb->mem_upper) * 1024);
    } else {
        out->error = "the Multiboot information has no memory map";
        return;
    }
    uint32_t nmods = mb->mods_count, mods = mb->mods_addr;
    if (mb->flags & mb_flag_cmdline)
        copy_cmdline(out, mb->cmdline, read);
    if (out->error || !(mb->flags & mb_flag_mods) || !nmods)
        return;
    if (nmods > max_module_entries) {
        out->error = "the Multiboot module list is implausibly long";
        return;
    }
    auto* m = static_cast<const MultibootModule*>(read(mods, nmods * sizeof(MultibootModule)));
    if (!m) {
        out->error = "the Multiboot module list is not in readable memory";
        return;
    }
    for (uint32_t i = 0; i < nmods && !out->error; i++) {
        if (m[i].mod_end < m[i].mod_start) {
            out->error = "a Multiboot module ends before it starts";
            return;
        }
        add_module(out, m[i].mod_start, m[i].mod_end - m[i].mod_start);
    }
}

} // namespace

void parse_bootinfo(BootProtocol proto, uint64_t info, PhysReader read, BootInfo* out) {
    out->nram = 0;
    out->cmdline[0] = '\0';
    out->cmdline_len = 0;
    out->nmodules = 0;
    out->error = nullptr;
    if (proto == BootProtocol::pvh)
        parse_pvh(info, read, out);
    else if (proto == BootProtocol::multiboot)
        parse_multiboot(info, read, out);
    else
        out->error = "unknown boot protocol";
    if (!out->error && !out->nram)
        out->error = "the boot loader reported no usable RAM";
}

} // namespace uk::boot
