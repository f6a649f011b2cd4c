#include "lib/symtab.h"

namespace uk {

namespace {

// The blob may sit at any alignment (and a fuzzer hands us any bytes), so
// every field is read and written through byte copies the compiler turns
// into plain loads and stores.
uint32_t load32(const uint8_t* p) {
    uint32_t v;
    __builtin_memcpy(&v, p, sizeof(v));
    return v;
}

uint64_t load64(const uint8_t* p) {
    uint64_t v;
    __builtin_memcpy(&v, p, sizeof(v));
    return v;
}

void store32(uint8_t* p, uint32_t v) {
    __builtin_memcpy(p, &v, sizeof(v));
}

void store64(uint8_t* p, uint64_t v) {
    __builtin_memcpy(p, &v, sizeof(v));
}

constexpr size_t header_size = sizeof(SymtabHeader);
constexpr size_t entry_size = sizeof(SymtabEntry);

} // namespace

size_t symtab_build(const SymtabSymbol* syms, size_t count, void* out, size_t out_cap) {
    if (count > 0xffffffffu / entry_size)
        return 0;
    const uint64_t base = count ? syms[0].addr : 0;
    uint64_t names_size = 0;
    for (size_t i = 0; i < count; i++) {
        const SymtabSymbol& s = syms[i];
        if (s.size == 0 || s.name == nullptr || s.name_len == 0)
            return 0;
        if (s.addr < base || s.addr - base > 0xffffffffu || s.size > 0xffffffffu)
            return 0;
        if (i > 0 && (s.addr < syms[i - 1].addr || s.addr - syms[i - 1].addr < syms[i - 1].size))
            return 0;
        for (size_t k = 0; k < s.name_len; k++)
            if (s.name[k] == '\0')
                return 0;
        names_size += s.name_len + 1;
    }
    const uint64_t strtab_offset = header_size + count * entry_size;
    const uint64_t total = (strtab_offset + names_size + 7) & ~uint64_t{7};
    if (total > 0xffffffffu)
        return 0;
    if (out == nullptr || out_cap < total)
        return static_cast<size_t>(total);

    auto* p = static_cast<uint8_t*>(out);
    store32(p + 0, symtab_magic);
    store32(p + 4, symtab_version);
    store32(p + 8, static_cast<uint32_t>(count));
    store32(p + 12, static_cast<uint32_t>(strtab_offset));
    store32(p + 16, static_cast<uint32_t>(names_size));
    store32(p + 20, 0);
    store64(p + 24, base);
    uint32_t name_off = 0;
    for (size_t i = 0; i < count; i++) {
        uint8_t* e = p + header_size + i * entry_size;
        store32(e + 0, static_cast<uint32_t>(syms[i].addr - base));
        store32(e + 4, static_cast<uint32_t>(syms[i].size));
        store32(e + 8, name_off);
        __builtin_memcpy(p + strtab_offset + name_off, syms[i].name, syms[i].name_len);
        p[strtab_offset + name_off + syms[i].name_len] = '\0';
        name_off += static_cast<uint32_t>(syms[i].name_len + 1);
    }
    for (uint64_t k = strtab_offset + names_size; k < total; k++)
        p[k] = 0;
    return static_cast<size_t>(total);
}

const char* symtab_lookup(const void* blob, size_t blob_len, uint64_t addr, uint64_t* offset_out) {
    if (blob == nullptr || blob_len < header_size)
        return nullptr;
    const auto* p = static_cast<const uint8_t*>(blob);
    const uint32_t count = load32(p + 8);
    const uint64_t strtab_offset = load32(p + 12);
    const uint64_t strtab_size = load32(p + 16);
    const uint64_t base = load64(p + 24);
    if (load32(p + 0) != symtab_magic || load32(p + 4) != symtab_version)
        return nullptr;
    if (header_size + uint64_t{count} * entry_size > strtab_offset)
        return nullptr;
    if (strtab_size == 0 || strtab_offset + strtab_size > blob_len)
        return nullptr;
    // A NUL as the last name byte bounds every name we may return.
    if (p[strtab_offset + strtab_size - 1] != '\0')
        return nullptr;
    if (addr < base || count == 0)
        return nullptr;
    const uint64_t rel = addr - base;

    // The last entry whose start is <= rel.
    uint32_t lo = 0;
    uint32_t hi = count;
    while (hi - lo > 1) {
        const uint32_t mid = lo + (hi - lo) / 2;
        if (load32(p + header_size + uint64_t{mid} * entry_size) <= rel)
            lo = mid;
        else
            hi = mid;
    }
    const uint8_t* e = p + header_size + uint64_t{lo} * entry_size;
    const uint64_t start = load32(e + 0);
    const uint64_t size = load32(e + 4);
    const uint64_t name = load32(e + 8);
    if (rel < start || rel - start >= size || name >= strtab_size)
        return nullptr;
    if (offset_out != nullptr)
        *offset_out = rel - start;
    return reinterpret_cast<const char*>(p + strtab_offset + name);
}

} // namespace uk
