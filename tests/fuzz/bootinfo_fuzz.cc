// The boot-information parser reads tables a VMM or boot loader wrote: any
// bytes, at any addresses, must give a result or an error, never a read
// outside the memory the reader maps.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "boot/bootinfo.h"

namespace {

// The input is guest-physical memory at 0x1000; the first byte picks the
// protocol and the next four the info address.
const uint8_t* g_mem;
size_t g_len;
constexpr uint64_t g_base = 0x1000;

const void* reader(uint64_t addr, size_t len) {
    if (addr < g_base || len > g_len || addr - g_base > g_len - len)
        return nullptr;
    return g_mem + (addr - g_base);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 5)
        return 0;
    auto proto = static_cast<uk::boot::BootProtocol>(data[0] % 3);
    uint32_t info;
    std::memcpy(&info, data + 1, 4);
    g_mem = data + 5;
    g_len = size - 5;
    static uk::boot::BootInfo out;
    uk::boot::parse_bootinfo(proto, g_base + (info % (g_len + 64)), reader, &out);
    if (std::strlen(out.cmdline) != out.cmdline_len)
        __builtin_trap();
    if (!out.error) {
        if (out.nram == 0 || out.nram > uk::boot::max_regions)
            __builtin_trap();
        if (std::strlen(out.cmdline) >= uk::boot::max_cmdline)
            __builtin_trap();
        if (out.nmodules > uk::boot::max_modules)
            __builtin_trap();
        // Every module the kernel keeps is reachable through its direct map.
        for (size_t i = 0; i < out.nmodules; i++) {
            const uk::mm::MemRegion& m = out.modules[i];
            if (m.base + m.len < m.base || m.base + m.len > (uint64_t(1) << 32))
                __builtin_trap();
        }
    }
    return 0;
}
