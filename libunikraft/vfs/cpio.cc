#include "vfs/cpio.h"

namespace uk::vfs::cpio {

namespace {

constexpr char trailer_name[] = "TRAILER!!!";

size_t align4(size_t v) {
    return (v + 3) & ~size_t(3);
}

bool same(const uint8_t* p, const char* s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i] != uint8_t(s[i]))
            return false;
    return true;
}

// Hexadecimal digit values, 0xff for anything else: a table keeps the
// header's 104 digits free of branches, which matters at boot under
// emulation, where each branch target is code to translate.
struct HexDigits {
    uint8_t value[256];
    constexpr HexDigits() : value{} {
        for (int c = 0; c < 256; c++)
            value[c] = c >= '0' && c <= '9'   ? uint8_t(c - '0')
                       : c >= 'a' && c <= 'f' ? uint8_t(c - 'a' + 10)
                       : c >= 'A' && c <= 'F' ? uint8_t(c - 'A' + 10)
                                              : 0xff;
    }
};
constexpr HexDigits hex_digits{};

// Eight hexadecimal digits, either case; false for anything else.
bool parse_hex8(const uint8_t* p, uint32_t* out) {
    uint32_t v = 0;
    uint8_t bad = 0;
    for (size_t i = 0; i < 8; i++) {
        uint8_t d = hex_digits.value[p[i]];
        bad |= d & 0xf0;
        v = (v << 4) | (d & 0xf);
    }
    *out = v;
    return !bad;
}

} // namespace

const char* error_string(Error e) {
    switch (e) {
    case Error::none:
        return "no error";
    case Error::bad_magic:
        return "no cpio header (magic 070701 or 070702) where an entry must start";
    case Error::old_format:
        return "an old-format cpio header (070707): make the archive with -H newc";
    case Error::bad_field:
        return "a header field is not 8 hexadecimal digits";
    case Error::bad_name_size:
        return "the name size is 0, 1 (an empty name) or more than 4096";
    case Error::truncated_header:
        return "the archive ends inside a header (truncated)";
    case Error::truncated_name:
        return "the archive ends inside a name (truncated)";
    case Error::truncated_data:
        return "the file data runs past the end of the archive (truncated)";
    case Error::name_not_terminated:
        return "the name is not one NUL-terminated string";
    case Error::bad_padding:
        return "an archive after TRAILER!!! does not start at a multiple of 4 bytes";
    case Error::missing_trailer:
        return "the archive ends without TRAILER!!! (truncated)";
    }
    return "unknown error";
}

Reader::Status Reader::fail(Error e, uint64_t at) {
    m_error = e;
    m_error_offset = at;
    m_done = true;
    return Status::error;
}

void Reader::peek_name(size_t at, Entry* e) const {
    // For the message only: the name, if its size field and bytes look sound.
    uint32_t namesize;
    if (!parse_hex8(m_data + at + 6 + 8 * 11, &namesize) || namesize < 2 ||
        namesize > max_name_size || namesize > m_len - at - header_size)
        return;
    const char* name = reinterpret_cast<const char*>(m_data + at + header_size);
    for (size_t i = 0; i + 1 < namesize; i++)
        if (name[i] == '\0')
            return;
    if (name[namesize - 1] != '\0')
        return;
    e->name = name;
    e->name_len = namesize - 1;
}

Reader::Status Reader::next(Entry* e) {
    for (;;) {
        *e = Entry{};
        e->offset = m_pos;
        if (m_done)
            return m_error == Error::none ? Status::end : Status::error;
        if (m_after_trailer || !m_seen_any) {
            // Between archives: NULs, then the end or another archive.
            size_t start = m_pos;
            while (m_pos < m_len && m_data[m_pos] == 0)
                m_pos++;
            e->offset = m_pos;
            if (m_pos == m_len) {
                if (!m_seen_any && start == 0 && m_len != 0)
                    return fail(Error::bad_magic, 0); // nothing but NULs
                m_done = true;
                return Status::end;
            }
            if (m_pos & 3)
                return fail(Error::bad_padding, m_pos);
            m_after_trailer = false;
            m_seen_any = true;
        }
        size_t at = m_pos;
        if (at == m_len)
            return fail(Error::missing_trailer, at);
        const uint8_t* h = m_data + at;
        size_t left = m_len - at;
        if (left < 6 || !(same(h, "07070", 5))) {
            if (left < 6 && same(h, "070701", left))
                return fail(Error::truncated_header, at);
            return fail(Error::bad_magic, at);
        }
        if (h[5] == '7')
            return fail(Error::old_format, at);
        if (h[5] != '1' && h[5] != '2')
            return fail(Error::bad_magic, at);
        if (left < header_size)
            return fail(Error::truncated_header, at);
        uint32_t f[13];
        for (size_t i = 0; i < 13; i++) {
            if (!parse_hex8(h + 6 + 8 * i, &f[i])) {
                peek_name(at, e);
                return fail(Error::bad_field, at + 6 + 8 * i);
            }
        }
        e->ino = f[0];
        e->mode = f[1];
        e->uid = f[2];
        e->gid = f[3];
        e->nlink = f[4];
        e->mtime = f[5];
        e->dev_major = f[7];
        e->dev_minor = f[8];
        e->rdev_major = f[9];
        e->rdev_minor = f[10];
        e->check = f[12];
        uint32_t filesize = f[6], namesize = f[11];
        if (namesize < 2 || namesize > max_name_size)
            return fail(Error::bad_name_size, at + 6 + 8 * 11);
        size_t name_at = at + header_size;
        if (namesize > m_len - name_at)
            return fail(Error::truncated_name, m_len);
        const char* name = reinterpret_cast<const char*>(m_data + name_at);
        for (size_t i = 0; i + 1 < namesize; i++)
            if (name[i] == '\0')
                return fail(Error::name_not_terminated, name_at + i);
        if (name[namesize - 1] != '\0')
            return fail(Error::name_not_terminated, name_at + namesize - 1);
        e->name = name;
        e->name_len = namesize - 1;
        size_t data_at = align4(name_at + namesize);
        // The padding after the last entry may be missing.
        if (data_at > m_len && filesize == 0)
            data_at = m_len;
        if (data_at > m_len || filesize > m_len - data_at)
            return fail(Error::truncated_data, m_len);
        e->data = m_data + data_at;
        e->size = filesize;
        size_t end = data_at + filesize;
        m_pos = align4(end) < m_len ? align4(end) : m_len;
        if (e->name_len == sizeof(trailer_name) - 1 &&
            same(reinterpret_cast<const uint8_t*>(name), trailer_name, e->name_len)) {
            m_after_trailer = true;
            continue;
        }
        m_entries++;
        return Status::entry;
    }
}

NameKind classify_name(const char* name, size_t len, const char** rest, size_t* rest_len) {
    size_t i = 0;
    // Leading "/" and "./" parts (and a lone ".") name the root.
    for (;;) {
        if (i < len && name[i] == '/') {
            i++;
        } else if (i < len && name[i] == '.' && (i + 1 == len || name[i + 1] == '/')) {
            i++;
        } else {
            break;
        }
    }
    *rest = name + i;
    *rest_len = len - i;
    size_t pos = 0;
    const char* c;
    size_t n;
    bool any = false;
    while (next_component(*rest, *rest_len, &pos, &c, &n)) {
        if (n == 2 && c[0] == '.' && c[1] == '.')
            return NameKind::dotdot;
        any = true;
    }
    return any ? NameKind::path : NameKind::root;
}

bool next_component(const char* path, size_t len, size_t* pos, const char** comp,
                    size_t* comp_len) {
    size_t i = *pos;
    for (;;) {
        while (i < len && path[i] == '/')
            i++;
        if (i >= len) {
            *pos = len;
            return false;
        }
        size_t start = i;
        while (i < len && path[i] != '/')
            i++;
        if (i - start == 1 && path[start] == '.')
            continue;
        *comp = path + start;
        *comp_len = i - start;
        *pos = i;
        return true;
    }
}

} // namespace uk::vfs::cpio
