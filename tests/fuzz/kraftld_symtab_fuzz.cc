// The kernel's lookup must survive any bytes in place of .uk_symtab.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "lib/symtab.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 8)
        return 0;
    uint64_t addr;
    std::memcpy(&addr, data, sizeof(addr));
    uint64_t offset = 0;
    const char* name = uk::symtab_lookup(data + 8, size - 8, addr, &offset);
    if (name != nullptr)
        (void)std::strlen(name);
    return 0;
}
