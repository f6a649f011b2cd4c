// ukrun --initrd DIR: a host directory packed into a newc cpio archive
// (what Linux's initramfs and the kernel's vfs::initrd read).
#pragma once

#include "ukrun_args.h"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace ukrun {

/// One newc header's fields.
struct CpioHeader {
    std::string name;
    std::uint32_t ino{0}, mode{0}, uid{0}, gid{0}, nlink{1}, mtime{0};
    std::uint32_t rdev_major{0}, rdev_minor{0};
    std::uint32_t size{0}; // of the data that follows
};

/// Writes a newc archive through `sink`, which takes each piece of bytes
/// in order and returns false (errno set) when it cannot.
class CpioWriter {
  public:
    using Sink = std::function<bool(std::string_view)>;
    explicit CpioWriter(Sink sink) : m_sink(std::move(sink)) {}

    /// Writes a header; then exactly h.size bytes of data must follow
    /// through data(). Returns false when the sink fails.
    bool header(CpioHeader const& h);
    /// Writes data of the current entry, padding after its last byte.
    bool data(std::string_view bytes);
    /// Writes the TRAILER!!! entry. Returns false when the sink fails.
    bool finish();
    /// Bytes written so far.
    std::uint64_t size() const { return m_offset; }

  private:
    bool put(std::string_view bytes);
    Sink m_sink;
    std::uint64_t m_offset{0};
    std::uint64_t m_left{0}; // data bytes the current entry still needs
};

/// Packs the directory `dir` into a newc archive written to `fd`: an entry
/// "." for the directory itself, then everything under it, depth first, each
/// directory's names in byte order (the same tree gives the same bytes),
/// with modes, owners, mtimes, symbolic links, device numbers and hard links
/// (the data once, on the first name; inode numbers counted from 1 in that
/// order). Returns the archive's size, or a message naming the entry that
/// cannot be read or stored (a file of 4 GiB or more, a name of 4096 bytes
/// or more) or the write that failed.
Parsed<std::uint64_t> pack_directory(std::string const& dir, int fd);

} // namespace ukrun
