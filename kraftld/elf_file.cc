#include "elf_file.h"

#include <cxxabi.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "lib/symtab.h"

namespace kraftld {

namespace {

constexpr uint8_t elf_magic[4] = {0x7f, 'E', 'L', 'F'};
constexpr uint8_t elfclass32 = 1;
constexpr uint8_t elfclass64 = 2;
constexpr uint8_t elfdata2lsb = 1;
constexpr uint16_t et_dyn = 3;
constexpr uint16_t em_386 = 3;
constexpr uint32_t sht_progbits = 1;
constexpr uint32_t sht_symtab = 2;
constexpr uint32_t sht_strtab = 3;
constexpr uint64_t shf_alloc = 2;
constexpr uint64_t shf_execinstr = 4;
constexpr uint16_t shn_loreserve = 0xff00;
constexpr uint16_t shn_xindex = 0xffff;
constexpr uint8_t stt_notype = 0;
constexpr uint8_t stt_func = 2;
constexpr uint8_t stt_gnu_ifunc = 10;
constexpr uint8_t stb_local = 0;
constexpr uint8_t stb_global = 1;
constexpr uint8_t stb_weak = 2;
constexpr size_t ehdr64_size = 64;
constexpr size_t phdr64_size = 56;
constexpr size_t shdr64_size = 64;
constexpr size_t sym64_size = 24;
constexpr size_t ehdr32_size = 52;
constexpr size_t phdr32_size = 32;

constexpr uint32_t multiboot_magic = 0x1badb002;
// Bit 0: page-align modules; bit 1: pass the memory map.
constexpr uint32_t multiboot_flags = 0x3;
// Loaders look for the Multiboot header only in the file's first 8 KiB.
constexpr size_t multiboot_search_limit = 8192;

// Bounds-checked little-endian reads from a byte span.
class Reader {
  public:
    explicit Reader(std::span<const uint8_t> data) : m_data(data) {}

    bool has(uint64_t offset, uint64_t size) const {
        return offset <= m_data.size() && size <= m_data.size() - offset;
    }
    template <typename T> T get(uint64_t offset) const {
        T v{};
        if (has(offset, sizeof(T)))
            std::memcpy(&v, m_data.data() + offset, sizeof(T));
        return v;
    }
    // The NUL-terminated string at `offset` within [base, base + size), or
    // an empty view if it runs past that range.
    std::string_view string_in(uint64_t base, uint64_t size, uint64_t offset) const {
        if (!has(base, size) || offset >= size)
            return {};
        const char* start = reinterpret_cast<const char*>(m_data.data() + base + offset);
        const void* nul = std::memchr(start, 0, size - offset);
        if (nul == nullptr)
            return {};
        return {start, static_cast<size_t>(static_cast<const char*>(nul) - start)};
    }
    size_t size() const { return m_data.size(); }

  private:
    std::span<const uint8_t> m_data;
};

// Little-endian appends to a byte vector.
class Writer {
  public:
    std::vector<uint8_t>& bytes() { return m_bytes; }
    void u8(uint8_t v) { m_bytes.push_back(v); }
    void u16(uint16_t v) { put(&v, sizeof(v)); }
    void u32(uint32_t v) { put(&v, sizeof(v)); }
    void u64(uint64_t v) { put(&v, sizeof(v)); }
    void put(const void* p, size_t n) {
        const auto* b = static_cast<const uint8_t*>(p);
        m_bytes.insert(m_bytes.end(), b, b + n);
    }
    void pad_to(size_t size) {
        if (m_bytes.size() < size)
            m_bytes.resize(size, 0);
    }
    void align(size_t alignment) {
        pad_to((m_bytes.size() + alignment - 1) / alignment * alignment);
    }

  private:
    std::vector<uint8_t> m_bytes;
};

std::string machine_name(uint16_t machine) {
    switch (machine) {
    case 3:
        return "i386";
    case 8:
        return "MIPS";
    case 20:
        return "PowerPC";
    case 21:
        return "PowerPC64";
    case 22:
        return "s390";
    case 40:
        return "ARM";
    case 62:
        return "x86-64";
    case 183:
        return "AArch64";
    case 243:
        return "RISC-V";
    case 258:
        return "LoongArch";
    default:
        return "machine " + std::to_string(machine);
    }
}

std::optional<std::string> elf_object_problem(std::span<const uint8_t> data) {
    const Reader r(data);
    if (!r.has(0, 20))
        return "is a truncated ELF file";
    const uint8_t elf_class = data[4];
    const uint16_t type = r.get<uint16_t>(16);
    const uint16_t machine = r.get<uint16_t>(18);
    if (data[5] != elfdata2lsb)
        return "is a big-endian ELF file (" + machine_name(machine) + "); images are x86_64";
    if (elf_class == elfclass32)
        return "is a 32-bit object (ELF32, " + machine_name(machine) +
               "); images are x86_64: compile without -m32";
    if (elf_class != elfclass64)
        return "is an ELF file of unknown class " + std::to_string(elf_class);
    if (machine != em_x86_64)
        return "is an object for " + machine_name(machine) + "; images are x86_64";
    if (type == et_dyn)
        return "is a shared object; images link statically (use the static archive .a)";
    if (type == et_exec)
        return "is an executable, not an object to link";
    if (type != et_rel)
        return "is not a relocatable object (ELF type " + std::to_string(type) + ")";
    return std::nullopt;
}

bool is_bitcode(std::span<const uint8_t> data) {
    static constexpr uint8_t raw[4] = {'B', 'C', 0xc0, 0xde};
    static constexpr uint8_t wrapper[4] = {0xde, 0xc0, 0x17, 0x0b};
    return data.size() >= 4 &&
           (std::memcmp(data.data(), raw, 4) == 0 || std::memcmp(data.data(), wrapper, 4) == 0);
}

// Decimal field of an ar member header.
std::optional<uint64_t> ar_decimal(std::span<const uint8_t> field) {
    uint64_t v = 0;
    bool any = false;
    for (uint8_t c : field) {
        if (c == ' ')
            break;
        if (c < '0' || c > '9' || v > (UINT64_MAX - 9) / 10)
            return std::nullopt;
        v = v * 10 + (c - '0');
        any = true;
    }
    if (!any)
        return std::nullopt;
    return v;
}

// Walks an archive's member headers to its first ELF member, which it
// leaves in `first` (empty when there is none); returns what is wrong with
// the archive, if anything.
std::optional<std::string> walk_archive(std::span<const uint8_t> data,
                                        std::span<const uint8_t>& first) {
    constexpr size_t header_size = 60;
    uint64_t pos = 8;
    first = {};
    while (pos + header_size <= data.size()) {
        const std::span<const uint8_t> header = data.subspan(pos, header_size);
        if (header[58] != '`' || header[59] != '\n')
            return "is a damaged ar archive (bad member header at offset " + std::to_string(pos) +
                   ")";
        const std::optional<uint64_t> size = ar_decimal(header.subspan(48, 10));
        if (!size || *size > data.size() - pos - header_size)
            return "is a damaged ar archive (bad member size at offset " + std::to_string(pos) +
                   ")";
        const std::span<const uint8_t> member = data.subspan(pos + header_size, *size);
        uint64_t skip = 0;
        // BSD archives put a long member name (#1/LEN) before the data.
        if (std::memcmp(header.data(), "#1/", 3) == 0) {
            const std::optional<uint64_t> name_len = ar_decimal(header.subspan(3, 13));
            if (name_len && *name_len <= member.size())
                skip = *name_len;
        }
        const std::span<const uint8_t> body = member.subspan(skip);
        if (body.size() >= 4 && std::memcmp(body.data(), elf_magic, 4) == 0) {
            first = body;
            return std::nullopt;
        }
        pos += header_size + *size + (*size & 1);
    }
    return std::nullopt;
}

std::optional<std::string> archive_problem(std::span<const uint8_t> data) {
    std::span<const uint8_t> first;
    if (std::optional<std::string> problem = walk_archive(data, first))
        return problem;
    if (!first.empty())
        if (std::optional<std::string> problem = elf_object_problem(first))
            return "holds an object that " + *problem;
    return std::nullopt;
}

int bind_rank(uint8_t bind) {
    switch (bind) {
    case stb_global:
        return 3;
    case stb_weak:
        return 2;
    case stb_local:
        return 1;
    default:
        return 0;
    }
}

struct Candidate {
    FunctionSymbol symbol;
    int rank;
    uint64_t section_end;
};

} // namespace

std::optional<ElfFile> ElfFile::parse(std::span<const uint8_t> data, std::string& error) {
    const Reader r(data);
    if (!r.has(0, ehdr64_size) || std::memcmp(data.data(), elf_magic, 4) != 0) {
        error = "not an ELF file";
        return std::nullopt;
    }
    if (data[4] != elfclass64 || data[5] != elfdata2lsb) {
        error = "not a little-endian ELF64 file";
        return std::nullopt;
    }
    ElfFile file;
    file.m_type = r.get<uint16_t>(16);
    file.m_machine = r.get<uint16_t>(18);
    file.m_entry = r.get<uint64_t>(24);
    const uint64_t phoff = r.get<uint64_t>(32);
    const uint64_t shoff = r.get<uint64_t>(40);
    const uint16_t phentsize = r.get<uint16_t>(54);
    const uint16_t phnum = r.get<uint16_t>(56);
    const uint16_t shentsize = r.get<uint16_t>(58);
    uint64_t shnum = r.get<uint16_t>(60);
    uint64_t shstrndx = r.get<uint16_t>(62);

    if (phnum > 0) {
        if (phentsize != phdr64_size || !r.has(phoff, uint64_t{phnum} * phdr64_size)) {
            error = "program headers out of bounds";
            return std::nullopt;
        }
        for (uint64_t i = 0; i < phnum; i++) {
            const uint64_t p = phoff + i * phdr64_size;
            file.m_segments.push_back({r.get<uint32_t>(p), r.get<uint32_t>(p + 4),
                                       r.get<uint64_t>(p + 8), r.get<uint64_t>(p + 16),
                                       r.get<uint64_t>(p + 24), r.get<uint64_t>(p + 32),
                                       r.get<uint64_t>(p + 40), r.get<uint64_t>(p + 48)});
        }
    }

    if (shoff == 0)
        return file;
    if (shentsize != shdr64_size || !r.has(shoff, shdr64_size)) {
        error = "section headers out of bounds";
        return std::nullopt;
    }
    // Extended numbering keeps large counts in the first section header.
    if (shnum == 0)
        shnum = r.get<uint64_t>(shoff + 32);
    if (shstrndx == shn_xindex)
        shstrndx = r.get<uint32_t>(shoff + 40);
    if (shnum > (r.size() - shoff) / shdr64_size) {
        error = "section headers out of bounds";
        return std::nullopt;
    }
    const uint64_t names_base = shstrndx < shnum ? shoff + shstrndx * shdr64_size : 0;
    const uint64_t names_offset = names_base ? r.get<uint64_t>(names_base + 24) : 0;
    const uint64_t names_size = names_base ? r.get<uint64_t>(names_base + 32) : 0;
    file.m_sections.reserve(shnum);
    for (uint64_t i = 0; i < shnum; i++) {
        const uint64_t s = shoff + i * shdr64_size;
        file.m_sections.push_back({r.string_in(names_offset, names_size, r.get<uint32_t>(s)),
                                   r.get<uint32_t>(s + 4), r.get<uint64_t>(s + 8),
                                   r.get<uint64_t>(s + 16), r.get<uint64_t>(s + 24),
                                   r.get<uint64_t>(s + 32), r.get<uint32_t>(s + 40)});
    }

    for (const ElfSection& symtab : file.m_sections) {
        if (symtab.type != sht_symtab)
            continue;
        if (!r.has(symtab.offset, symtab.size) || symtab.link >= shnum) {
            error = "symbol table out of bounds";
            return std::nullopt;
        }
        const ElfSection& strtab = file.m_sections[symtab.link];
        const uint64_t count = symtab.size / sym64_size;
        file.m_symbols.reserve(count);
        for (uint64_t i = 0; i < count; i++) {
            const uint64_t p = symtab.offset + i * sym64_size;
            const uint8_t info = r.get<uint8_t>(p + 4);
            file.m_symbols.push_back({r.string_in(strtab.offset, strtab.size, r.get<uint32_t>(p)),
                                      r.get<uint64_t>(p + 8), r.get<uint64_t>(p + 16),
                                      static_cast<uint8_t>(info & 0xf),
                                      static_cast<uint8_t>(info >> 4), r.get<uint16_t>(p + 6)});
        }
        break;
    }
    return file;
}

const ElfSection* ElfFile::find_section(std::string_view name) const {
    for (const ElfSection& s : m_sections)
        if (s.name == name)
            return &s;
    return nullptr;
}

std::optional<uint64_t> ElfFile::find_symbol(std::string_view name) const {
    for (const ElfSymbol& s : m_symbols)
        if (s.shndx != 0 && s.name == name)
            return s.value;
    return std::nullopt;
}

std::optional<std::string> input_file_problem(std::span<const uint8_t> data) {
    if (data.size() >= 4 && std::memcmp(data.data(), elf_magic, 4) == 0)
        return elf_object_problem(data);
    if (data.size() >= 8 && std::memcmp(data.data(), "!<arch>\n", 8) == 0)
        return archive_problem(data);
    // A thin archive names its members' files; the linker checks those.
    if (data.size() >= 8 && std::memcmp(data.data(), "!<thin>\n", 8) == 0)
        return std::nullopt;
    if (is_bitcode(data))
        return std::nullopt;
    if (data.empty())
        return "is empty";
    return "is not an object file or archive (kraftld links ELF64 x86-64 objects and ar "
           "archives)";
}

std::span<const uint8_t> representative_object(std::span<const uint8_t> data) {
    if (data.size() >= 8 && std::memcmp(data.data(), "!<arch>\n", 8) == 0) {
        std::span<const uint8_t> first;
        walk_archive(data, first);
        return first;
    }
    return data;
}

std::vector<FunctionSymbol> collect_functions(const ElfFile& image) {
    const std::vector<ElfSection>& sections = image.sections();
    std::vector<Candidate> functions;
    std::vector<Candidate> labels;
    for (const ElfSymbol& s : image.symbols()) {
        if (s.shndx == 0 || s.shndx >= shn_loreserve || s.shndx >= sections.size())
            continue;
        const ElfSection& section = sections[s.shndx];
        if (!(section.flags & shf_alloc) || s.name.empty() || s.name.starts_with(".L"))
            continue;
        const uint64_t section_end = section.addr + section.size;
        if (s.value < section.addr || s.value >= section_end)
            continue;
        const uint64_t size = std::min(s.size, section_end - s.value);
        if (s.type == stt_func || s.type == stt_gnu_ifunc)
            functions.push_back({{s.value, size, s.name}, bind_rank(s.bind), section_end});
        else if (s.type == stt_notype && s.bind != stb_local && (section.flags & shf_execinstr))
            labels.push_back({{s.value, size, s.name}, bind_rank(s.bind), section_end});
    }

    // One entry per address: the most visible name, and a size if any alias has one.
    auto by_address = [](const Candidate& a, const Candidate& b) {
        if (a.symbol.addr != b.symbol.addr)
            return a.symbol.addr < b.symbol.addr;
        if (a.rank != b.rank)
            return a.rank > b.rank;
        if ((a.symbol.size != 0) != (b.symbol.size != 0))
            return a.symbol.size != 0;
        return a.symbol.name < b.symbol.name;
    };
    auto dedupe = [&](std::vector<Candidate>& list) {
        std::sort(list.begin(), list.end(), by_address);
        std::vector<Candidate> out;
        for (const Candidate& c : list) {
            if (!out.empty() && out.back().symbol.addr == c.symbol.addr) {
                out.back().symbol.size = std::max(out.back().symbol.size, c.symbol.size);
                continue;
            }
            out.push_back(c);
        }
        list = std::move(out);
    };
    dedupe(functions);
    dedupe(labels);

    // Labels inside a sized function (e.g. musl's __cp_begin) would split
    // it; keep only the ones that mark code no function symbol covers.
    std::vector<Candidate> all = functions;
    for (const Candidate& label : labels) {
        auto it = std::upper_bound(
            functions.begin(), functions.end(), label.symbol.addr,
            [](uint64_t addr, const Candidate& f) { return addr < f.symbol.addr; });
        if (it != functions.begin()) {
            const FunctionSymbol& f = std::prev(it)->symbol;
            if (label.symbol.addr - f.addr < f.size)
                continue;
        }
        all.push_back(label);
    }
    dedupe(all);

    std::vector<FunctionSymbol> result;
    result.reserve(all.size());
    for (size_t i = 0; i < all.size(); i++) {
        FunctionSymbol f = all[i].symbol;
        uint64_t limit = all[i].section_end;
        if (i + 1 < all.size())
            limit = std::min(limit, all[i + 1].symbol.addr);
        if (f.size == 0 || f.size > limit - f.addr)
            f.size = limit - f.addr;
        if (f.size != 0)
            result.push_back(f);
    }
    return result;
}

std::string backtrace_name(std::string_view symbol) {
    // Only Itanium-mangled names (C++, Rust's legacy scheme) change.
    if (!symbol.starts_with("_Z"))
        return std::string(symbol);
    int status = 0;
    const std::string mangled(symbol);
    char* demangled = abi::__cxa_demangle(mangled.c_str(), nullptr, nullptr, &status);
    if (status != 0 || !demangled)
        return mangled;
    const std::string_view full(demangled);
    // The qualified name ends at the parameter list: the first '(' outside
    // template arguments and lambda names that is not "(anonymous
    // namespace)".
    static constexpr std::string_view anon = "(anonymous namespace)";
    size_t end = full.size();
    int depth = 0;
    for (size_t i = 0; i < full.size(); i++) {
        const char c = full[i];
        if (c == '<' || c == '{' || c == '[') {
            depth++;
        } else if (c == '>' || c == '}' || c == ']') {
            depth--;
        } else if (c == '(' && depth == 0) {
            if (full.substr(i).starts_with(anon)) {
                i += anon.size() - 1;
                continue;
            }
            end = i;
            break;
        }
    }
    std::string name(full.substr(0, end));
    std::free(demangled);
    return name.empty() ? mangled : name;
}

std::vector<uint8_t> build_symtab_blob(const std::vector<FunctionSymbol>& functions) {
    std::vector<std::string> names;
    names.reserve(functions.size());
    for (const FunctionSymbol& f : functions)
        names.push_back(backtrace_name(f.name));
    std::vector<uk::SymtabSymbol> symbols;
    symbols.reserve(functions.size());
    for (size_t i = 0; i < functions.size(); i++)
        symbols.push_back({functions[i].addr, functions[i].size, names[i].data(), names[i].size()});
    const size_t size = uk::symtab_build(symbols.data(), symbols.size(), nullptr, 0);
    if (size == 0)
        return {};
    std::vector<uint8_t> blob(size);
    if (uk::symtab_build(symbols.data(), symbols.size(), blob.data(), blob.size()) != size)
        return {};
    return blob;
}

std::vector<uint8_t> make_section_object(std::string_view name, std::span<const uint8_t> blob,
                                         uint64_t align) {
    // Section names: "", NAME, .note.GNU-stack, .shstrtab.
    std::string shstrtab(1, '\0');
    const auto name_data = static_cast<uint32_t>(shstrtab.size());
    shstrtab.append(name).push_back('\0');
    const auto name_note = static_cast<uint32_t>(shstrtab.size());
    shstrtab.append(".note.GNU-stack").push_back('\0');
    const auto name_shstrtab = static_cast<uint32_t>(shstrtab.size());
    shstrtab.append(".shstrtab").push_back('\0');
    constexpr uint16_t section_count = 4;

    const uint64_t blob_offset = ehdr64_size;
    const uint64_t shstrtab_offset = blob_offset + blob.size();
    const uint64_t shoff = (shstrtab_offset + shstrtab.size() + 7) & ~uint64_t{7};

    Writer w;
    w.put(elf_magic, 4);
    w.u8(elfclass64);
    w.u8(elfdata2lsb);
    w.u8(1); // EV_CURRENT
    w.pad_to(16);
    w.u16(et_rel);
    w.u16(em_x86_64);
    w.u32(1);     // e_version
    w.u64(0);     // e_entry
    w.u64(0);     // e_phoff
    w.u64(shoff); // e_shoff
    w.u32(0);     // e_flags
    w.u16(ehdr64_size);
    w.u16(0); // e_phentsize
    w.u16(0); // e_phnum
    w.u16(shdr64_size);
    w.u16(section_count);
    w.u16(section_count - 1); // e_shstrndx
    w.put(blob.data(), blob.size());
    w.put(shstrtab.data(), shstrtab.size());
    w.pad_to(shoff);

    auto section = [&](uint32_t name_offset, uint32_t type, uint64_t flags, uint64_t offset,
                       uint64_t size, uint64_t alignment) {
        w.u32(name_offset);
        w.u32(type);
        w.u64(flags);
        w.u64(0); // sh_addr
        w.u64(offset);
        w.u64(size);
        w.u32(0); // sh_link
        w.u32(0); // sh_info
        w.u64(alignment);
        w.u64(0); // sh_entsize
    };
    section(0, 0, 0, 0, 0, 0);
    section(name_data, sht_progbits, shf_alloc, blob_offset, blob.size(), align);
    section(name_note, sht_progbits, 0, shstrtab_offset, 0, 1);
    section(name_shstrtab, sht_strtab, 0, shstrtab_offset, shstrtab.size(), 1);
    return std::move(w.bytes());
}

std::vector<uint8_t> make_symtab_object(std::span<const uint8_t> blob) {
    return make_section_object(".uk_symtab", blob, 8);
}

std::optional<std::string> layout_difference(const ElfFile& pass1, const ElfFile& pass2,
                                             uint64_t symtab_addr) {
    if (pass1.entry() != pass2.entry())
        return "the entry point moved";
    // The symbol table's own segment is new, and a linker may drop it
    // while empty; every other segment must be identical.
    auto kept = [symtab_addr](const ElfFile& image) {
        std::vector<ElfSegment> segments;
        for (const ElfSegment& s : image.segments())
            if (s.type != pt_load || (s.memsz != 0 && s.vaddr < symtab_addr))
                segments.push_back(s);
        return segments;
    };
    const std::vector<ElfSegment> before_segments = kept(pass1);
    const std::vector<ElfSegment> after_segments = kept(pass2);
    if (before_segments.size() != after_segments.size())
        return "the number of program headers changed";
    for (size_t i = 0; i < before_segments.size(); i++)
        if (before_segments[i] != after_segments[i])
            return "program header " + std::to_string(i) + " (type " +
                   std::to_string(before_segments[i].type) + ") changed";
    if (pass2.symbols().empty())
        return std::nullopt;
    const std::vector<FunctionSymbol> before = collect_functions(pass1);
    const std::vector<FunctionSymbol> after = collect_functions(pass2);
    if (before.size() != after.size())
        return "the number of functions changed";
    for (size_t i = 0; i < before.size(); i++)
        if (before[i] != after[i])
            return "function " + std::string(before[i].name) + " moved";
    return std::nullopt;
}

std::optional<std::vector<uint8_t>> make_multiboot_image(std::span<const uint8_t> elf64,
                                                         uint64_t entry, std::string& error) {
    std::optional<ElfFile> image = ElfFile::parse(elf64, error);
    if (!image)
        return std::nullopt;
    if (image->machine() != em_x86_64 || image->type() != et_exec) {
        error = "not an x86-64 executable";
        return std::nullopt;
    }
    std::vector<ElfSegment> loads;
    for (const ElfSegment& s : image->segments()) {
        if (s.type != pt_load || s.memsz == 0)
            continue;
        if (s.paddr > UINT32_MAX || s.memsz > UINT32_MAX - s.paddr) {
            error = "a segment lies above 4 GiB; Multiboot1 loads below it";
            return std::nullopt;
        }
        if (s.filesz > s.memsz || s.offset > elf64.size() || s.filesz > elf64.size() - s.offset) {
            error = "a segment's file range is out of bounds";
            return std::nullopt;
        }
        loads.push_back(s);
    }
    if (loads.empty()) {
        error = "no loadable segments";
        return std::nullopt;
    }
    if (entry > UINT32_MAX) {
        error = "the Multiboot entry point lies above 4 GiB";
        return std::nullopt;
    }
    const uint64_t mb_offset = ehdr32_size + loads.size() * phdr32_size;
    if (mb_offset + 12 > multiboot_image_shift ||
        elf64.size() > UINT32_MAX - multiboot_image_shift) {
        error = "too many segments or too large an image for Multiboot";
        return std::nullopt;
    }
    static_assert(multiboot_image_shift + 12 <= multiboot_search_limit);

    Writer w;
    w.put(elf_magic, 4);
    w.u8(elfclass32);
    w.u8(elfdata2lsb);
    w.u8(1); // EV_CURRENT
    w.pad_to(16);
    w.u16(et_exec);
    w.u16(em_386);
    w.u32(1); // e_version
    w.u32(static_cast<uint32_t>(entry));
    w.u32(ehdr32_size); // e_phoff
    w.u32(0);           // e_shoff
    w.u32(0);           // e_flags
    w.u16(ehdr32_size);
    w.u16(phdr32_size);
    w.u16(static_cast<uint16_t>(loads.size()));
    w.u16(0); // e_shentsize
    w.u16(0); // e_shnum
    w.u16(0); // e_shstrndx
    for (const ElfSegment& s : loads) {
        w.u32(pt_load);
        w.u32(static_cast<uint32_t>(s.offset + multiboot_image_shift));
        w.u32(static_cast<uint32_t>(s.paddr)); // p_vaddr: identity mapped
        w.u32(static_cast<uint32_t>(s.paddr));
        w.u32(static_cast<uint32_t>(s.filesz));
        w.u32(static_cast<uint32_t>(s.memsz));
        w.u32(s.flags);
        // Loaders may map pages: keep offset and address congruent, as the ELF64 file does.
        w.u32(((s.offset ^ s.paddr) & 4095) == 0 ? 4096 : 1);
    }
    w.u32(multiboot_magic);
    w.u32(multiboot_flags);
    w.u32(static_cast<uint32_t>(0u - multiboot_magic - multiboot_flags));
    w.pad_to(multiboot_image_shift);
    w.put(elf64.data(), elf64.size());
    return std::move(w.bytes());
}

} // namespace kraftld
