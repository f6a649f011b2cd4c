// Input files (objects, archives, anything a user names) and linked images.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "elf_file.h"
#include "lib/symtab.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::span<const uint8_t> bytes(data, size);
    (void)kraftld::input_file_problem(bytes);
    const std::span<const uint8_t> member = kraftld::representative_object(bytes);
    if (!member.empty() && (member.data() < data || member.data() + member.size() > data + size))
        __builtin_trap();

    std::string error;
    (void)kraftld::ElfFile::parse(member, error);
    std::optional<kraftld::ElfFile> file = kraftld::ElfFile::parse(bytes, error);
    if (!file)
        return 0;
    const std::vector<kraftld::FunctionSymbol> functions = kraftld::collect_functions(*file);
    const std::vector<uint8_t> blob = kraftld::build_symtab_blob(functions);
    for (const kraftld::FunctionSymbol& f : functions) {
        uint64_t offset = 0;
        const char* name = uk::symtab_lookup(blob.data(), blob.size(), f.addr, &offset);
        if (!blob.empty() && (name == nullptr || f.name != name || offset != 0))
            __builtin_trap();
    }
    (void)kraftld::make_symtab_object(blob);
    (void)kraftld::layout_difference(*file, *file, UINT64_MAX);
    (void)kraftld::make_multiboot_image(bytes, file->entry(), error);
    return 0;
}
