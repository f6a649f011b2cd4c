// The function-name table that kraftld embeds in every image (.uk_symtab) so
// that the kernel can symbolize a backtrace even from a stripped image.
//
// Shared by kraftld (which writes it) and the kernel (which reads it), so it
// is freestanding: no libc, no allocation.
//
// Layout (all fields little-endian, the blob 8-byte aligned in the image):
//
//   SymtabHeader   32 bytes
//   SymtabEntry    count x 12 bytes, sorted by start, non-overlapping
//   names          strtab_size bytes of NUL-terminated names
//
// An entry covers [base + start, base + start + size). Names are the linker
// symbol names (C++ names stay mangled).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk {

/// "UKST" read as a little-endian uint32_t.
inline constexpr uint32_t symtab_magic = 0x54534b55;
/// Bumped on any incompatible layout change.
inline constexpr uint32_t symtab_version = 1;

/// The blob's first 32 bytes.
struct SymtabHeader {
    uint32_t magic;         ///< symtab_magic
    uint32_t version;       ///< symtab_version
    uint32_t count;         ///< number of entries
    uint32_t strtab_offset; ///< from the start of the blob to the names
    uint32_t strtab_size;   ///< bytes of names, the last one a NUL
    uint32_t reserved;      ///< zero
    uint64_t base;          ///< address that entry starts are relative to
};
static_assert(sizeof(SymtabHeader) == 32);

/// One function: its extent and name.
struct SymtabEntry {
    uint32_t start; ///< address - header.base
    uint32_t size;  ///< bytes, at least 1
    uint32_t name;  ///< offset into the names
};
static_assert(sizeof(SymtabEntry) == 12);

/// A function as kraftld hands it to symtab_build.
struct SymtabSymbol {
    uint64_t addr;
    uint64_t size;
    const char* name;
    size_t name_len;
};

/// Serializes `count` symbols, sorted by addr, non-overlapping, each with a
/// non-zero size and a non-empty name without NUL, into `out`. Returns the
/// blob's size; when that exceeds `out_cap` (or out is null) nothing is
/// written, so a first call with out == nullptr sizes the buffer. Returns 0
/// if the symbols break those rules or do not fit 32-bit offsets from the
/// lowest address.
size_t symtab_build(const SymtabSymbol* syms, size_t count, void* out, size_t out_cap);

/// Finds the function containing `addr` in a blob of `blob_len` bytes made
/// by symtab_build. Returns its NUL-terminated name (pointing into the blob)
/// and stores addr minus the function's start in *offset_out (if not null);
/// returns nullptr if no function contains addr or the blob is malformed.
/// Safe on arbitrary bytes; the blob need not be aligned.
const char* symtab_lookup(const void* blob, size_t blob_len, uint64_t addr, uint64_t* offset_out);

} // namespace uk
