// The initrd: a newc cpio archive the boot loader loaded (PVH module), laid
// out as the root file system's tree at boot.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "vfs/vfs.h"

namespace uk::vfs::initrd {

/// The archive the boot loader loaded (boot::initrd()): true with its bytes,
/// which stay mapped and unchanged, or false when there is none.
bool module(const void** data, size_t* len);

/// Creates the archive's entries under `root` (a ramfs directory), keeping
/// modes, uids, gids, mtimes, symlinks, hard links and directories; regular
/// files borrow their bytes from `data` in place (ramfs::set_borrowed_data).
/// `data` stays mapped and unchanged for the life of the system.
/// On a truncated or corrupt archive, or an entry whose name escapes the
/// root, prints a message naming the byte offset and the entry, then:
/// returns -EINVAL, or, with `warn_only`, skips what it cannot use and
/// returns 0. -ENOSPC/-ENOMEM when memory runs out.
long populate(Node* root, const void* data, size_t len, bool warn_only);

} // namespace uk::vfs::initrd
