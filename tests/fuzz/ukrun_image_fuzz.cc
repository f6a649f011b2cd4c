// What ukrun reads of an image file before QEMU: any bytes.
#include <cstddef>
#include <cstdint>
#include <span>

#include "ukrun_image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::span<const unsigned char> file(data, size);
    (void)ukrun::inspect_image(file);
    (void)ukrun::elf_load_end(file);
    (void)ukrun::has_multiboot_header(file);
    return 0;
}
