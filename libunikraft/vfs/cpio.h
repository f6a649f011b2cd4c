// The newc cpio format (`cpio -H newc`, what Linux's initramfs reads): a
// reader that walks an archive in place and checks every header, and the
// rules for the names in it. Pure logic, shared by the kernel, the host
// unit tests, the fuzzer and ukrun's packer tests.
//
// An entry is a 110-byte header ("070701" or "070702", then thirteen
// 8-digit hexadecimal fields: ino, mode, uid, gid, nlink, mtime, filesize,
// devmajor, devminor, rdevmajor, rdevminor, namesize, check), the name
// (namesize bytes, its NUL included) padded to a multiple of 4 from the
// header's start, then the data padded to a multiple of 4. An entry named
// TRAILER!!! ends the archive; NUL bytes may follow it, then, as Linux
// allows, another archive.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk::vfs::cpio {

/// The size of a newc header.
inline constexpr size_t header_size = 110;
/// The longest name accepted, its NUL included (Linux's PATH_MAX).
inline constexpr size_t max_name_size = 4096;

/// One entry, pointing into the archive.
struct Entry {
    uint64_t offset = 0; // of its header from the archive's start
    uint32_t ino = 0, mode = 0, uid = 0, gid = 0, nlink = 0, mtime = 0;
    uint32_t dev_major = 0, dev_minor = 0, rdev_major = 0, rdev_minor = 0;
    uint32_t check = 0;         // 070702's checksum field (not verified)
    const char* name = nullptr; // NUL-terminated in the archive; nullptr until read
    size_t name_len = 0;        // without the NUL
    const uint8_t* data = nullptr;
    size_t size = 0;
};

/// What is wrong with an archive.
enum class Error {
    none,
    bad_magic,           // no 070701/070702 where a header must start
    old_format,          // 070707: the old portable format, not newc
    bad_field,           // a header field that is not 8 hexadecimal digits
    bad_name_size,       // namesize 0 (or 1: an empty name) or above max_name_size
    truncated_header,    // the archive ends inside a header
    truncated_name,      // ... inside a name
    truncated_data,      // ... inside an entry's data
    name_not_terminated, // the name's last byte is not NUL, or a NUL is inside it
    bad_padding,         // after a TRAILER!!!, the next archive is not 4-byte aligned
    missing_trailer,     // the archive ends without TRAILER!!! (truncated between entries)
};

/// A sentence for `e` ("file data runs past the end of the archive"); never
/// nullptr.
const char* error_string(Error e);

/// Walks an archive's entries in order. Reads nothing outside
/// [data, data + len) and writes nothing.
class Reader {
  public:
    Reader(const void* data, size_t len) : m_data(static_cast<const uint8_t*>(data)), m_len(len) {}

    enum class Status { entry, end, error };

    /// Reads the next entry into *e. Returns Status::entry; Status::end once
    /// the last archive's TRAILER!!! and any NUL padding after it are
    /// consumed (an empty input is an empty archive); or Status::error, with
    /// error() and error_offset() saying what and where, and *e holding what
    /// was read of the entry (its offset always; its name once read, or
    /// when a bad field is not the name's size and the name looks sound).
    /// After an error or the end, keeps returning the same.
    Status next(Entry* e);

    Error error() const { return m_error; }
    /// The byte offset from the archive's start of what is wrong.
    uint64_t error_offset() const { return m_error_offset; }
    /// How many entries were returned, trailers not counted.
    size_t entries() const { return m_entries; }

  private:
    Status fail(Error e, uint64_t at);
    void peek_name(size_t at, Entry* e) const;

    const uint8_t* m_data;
    size_t m_len;
    size_t m_pos = 0;
    size_t m_entries = 0;
    bool m_after_trailer = false; // only NULs or another archive may follow
    bool m_seen_any = false;      // an archive was started
    Error m_error = Error::none;
    uint64_t m_error_offset = 0;
    bool m_done = false;
};

/// What an entry's name is once leading "/" and "./" are stripped (as on
/// Linux, where the initramfs is unpacked from "/", so "/etc", "./etc" and
/// "etc" are the same file).
enum class NameKind {
    path,   // a path under the root: components separated by '/'
    root,   // the root itself ("." or "/", e.g. the first entry of `find .`)
    dotdot, // it has a ".." component: it could name something above the root
};

/// Classifies name[0, len) and sets *rest to it without its leading "/"
/// and "./" parts. Empty and "." components elsewhere are left for the
/// caller to skip.
NameKind classify_name(const char* name, size_t len, const char** rest, size_t* rest_len);

/// Splits a path into components: call with *pos = 0, then again while it
/// returns true. Skips empty and "." components.
bool next_component(const char* path, size_t len, size_t* pos, const char** comp, size_t* comp_len);

} // namespace uk::vfs::cpio
