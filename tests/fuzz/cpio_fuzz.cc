// The cpio reader walks an archive the VM was handed: any bytes must give
// entries then the end or an error, never a read outside the input (ASan),
// and every entry it returns must lie inside the input, as the header says.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "vfs/cpio.h"

using namespace uk::vfs::cpio;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // A copy of exactly `size` bytes, so that ASan sees any read past it.
    auto* copy = new uint8_t[size ? size : 1];
    std::memcpy(copy, data, size);
    Reader r(copy, size);
    Entry e;
    uint64_t last = 0;
    size_t n = 0;
    Reader::Status s;
    while ((s = r.next(&e)) == Reader::Status::entry) {
        const uint8_t* lo = copy;
        const uint8_t* hi = copy + size;
        auto* name = reinterpret_cast<const uint8_t*>(e.name);
        if (e.offset % 4 || (n && e.offset <= last) || e.offset + header_size > size)
            __builtin_trap();
        if (name != lo + e.offset + header_size || e.name_len == 0 || name + e.name_len >= hi ||
            e.name[e.name_len] != '\0' || std::memchr(e.name, 0, e.name_len))
            __builtin_trap();
        // Data starts 4-byte aligned (an empty file's may be cut short at the end).
        if (e.data < name + e.name_len + 1 || e.size > size_t(hi - e.data) ||
            (e.size && (e.data - lo) % 4))
            __builtin_trap();
        if (!std::strcmp(e.name, "TRAILER!!!"))
            __builtin_trap();
        // The name rules must cope with any name.
        const char* rest;
        size_t rest_len;
        NameKind k = classify_name(e.name, e.name_len, &rest, &rest_len);
        if (rest < e.name || rest + rest_len != e.name + e.name_len)
            __builtin_trap();
        size_t pos = 0, count = 0;
        const char* c;
        size_t cn;
        while (next_component(rest, rest_len, &pos, &c, &cn)) {
            if (cn == 0 || std::memchr(c, '/', cn) || (cn == 1 && c[0] == '.') || c < rest ||
                c + cn > rest + rest_len)
                __builtin_trap();
            count++;
        }
        if ((k == NameKind::root) != (count == 0))
            __builtin_trap();
        last = e.offset;
        n++;
    }
    if (n != r.entries())
        __builtin_trap();
    if (s == Reader::Status::error) {
        if (r.error() == Error::none || r.error_offset() > size || error_string(r.error())[0] == 0)
            __builtin_trap();
    } else if (r.error() != Error::none) {
        __builtin_trap();
    }
    delete[] copy;
    return 0;
}
