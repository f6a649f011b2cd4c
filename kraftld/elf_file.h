// ELF for kraftld: checking input files, reading the linked image's program
// headers and symbols, writing the .uk_symtab object, and converting an
// ELF64 image to a Multiboot1 (ELF32) one. Everything works on bytes in
// memory and checks every offset, since inputs come from outside.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kraftld {

/// A program header.
struct ElfSegment {
    uint32_t type;
    uint32_t flags;
    uint64_t offset;
    uint64_t vaddr;
    uint64_t paddr;
    uint64_t filesz;
    uint64_t memsz;
    uint64_t align;

    bool operator==(const ElfSegment&) const = default;
};

/// A section header, with its name resolved.
struct ElfSection {
    std::string_view name;
    uint32_t type;
    uint64_t flags;
    uint64_t addr;
    uint64_t offset;
    uint64_t size;
    uint32_t link;
};

/// A .symtab entry, with its name resolved.
struct ElfSymbol {
    std::string_view name;
    uint64_t value;
    uint64_t size;
    uint8_t type;
    uint8_t bind;
    uint16_t shndx;
};

/// A function as kraftld records it in .uk_symtab.
struct FunctionSymbol {
    uint64_t addr;
    uint64_t size;
    std::string_view name;

    bool operator==(const FunctionSymbol&) const = default;
};

inline constexpr uint32_t pt_load = 1;
inline constexpr uint32_t pt_note = 4;
inline constexpr uint16_t et_rel = 1;
inline constexpr uint16_t et_exec = 2;
inline constexpr uint16_t em_x86_64 = 62;

/// A parsed little-endian ELF64 file. Names point into the bytes it was
/// parsed from, which must outlive it.
class ElfFile {
  public:
    /// Parses `data`. Returns std::nullopt and sets `error` if it is not a
    /// well-formed little-endian ELF64 file.
    static std::optional<ElfFile> parse(std::span<const uint8_t> data, std::string& error);

    uint16_t type() const { return m_type; }
    uint16_t machine() const { return m_machine; }
    uint64_t entry() const { return m_entry; }
    const std::vector<ElfSegment>& segments() const { return m_segments; }
    const std::vector<ElfSection>& sections() const { return m_sections; }
    /// The .symtab symbols; empty if the file is stripped.
    const std::vector<ElfSymbol>& symbols() const { return m_symbols; }

    /// The first section called `name`, or nullptr.
    const ElfSection* find_section(std::string_view name) const;
    /// The value of the first defined symbol called `name`.
    std::optional<uint64_t> find_symbol(std::string_view name) const;

  private:
    uint16_t m_type = 0;
    uint16_t m_machine = 0;
    uint64_t m_entry = 0;
    std::vector<ElfSegment> m_segments;
    std::vector<ElfSection> m_sections;
    std::vector<ElfSymbol> m_symbols;
};

/// Says what is wrong with an input file for an x86_64 image link, given
/// its bytes (an archive's members are looked at through their headers), or
/// std::nullopt if it is an ELF64 x86-64 relocatable object, an ar archive
/// whose first object is one, or LLVM bitcode. The message follows the file
/// name, e.g. "is a 32-bit object (ELF32, i386)".
std::optional<std::string> input_file_problem(std::span<const uint8_t> data);

/// The object that stands for an input when asking how it was compiled: an
/// archive's first ELF member (empty when it has none), any other input
/// itself.
std::span<const uint8_t> representative_object(std::span<const uint8_t> data);

/// The functions of a linked image (STT_FUNC symbols, plus global assembly
/// labels in executable sections that fall inside no function), sorted, one
/// per address, each with a size that reaches no further than the next one.
/// Local labels are left out: they are many (e.g. one per trap stub) and the
/// table must stay small; give an assembly routine `.type name, @function`
/// to have it named.
std::vector<FunctionSymbol> collect_functions(const ElfFile& image);

/// The name a backtrace shows for `symbol`: a mangled C++ (or Rust) name
/// demangled to its qualified name without the parameter list (shorter, and
/// readable), any other name as it is.
std::string backtrace_name(std::string_view symbol);

/// The .uk_symtab blob (lib/symtab.h) for `functions`, with backtrace
/// names. Returns an empty vector if they cannot be encoded (addresses
/// spread over more than 4 GiB).
std::vector<uint8_t> build_symtab_blob(const std::vector<FunctionSymbol>& functions);

/// A relocatable ELF64 x86-64 object with one allocated, read-only
/// section named `name`, holding `blob` aligned to `align`.
std::vector<uint8_t> make_section_object(std::string_view name, std::span<const uint8_t> blob,
                                         uint64_t align);

/// A relocatable ELF64 x86-64 object with one allocated section,
/// `.uk_symtab`, holding `blob`.
std::vector<uint8_t> make_symtab_object(std::span<const uint8_t> blob);

/// Checks that linking the symbol table in (pass 2) moved nothing that pass
/// 1 placed: the entry point, every segment below `symtab_addr`, and (when
/// pass 2 keeps its symbols) every function address. Returns a description
/// of the first difference, or std::nullopt.
std::optional<std::string> layout_difference(const ElfFile& pass1, const ElfFile& pass2,
                                             uint64_t symtab_addr);

/// Offset of the ELF64 image inside a Multiboot image.
inline constexpr uint32_t multiboot_image_shift = 4096;

/// Wraps a linked ELF64 image for Multiboot1 loaders: an ELF32 header, ELF32
/// PT_LOAD headers for the same segments at the same physical addresses and
/// a Multiboot header in the first page, then the ELF64 file shifted by
/// multiboot_image_shift bytes. `entry` is the 32-bit entry point. Returns
/// std::nullopt and sets `error` if the image does not fit below 4 GiB.
std::optional<std::vector<uint8_t>> make_multiboot_image(std::span<const uint8_t> elf64,
                                                         uint64_t entry, std::string& error);

} // namespace kraftld
